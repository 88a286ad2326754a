// test-app first: it loads the entities in the order their circular references need
import { TestApp } from '../support/test-app';
import { agentReply, inbound as deliver, startSocialReplyApp } from '../support/social-reply-harness';
import { FakePlatforms } from '../support/fake-platforms';
import { whatsappDelivery } from '../support/social-payloads';

/**
 * The platforms' 24-hour window belongs to the conversation (this person with this business number
 * or page), not to one ticket: an answer on an older report goes out through the platform when the
 * citizen wrote to us within the window about another one. Before, it was handed to the press office.
 */
describe('social reply window: per conversation, not per ticket', () => {
  let t: TestApp;
  let fake: FakePlatforms;
  beforeAll(async () => {
    ({ t, fake } = await startSocialReplyApp());
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  const route = async (messageId: string) =>
    (await t.db.query(`SELECT m.delivery_state, m.meta->>'manualReply' AS manual, (SELECT count(*)::int FROM outbox o WHERE o.message_id = m.id) AS queued FROM messages m WHERE m.id = $1`, [messageId]))[0];

  it('sends an answer on an older report when the citizen wrote within 24 h about a newer one', async () => {
    const phone = '5214441230001';
    const older = await deliver(t, whatsappDelivery(phone, 'Irma', { type: 'text', text: { body: 'Bache en la calle Galeana' } }, { phoneNumberId: 'PN-WIN' }));
    // the older report: its last message two days old, and closed long ago, so the next message is a new report
    await t.db.query(`UPDATE messages SET created_at = now() - interval '2 days' WHERE ticket_id = $1`, [older.id]);
    await t.db.query(`UPDATE tickets SET status = 'closed', closed_at = now() - interval '60 days' WHERE id = $1`, [older.id]);
    const newer = await deliver(t, whatsappDelivery(phone, 'Irma', { type: 'text', text: { body: 'Ahora hay basura en Galeana' } }, { phoneNumberId: 'PN-WIN' }));
    expect(newer.id).not.toBe(older.id);
    const reply = await agentReply(t, older, 'Sobre su reporte del bache: ya fue reparado.');
    expect(await route(reply.id)).toEqual({ delivery_state: 'queued', manual: null, queued: 1 });
  });

  it('still hands it to the press office when the citizen wrote through another business number, or long ago', async () => {
    const phone = '5214441230002';
    const older = await deliver(t, whatsappDelivery(phone, 'Saúl', { type: 'text', text: { body: 'Fuga en Reforma' } }, { phoneNumberId: 'PN-WIN' }));
    await t.db.query(`UPDATE messages SET created_at = now() - interval '2 days' WHERE ticket_id = $1`, [older.id]);
    await t.db.query(`UPDATE tickets SET status = 'closed', closed_at = now() - interval '60 days' WHERE id = $1`, [older.id]);
    // the newer conversation is with another of the city's numbers: its window says nothing of this one
    await deliver(t, whatsappDelivery(phone, 'Saúl', { type: 'text', text: { body: 'Otra fuga en Reforma' } }, { phoneNumberId: 'PN-OTRO' }));
    const reply = await agentReply(t, older, 'Sobre la fuga de Reforma: ya se reparó.');
    expect(await route(reply.id)).toEqual({ delivery_state: null, manual: 'pending', queued: 0 });
  });
});
