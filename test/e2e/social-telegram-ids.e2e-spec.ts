// test-app first: it loads the entities in the order their circular references need
import { startTestApp, TestApp } from '../support/test-app';
import { TELEGRAM_SECRET, telegramUpdate } from '../support/social-payloads';
import { SocialEventQueue } from '../../src/intake/social/social-event-queue.service';

/**
 * SPEC §3: each channel's external id is unique and a redelivery never makes a second message.
 * Telegram's `update_id` is no such id: the Bot API numbers updates afresh (from a random value
 * after a week without updates, or for a recreated bot), so a new message may carry an old one's
 * number. Messages are named `<chat id>:<message_id>` instead, the form replies are stored in.
 */
describe('Telegram message ids survive the Bot API numbering its updates afresh', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ TELEGRAM_SECRET_TOKEN: TELEGRAM_SECRET, BACKGROUND_WORKERS: 'false' });
  });
  afterAll(async () => {
    await t.close();
  });

  const post = async (body: unknown) => {
    await t.http().post('/api/v1/webhooks/telegram').set('Content-Type', 'application/json').set('X-Telegram-Bot-Api-Secret-Token', TELEGRAM_SECRET).send(JSON.stringify(body)).expect(200);
    await t.app.get(SocialEventQueue).drain();
  };
  const update = (chat: number, messageId: number, text: string, updateId: number) => {
    const u = telegramUpdate(chat, { text }, updateId);
    return { ...u, message: { ...u.message, message_id: messageId } };
  };
  const messagesOfChat = (chat: number) =>
    t.db.query(`SELECT external_id, body_text, ticket_id FROM messages WHERE channel = 'telegram' AND direction = 'inbound' AND external_id LIKE $1 ORDER BY id`, [`${chat}:%`]);

  it('a new message that reuses an old update_id is stored, not dropped as a duplicate', async () => {
    await post(update(990001, 11, 'Bache frente a la escuela Benito Juárez', 5_000_001));
    // the bot's updates were numbered afresh: the next message comes with an update_id already seen
    await post(update(990001, 12, 'Además hay una fuga de agua en la esquina', 5_000_001));
    const rows = await messagesOfChat(990001);
    expect(rows.map((r: { external_id: string; body_text: string }) => [r.external_id, r.body_text])).toEqual([
      ['990001:11', 'Bache frente a la escuela Benito Juárez'],
      ['990001:12', 'Además hay una fuga de agua en la esquina'],
    ]);
    // the second joins the citizen's ticket like any follow-up
    expect(rows[1].ticket_id).toBe(rows[0].ticket_id);
  });

  it('a message stored before the change (under its update_id) does not swallow a new one with that number', async () => {
    await post(update(990003, 4, 'Perro atropellado en Av. Himalaya', 5_000_100));
    // what the old code stored: an update_id as the message's id
    await t.db.query(`UPDATE messages SET external_id = '5000200' WHERE channel = 'telegram' AND body_text = 'Perro atropellado en Av. Himalaya'`);
    await post(update(990003, 7, 'Sigue ahí, nadie ha pasado', 5_000_200));
    const thread = await t.db.query(
      `SELECT m.external_id, m.body_text FROM messages m WHERE m.ticket_id = (SELECT ticket_id FROM messages WHERE external_id = '5000200' AND channel = 'telegram')
         AND m.direction = 'inbound' ORDER BY m.id`,
    );
    expect(thread).toEqual([
      { external_id: '5000200', body_text: 'Perro atropellado en Av. Himalaya' },
      { external_id: '990003:7', body_text: 'Sigue ahí, nadie ha pasado' },
    ]);
  });

  it('a redelivered update is still stored once, whether the same bytes or the same message under another update_id', async () => {
    const first = update(990002, 11, 'Semáforo descompuesto en Carranza y Uresti', 5_000_010);
    await post(first);
    await post(first);
    await post({ ...first, update_id: 5_000_011 });
    // the same message number in another citizen's chat is another message
    await post(update(990004, 11, 'Basura sin recoger en la colonia Jardín', 5_000_012));
    expect((await messagesOfChat(990002)).map((r: { external_id: string }) => r.external_id)).toEqual(['990002:11']);
    expect((await messagesOfChat(990004)).map((r: { external_id: string }) => r.external_id)).toEqual(['990004:11']);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM social_events WHERE platform = 'telegram' AND convert_from(body, 'UTF8') LIKE '%Carranza y Uresti%'`);
    expect(n).toBe(2); // identical bytes stored once; the re-numbered one processed as a duplicate
    const [last] = await t.db.query(`SELECT result FROM social_events WHERE platform = 'telegram' AND convert_from(body, 'UTF8') LIKE '%5000011%'`);
    expect(last.result.outcomes).toEqual({ duplicate: 1 });
  });
});
