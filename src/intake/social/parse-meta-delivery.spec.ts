import { parseMetaDelivery } from './parse-meta-delivery';

const messenger = (messaging: unknown[]) => ({ object: 'page', entry: [{ id: 'PAGE1', time: 1764000000000, messaging }] });
const waValue = (value: Record<string, unknown>) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: 'WABA1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '524440000000', phone_number_id: 'PN1' }, ...value } }] }],
});

describe('parseMetaDelivery', () => {
  it('reads a Messenger text message with sender, page and timestamp', () => {
    const { items } = parseMetaDelivery(
      messenger([{ sender: { id: 'PSID1' }, recipient: { id: 'PAGE1' }, timestamp: 1764000000000, message: { mid: 'm_1', text: 'Hay un bache' } }]),
    );
    expect(items).toEqual([
      expect.objectContaining({ channel: 'messenger', externalId: 'm_1', userId: 'PSID1', businessId: 'PAGE1', text: 'Hay un bache', media: [], location: null }),
    ]);
    expect(items[0].timestamp.toISOString()).toBe(new Date(1764000000000).toISOString());
  });

  it('reads Messenger image attachments and location, with a Spanish placeholder text', () => {
    const { items } = parseMetaDelivery(
      messenger([
        {
          sender: { id: 'PSID1' },
          recipient: { id: 'PAGE1' },
          timestamp: 1,
          message: {
            mid: 'm_2',
            attachments: [
              { type: 'image', payload: { url: 'https://scontent.xx.fbcdn.net/a.jpg' } },
              { type: 'location', title: 'Mi casa', payload: { coordinates: { lat: 22.15, long: -100.98 } } },
            ],
          },
        },
      ]),
    );
    expect(items[0].media).toEqual([{ kind: 'image', source: { type: 'url', url: 'https://scontent.xx.fbcdn.net/a.jpg' } }]);
    expect(items[0].location).toEqual({ latitude: 22.15, longitude: -100.98, name: 'Mi casa' });
    expect(items[0].text).toContain('[ubicación: Mi casa (22.15, -100.98)]');
  });

  it('ignores echoes, reads and deliveries; keeps every message of a multi-entry delivery', () => {
    const body = {
      object: 'instagram',
      entry: [
        { id: 'IG1', messaging: [{ sender: { id: 'IG1' }, recipient: { id: 'U1' }, timestamp: 1, message: { mid: 'e1', text: 'eco', is_echo: true } }] },
        { id: 'IG1', messaging: [{ sender: { id: 'U1' }, recipient: { id: 'IG1' }, timestamp: 1, read: { mid: 'x' } }] },
        {
          id: 'IG1',
          messaging: [
            { sender: { id: 'U1' }, recipient: { id: 'IG1' }, timestamp: 1, message: { mid: 'a', text: 'uno' } },
            { sender: { id: 'U2' }, recipient: { id: 'IG1' }, timestamp: 2, message: { mid: 'b', text: 'dos' } },
          ],
        },
      ],
    };
    const { items, ignored } = parseMetaDelivery(body);
    expect(items.map((i) => [i.channel, i.externalId, i.userId])).toEqual([
      ['instagram', 'a', 'U1'],
      ['instagram', 'b', 'U2'],
    ]);
    expect(ignored).toEqual({ echo: 1, read: 1 });
  });

  it('also reads messages in the standby channel (handover protocol), skipping echoes there', () => {
    const { items, ignored } = parseMetaDelivery({
      object: 'page',
      entry: [
        {
          id: 'PAGE1',
          time: 1,
          standby: [
            { sender: { id: 'PSID9' }, recipient: { id: 'PAGE1' }, timestamp: 1, message: { mid: 'sb1', text: 'por standby' } },
            { sender: { id: 'PAGE1' }, recipient: { id: 'PSID9' }, timestamp: 1, message: { mid: 'sb2', text: 'eco', is_echo: true } },
          ],
        },
      ],
    });
    expect(items.map((i) => i.externalId)).toEqual(['sb1']);
    expect(ignored).toEqual({ echo: 1 });
  });

  it('reads WhatsApp text with the contact profile name and the phone number id', () => {
    const { items } = parseMetaDelivery(
      waValue({
        contacts: [{ profile: { name: 'Ana Pérez' }, wa_id: '5214441234567' }],
        messages: [{ from: '5214441234567', id: 'wamid.1', timestamp: '1764000000', type: 'text', text: { body: 'Fuga de agua' } }],
      }),
    );
    expect(items).toEqual([
      expect.objectContaining({ channel: 'whatsapp', externalId: 'wamid.1', userId: '5214441234567', businessId: 'PN1', name: 'Ana Pérez', text: 'Fuga de agua' }),
    ]);
    expect(items[0].timestamp.getTime()).toBe(1764000000 * 1000);
  });

  it('reads WhatsApp image, audio, document and location messages', () => {
    const { items } = parseMetaDelivery(
      waValue({
        contacts: [{ profile: { name: 'Ana' }, wa_id: '524441234567' }],
        messages: [
          { from: '524441234567', id: 'w1', timestamp: '1', type: 'image', image: { id: 'MEDIA1', mime_type: 'image/jpeg', caption: 'El bache' } },
          { from: '524441234567', id: 'w2', timestamp: '1', type: 'audio', audio: { id: 'MEDIA2', mime_type: 'audio/ogg' } },
          { from: '524441234567', id: 'w3', timestamp: '1', type: 'document', document: { id: 'MEDIA3', filename: 'oficio.pdf', mime_type: 'application/pdf' } },
          { from: '524441234567', id: 'w4', timestamp: '1', type: 'location', location: { latitude: 22.1, longitude: -100.9, name: 'Jardín', address: 'Centro' } },
        ],
      }),
    );
    expect(items.map((i) => i.text)).toEqual(['El bache', '[audio]', '[documento: oficio.pdf]', '[ubicación: Jardín, Centro (22.1, -100.9)]']);
    expect(items[0].media[0]).toEqual({ kind: 'image', source: { type: 'meta_media', id: 'MEDIA1' }, filename: null, mimeType: 'image/jpeg' });
    expect(items[3].location).toEqual({ latitude: 22.1, longitude: -100.9, name: 'Jardín', address: 'Centro' });
  });

  it('makes nothing of WhatsApp statuses and reactions', () => {
    const { items, ignored } = parseMetaDelivery(
      waValue({
        statuses: [{ id: 'wamid.out', status: 'delivered', timestamp: '1', recipient_id: '524441234567' }],
        messages: [{ from: '524441234567', id: 'r1', timestamp: '1', type: 'reaction', reaction: { message_id: 'x', emoji: '👍' } }],
      }),
    );
    expect(items).toEqual([]);
    expect(ignored).toEqual({ status: 1, reaction: 1 });
  });

  it('makes nothing of stickers sent on their own: the Messenger like (image with sticker_id), the sticker attachment, a WhatsApp sticker', () => {
    const like = (mid: string, attachments: unknown[], extra: Record<string, unknown> = {}) => ({
      sender: { id: 'PSID1' },
      recipient: { id: 'PAGE1' },
      timestamp: 1,
      message: { mid, attachments, ...extra },
    });
    const stickerUrl = 'https://scontent.xx.fbcdn.net/v/t39.1997-6/851557_369239266556155_759568595_n.png';
    const { items, ignored } = parseMetaDelivery(
      messenger([
        // the 👍 like, as Messenger sends it (v6.0+): message.sticker_id and an image attachment carrying it
        like('st1', [{ type: 'image', payload: { url: stickerUrl, sticker_id: 369239263222822 } }], { sticker_id: 369239263222822 }),
        // the sticker attachment type (during Meta's transition both arrive in one message)
        like('st2', [{ type: 'sticker', payload: { url: stickerUrl, sticker_id: 767226160478561 } }, { type: 'image', payload: { url: stickerUrl, sticker_id: 767226160478561 } }], { sticker_id: 767226160478561 }),
      ]),
    );
    expect(items).toEqual([]);
    expect(ignored).toEqual({ sticker: 2 });
    const wa = parseMetaDelivery(
      waValue({
        contacts: [{ profile: { name: 'Ana' }, wa_id: '524441234567' }],
        messages: [{ from: '524441234567', id: 'ws1', timestamp: '1', type: 'sticker', sticker: { mime_type: 'image/webp', sha256: 'abc', id: 'MEDIA-ST', animated: false } }],
      }),
    );
    expect(wa.items).toEqual([]);
    expect(wa.ignored).toEqual({ sticker: 1 });
  });

  it('keeps only the text of a Messenger message that also carries a sticker', () => {
    const { items } = parseMetaDelivery(
      messenger([
        {
          sender: { id: 'PSID1' },
          recipient: { id: 'PAGE1' },
          timestamp: 1,
          message: { mid: 'st3', text: 'Gracias por atender', sticker_id: 369239263222822, attachments: [{ type: 'image', payload: { url: 'https://scontent.xx.fbcdn.net/s.png', sticker_id: 369239263222822 } }] },
        },
      ]),
    );
    expect(items).toEqual([expect.objectContaining({ externalId: 'st3', text: 'Gracias por atender', media: [] })]);
  });

  it('puts the title and URL of shared links and posts in the text instead of downloading them', () => {
    const ev = (mid: string, message: Record<string, unknown>) => ({ sender: { id: 'PSID1' }, recipient: { id: 'PAGE1' }, timestamp: 1, message: { mid, ...message } });
    const { items } = parseMetaDelivery(
      messenger([
        // v6.0+ fallback: payload { url, title }
        ev('l1', { attachments: [{ type: 'fallback', payload: { url: 'https://www.elsoldesanluis.com.mx/local/bache-gigante.html', title: 'Bache gigante en Himno Nacional' } }] }),
        // the older shape: payload null, title and URL on the attachment; the URL is already in the text
        ev('l2', { text: 'Miren https://noticias.example/nota', attachments: [{ type: 'fallback', payload: null, title: 'Nota del día', URL: 'https://noticias.example/nota' }] }),
        // a shared Facebook post
        ev('l3', { attachments: [{ type: 'post', payload: { url: 'https://www.facebook.com/permalink.php?story_fbid=1&id=2', title: 'Fuga en la colonia Centro' } }] }),
        // a share with no payload at all
        ev('l4', { attachments: [{ type: 'fallback' }] }),
      ]),
    );
    expect(items.map((i) => [i.text, i.media])).toEqual([
      ['[enlace compartido: Bache gigante en Himno Nacional — https://www.elsoldesanluis.com.mx/local/bache-gigante.html]', []],
      ['Miren https://noticias.example/nota\n[enlace compartido: Nota del día]', []],
      ['[enlace compartido: Fuga en la colonia Centro — https://www.facebook.com/permalink.php?story_fbid=1&id=2]', []],
      ['[contenido compartido]', []],
    ]);
  });

  it('reads an Instagram shared post once when both the share and the ig_post attachment arrive', () => {
    const payload = { ig_post_media_id: '18139494541428835', title: 'Así quedó la calle', url: 'https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=18139494541428835&signature=x' };
    const { items } = parseMetaDelivery({
      object: 'instagram',
      entry: [{ id: 'IG1', time: 1, messaging: [{ sender: { id: 'U1' }, recipient: { id: 'IG1' }, timestamp: 1, message: { mid: 'ig1', attachments: [{ type: 'share', payload }, { type: 'ig_post', payload }] } }] }],
    });
    expect(items).toEqual([expect.objectContaining({ text: `[enlace compartido: Así quedó la calle — ${payload.url}]`, media: [] })]);
  });

  it('makes nothing of WhatsApp unsupported, unknown and request_welcome messages', () => {
    const from = '524441234567';
    const { items, ignored } = parseMetaDelivery(
      waValue({
        contacts: [{ profile: { name: 'Ana' }, wa_id: from }],
        messages: [
          {
            from,
            id: 'u1',
            timestamp: '1',
            errors: [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown', error_data: { details: 'Message type is currently not supported.' } }],
            type: 'unsupported',
            unsupported: { type: 'edit' },
          },
          {
            from,
            id: 'u2',
            timestamp: '1',
            errors: [{ code: 131051, title: 'Message type unknown', message: 'Message type unknown', error_data: { details: 'Message type is currently not supported.' } }],
            type: 'unsupported',
            unsupported: { type: 'poll_creation' },
          },
          { from, id: 'u3', timestamp: '1', errors: [{ code: 131051, details: 'Message type is not currently supported', title: 'Unsupported message type' }], type: 'unknown' },
          { from, id: 'u4', timestamp: '1', type: 'request_welcome' },
        ],
      }),
    );
    expect(items).toEqual([]);
    expect(ignored).toEqual({ unsupported: 2, unknown: 1, request_welcome: 1 });
  });

  it('makes nothing of Instagram and Messenger messages the platform gives no content of (is_unsupported), nor of empty ones', () => {
    const ev = (message: Record<string, unknown>) => ({ sender: { id: 'IGSID1' }, recipient: { id: 'IG1' }, timestamp: 1764000000000, message });
    const instagram = parseMetaDelivery({
      object: 'instagram',
      entry: [{ id: 'IG1', time: 1, messaging: [ev({ mid: 'ig_u1', is_unsupported: true }), ev({ mid: 'ig_u2', is_unsupported: true, attachments: [{ type: 'unsupported_type' }] })] }],
    });
    expect(instagram).toEqual({ items: [], deliveryFailures: [], ignored: { unsupported: 2 } });
    const page = parseMetaDelivery(messenger([ev({ mid: 'm_u1', is_unsupported: true }), ev({ mid: 'm_u2' })]));
    expect(page).toEqual({ items: [], deliveryFailures: [], ignored: { unsupported: 1, empty: 1 } });
    // words (or a file) that come with the flag are still read
    const withText = parseMetaDelivery(messenger([ev({ mid: 'm_u3', is_unsupported: true, text: 'Bache en Av. Himalaya' })]));
    expect(withText.items.map((i) => i.text)).toEqual(['Bache en Av. Himalaya']);
  });

  it('reads Messenger and Instagram message_edit as an edit of the original mid, one id per edit number', () => {
    const edit = (mid: string, text: string, numEdit: unknown, sender = 'PSID1') => ({
      sender: { id: sender },
      recipient: { id: 'PAGE1' },
      timestamp: 1764000090000,
      message_edit: { mid, text, num_edit: numEdit },
    });
    const { items, ignored } = parseMetaDelivery(
      messenger([
        edit('m_1', 'Hay un bache en la calle Reforma 345, colonia Centro', 1),
        edit('m_1', 'Hay un bache grande en Reforma 345, colonia Centro', 2),
        // an edit by the Page itself, and one without text
        edit('m_2', 'Gracias por su reporte', 1, 'PAGE1'),
        edit('m_3', '', 1),
      ]),
    );
    expect(items).toEqual([
      expect.objectContaining({ channel: 'messenger', externalId: 'm_1:edit:1', editOf: 'm_1', userId: 'PSID1', businessId: 'PAGE1', text: 'Hay un bache en la calle Reforma 345, colonia Centro', media: [] }),
      expect.objectContaining({ externalId: 'm_1:edit:2', editOf: 'm_1', text: 'Hay un bache grande en Reforma 345, colonia Centro' }),
    ]);
    expect(items[0].timestamp.getTime()).toBe(1764000090000);
    expect(ignored).toEqual({ echo: 1, edit_without_text: 1 });
    const ig = parseMetaDelivery({ object: 'instagram', entry: [{ id: 'IG1', time: 1, messaging: [{ ...edit('ig_1', 'Fuga en Carranza 1500', '3', 'IGSID1'), recipient: { id: 'IG1' } }] }] });
    expect(ig.items).toEqual([expect.objectContaining({ channel: 'instagram', externalId: 'ig_1:edit:3', editOf: 'ig_1', text: 'Fuga en Carranza 1500' })]);
    // num_edit 0 is the message as sent: its own mid, no edit
    const zero = parseMetaDelivery(messenger([edit('m_9', 'Poste caído', 0)]));
    expect(zero.items).toEqual([expect.objectContaining({ externalId: 'm_9', editOf: null, text: 'Poste caído' })]);
  });

  it('turns a shared WhatsApp contact card into text', () => {
    const { items } = parseMetaDelivery(
      waValue({
        contacts: [{ profile: { name: 'Ana' }, wa_id: '524441234567' }],
        messages: [
          {
            from: '524441234567',
            id: 'c1',
            timestamp: '1',
            type: 'contacts',
            contacts: [
              {
                addresses: [{ city: 'San Luis Potosí', country: 'México', country_code: 'MX', street: 'Av. Carranza 100', type: 'HOME' }],
                name: { formatted_name: 'Juan Pérez', first_name: 'Juan', last_name: 'Pérez' },
                phones: [
                  { phone: '+52 444 123 4567', wa_id: '524441234567', type: 'CELL' },
                  { phone: '+52 444 765 4321', type: 'WORK' },
                ],
              },
              { name: { first_name: 'Lupita' }, phones: [{ wa_id: '524449998877' }] },
            ],
          },
        ],
      }),
    );
    expect(items.map((i) => i.text)).toEqual(['[contacto: Juan Pérez, tel. +52 444 123 4567, +52 444 765 4321]\n[contacto: Lupita, tel. 524449998877]']);
  });

  it('survives hostile shapes without throwing', () => {
    for (const body of [null, 42, 'x', [], { object: 'page' }, { object: 'page', entry: 'x' }, { object: 'page', entry: [{ messaging: [null, 1, { message: 'x' }] }] }, { object: 'user', entry: [{}] }]) {
      expect(parseMetaDelivery(body).items).toEqual([]);
    }
  });

  it('turns WhatsApp failed statuses into delivery failures (code, title, details), never tickets; other statuses stay ignored', () => {
    const { items, deliveryFailures, ignored } = parseMetaDelivery(
      waValue({
        statuses: [
          { id: 'wamid.sent1', status: 'sent', timestamp: '1764000000', recipient_id: '5214441234567' },
          {
            id: 'wamid.OUT7',
            status: 'failed',
            timestamp: '1764000100',
            recipient_id: '5214441234567',
            errors: [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', error_data: { details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' } }],
          },
          { id: 'wamid.OUT8', status: 'failed', timestamp: '1764000200', recipient_id: '5214441234567', errors: [{ code: 131026, title: 'Message undeliverable' }] },
          { id: 'wamid.OUT9', status: 'failed', timestamp: 'x' },
          { status: 'failed', errors: [{ code: 131047 }] },
          { id: 'wamid.read', status: 'read', timestamp: '1764000300', recipient_id: '5214441234567' },
        ],
      }),
    );
    expect(items).toEqual([]);
    expect(ignored).toEqual({ status: 2, incomplete: 1 });
    expect(deliveryFailures).toEqual([
      {
        channel: 'whatsapp',
        platformMessageId: 'wamid.OUT7',
        recipientId: '5214441234567',
        timestamp: new Date(1764000100 * 1000),
        errors: [{ code: 131047, title: 'Re-engagement message', details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' }],
      },
      { channel: 'whatsapp', platformMessageId: 'wamid.OUT8', recipientId: '5214441234567', timestamp: new Date(1764000200 * 1000), errors: [{ code: 131026, title: 'Message undeliverable', details: null }] },
      { channel: 'whatsapp', platformMessageId: 'wamid.OUT9', recipientId: null, timestamp: expect.any(Date), errors: [] },
    ]);
  });
});
