import { parseTelegramUpdate } from './parse-telegram-update';

const update = (message: Record<string, unknown>, id = 900) => ({
  update_id: id,
  message: { message_id: 5, from: { id: 111, is_bot: false, first_name: 'Luis', last_name: 'García', username: 'luisg' }, chat: { id: 111, type: 'private' }, date: 1764000000, ...message },
});

describe('parseTelegramUpdate', () => {
  it('reads a text message: chat id and message_id as external id, user, name, handle, chat', () => {
    const r = parseTelegramUpdate(update({ text: 'Luminaria apagada' }));
    expect(r.item).toEqual(
      expect.objectContaining({ channel: 'telegram', externalId: '111:5', userId: '111', businessId: '111', name: 'Luis García', handle: '@luisg', text: 'Luminaria apagada' }),
    );
    expect(r.item!.timestamp.getTime()).toBe(1764000000 * 1000);
  });

  it('names a message by its chat and message_id, not by the update_id the Bot API may number afresh', () => {
    // after a week without updates (or for a recreated bot) update ids restart: a new message may reuse an old one's
    const before = parseTelegramUpdate(update({ text: 'Bache en la esquina', message_id: 41 }, 123456));
    const reused = parseTelegramUpdate(update({ text: 'Ahora una fuga de agua', message_id: 97 }, 123456));
    expect([before.item!.externalId, reused.item!.externalId]).toEqual(['111:41', '111:97']);
    // the same message redelivered (under any update id) keeps its id
    expect(parseTelegramUpdate(update({ text: 'Bache en la esquina', message_id: 41 }, 777)).item!.externalId).toBe('111:41');
    // the chat makes it unique: another citizen's message 41 is another message
    expect(parseTelegramUpdate(update({ text: 'Otro', message_id: 41, from: { id: 222, is_bot: false, first_name: 'Ana' }, chat: { id: 222, type: 'private' } })).item!.externalId).toBe('222:41');
    // without a chat (never in practice) the private chat's id is the sender's
    expect(parseTelegramUpdate(update({ text: 'Sin chat', message_id: 8, chat: undefined })).item!.externalId).toBe('111:8');
    expect(parseTelegramUpdate(update({ text: 'Sin número', message_id: undefined })).ignored).toBe('no_message_id');
  });

  it('takes the largest photo size and the caption', () => {
    const r = parseTelegramUpdate(
      update({
        caption: 'Basura acumulada',
        photo: [
          { file_id: 'small', file_unique_id: 's', width: 90, height: 60, file_size: 1000 },
          { file_id: 'big', file_unique_id: 'b', width: 1280, height: 960, file_size: 90000 },
          { file_id: 'mid', file_unique_id: 'm', width: 320, height: 240, file_size: 9000 },
        ],
      }),
    );
    expect(r.item!.media).toEqual([{ kind: 'image', source: { type: 'telegram_file', fileId: 'big' }, size: 90000 }]);
    expect(r.item!.text).toBe('Basura acumulada');
  });

  it('reads a location', () => {
    const r = parseTelegramUpdate(update({ location: { latitude: 22.15, longitude: -100.97 } }));
    expect(r.item!.location).toEqual({ latitude: 22.15, longitude: -100.97 });
    expect(r.item!.text).toBe('[ubicación: (22.15, -100.97)]');
  });

  it('ignores /start and other bot commands', () => {
    const start = parseTelegramUpdate(update({ text: '/start', entities: [{ offset: 0, length: 6, type: 'bot_command' }] }));
    expect(start).toEqual({ item: null, ignored: 'bot_command' });
    expect(parseTelegramUpdate(update({ text: '/start ref123', entities: [{ offset: 0, length: 6, type: 'bot_command' }] })).ignored).toBe('bot_command');
    // a command further into the text is part of a message
    expect(parseTelegramUpdate(update({ text: 'Escribí /ayuda y nada', entities: [{ offset: 8, length: 6, type: 'bot_command' }] })).item?.text).toBe('Escribí /ayuda y nada');
  });

  it('ignores stickers, dice and polls', () => {
    const sticker = { file_id: 'CAACAgIAAxkBAAE', file_unique_id: 'AgAD', type: 'regular', width: 512, height: 512, is_animated: false, is_video: false, emoji: '👍', set_name: 'Animals', file_size: 21000 };
    expect(parseTelegramUpdate(update({ sticker }))).toEqual({ item: null, ignored: 'sticker' });
    expect(parseTelegramUpdate(update({ dice: { emoji: '🎲', value: 4 } }))).toEqual({ item: null, ignored: 'dice' });
    const poll = { id: '5', question: '¿Sirve?', options: [{ text: 'Sí', voter_count: 0 }], total_voter_count: 0, is_closed: false, is_anonymous: true, type: 'regular', allows_multiple_answers: false };
    expect(parseTelegramUpdate(update({ poll }))).toEqual({ item: null, ignored: 'poll' });
  });

  it('reads a video note as a video', () => {
    const r = parseTelegramUpdate(update({ video_note: { file_id: 'VN1', file_unique_id: 'vn', length: 240, duration: 7, file_size: 50000 } }));
    expect(r.item!.media).toEqual([{ kind: 'video', source: { type: 'telegram_file', fileId: 'VN1' }, filename: null, mimeType: null, size: 50000 }]);
    expect(r.item!.text).toBe('[video]');
  });

  it('turns a shared contact into text', () => {
    const r = parseTelegramUpdate(update({ contact: { phone_number: '+524441234567', first_name: 'Juan', last_name: 'Pérez', user_id: 222 } }));
    expect(r.item!.text).toBe('[contacto: Juan Pérez, tel. +524441234567]');
  });

  it('reads a venue: title and address with its location', () => {
    const location = { latitude: 22.1517, longitude: -100.9765 };
    const r = parseTelegramUpdate(update({ location, venue: { location, title: 'Jardín de San Juan de Dios', address: 'Av. Universidad, Centro' } }));
    expect(r.item!.location).toEqual({ ...location, name: 'Jardín de San Juan de Dios', address: 'Av. Universidad, Centro' });
    expect(r.item!.text).toBe('[ubicación: Jardín de San Juan de Dios, Av. Universidad, Centro (22.1517, -100.9765)]');
  });

  it('keeps a report that starts with a command: the words after it are the report', () => {
    const r = parseTelegramUpdate(update({ text: '/reporte Fuga de agua en Av. Carranza 1500', entities: [{ offset: 0, length: 8, type: 'bot_command' }] }));
    expect(r.item).toEqual(expect.objectContaining({ externalId: '111:5', text: 'Fuga de agua en Av. Carranza 1500' }));
    // the command addressed to the bot by name, the report on the next line
    const named = parseTelegramUpdate(update({ text: '/reporte@EnlaceSLPBot\nBache en Av. Salvador Nava', entities: [{ offset: 0, length: 21, type: 'bot_command' }] }));
    expect(named.item?.text).toBe('Bache en Av. Salvador Nava');
    // the command in a photo's caption: the photo and the words after it
    const photo = parseTelegramUpdate(
      update({ caption: '/reporte Basura en el camellón', caption_entities: [{ offset: 0, length: 8, type: 'bot_command' }], photo: [{ file_id: 'P1', file_unique_id: 'p', width: 10, height: 10 }] }),
    );
    expect([photo.item?.text, photo.item?.media.length]).toEqual(['Basura en el camellón', 1]);
    // a bare command, or addressed by name, is still no report; nor a /start deep link
    for (const [text, length] of [['/help', 5], ['/start@EnlaceSLPBot', 19], ['/reporte   ', 8], ['/start c_ref-42', 6]] as const) {
      expect(parseTelegramUpdate(update({ text, entities: [{ offset: 0, length, type: 'bot_command' }] }))).toEqual({ item: null, ignored: 'bot_command' });
    }
  });

  it('reads an edited message as an edit of the original: its own id per edit date, the original in editOf', () => {
    const edit = (text: string, editDate: number, updateId: number) => ({
      update_id: updateId,
      edited_message: {
        message_id: 5,
        from: { id: 111, is_bot: false, first_name: 'Luis', last_name: 'García', username: 'luisg' },
        chat: { id: 111, type: 'private' },
        date: 1764000000,
        edit_date: editDate,
        text,
      },
    });
    const first = parseTelegramUpdate(edit('Hay un bache en la calle Reforma 345, colonia Centro', 1764000060, 901));
    expect(first.item).toEqual(
      expect.objectContaining({ channel: 'telegram', externalId: '111:5:edit:1764000060', editOf: '111:5', userId: '111', text: 'Hay un bache en la calle Reforma 345, colonia Centro' }),
    );
    expect(first.item!.timestamp.getTime()).toBe(1764000060 * 1000);
    // the same edit redelivered keeps its id; a second edit has another
    expect(parseTelegramUpdate(edit('Hay un bache en la calle Reforma 345, colonia Centro', 1764000060, 955)).item!.externalId).toBe('111:5:edit:1764000060');
    expect(parseTelegramUpdate(edit('Hay un bache grande en Reforma 345, colonia Centro', 1764000120, 902)).item!.externalId).toBe('111:5:edit:1764000120');
    // a message as first sent is no edit
    expect(parseTelegramUpdate(update({ text: 'Hay un bache en la calle' })).item!.editOf).toBeNull();
  });

  it('ignores edits that say nothing new in words: a live location moving, a caption taken off', () => {
    const live = {
      update_id: 903,
      edited_message: {
        message_id: 6,
        from: { id: 111, is_bot: false, first_name: 'Luis' },
        chat: { id: 111, type: 'private' },
        date: 1764000000,
        edit_date: 1764000030,
        location: { latitude: 22.15, longitude: -100.97, live_period: 900, heading: 90 },
      },
    };
    expect(parseTelegramUpdate(live)).toEqual({ item: null, ignored: 'edited_without_text' });
    const noCaption = { ...live, edited_message: { ...live.edited_message, location: undefined, photo: [{ file_id: 'P1', file_unique_id: 'p', width: 10, height: 10 }] } };
    expect(parseTelegramUpdate(noCaption)).toEqual({ item: null, ignored: 'edited_without_text' });
  });

  it('ignores bots and non-updates', () => {
    expect(parseTelegramUpdate({ update_id: 1, edited_message: {} }).ignored).toBe('no_sender');
    expect(parseTelegramUpdate(update({ text: 'x', from: { id: 9, is_bot: true } })).ignored).toBe('bot');
    expect(parseTelegramUpdate({ message: {} }).ignored).toBe('not_an_update');
    expect(parseTelegramUpdate(update({ text: 'x', chat: { id: -100, type: 'supergroup' } })).ignored).toBe('not_private_chat');
    expect(parseTelegramUpdate(null).ignored).toBe('not_an_update');
  });
});
