import { parseTelegramUpdate } from './parse-telegram-update';

const update = (message: Record<string, unknown>, id = 900) => ({
  update_id: id,
  message: { message_id: 5, from: { id: 111, is_bot: false, first_name: 'Luis', last_name: 'García', username: 'luisg' }, chat: { id: 111, type: 'private' }, date: 1764000000, ...message },
});

describe('parseTelegramUpdate', () => {
  it('reads a text message: update_id as external id, user, name, handle, chat', () => {
    const r = parseTelegramUpdate(update({ text: 'Luminaria apagada' }));
    expect(r.item).toEqual(
      expect.objectContaining({ channel: 'telegram', externalId: '900', userId: '111', businessId: '111', name: 'Luis García', handle: '@luisg', text: 'Luminaria apagada' }),
    );
    expect(r.item!.timestamp.getTime()).toBe(1764000000 * 1000);
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

  it('ignores edits, bots and non-updates', () => {
    expect(parseTelegramUpdate({ update_id: 1, edited_message: {} }).ignored).toBe('edited_message');
    expect(parseTelegramUpdate(update({ text: 'x', from: { id: 9, is_bot: true } })).ignored).toBe('bot');
    expect(parseTelegramUpdate({ message: {} }).ignored).toBe('not_an_update');
    expect(parseTelegramUpdate(update({ text: 'x', chat: { id: -100, type: 'supergroup' } })).ignored).toBe('not_private_chat');
    expect(parseTelegramUpdate(null).ignored).toBe('not_an_update');
  });
});
