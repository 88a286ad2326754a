// test-app first: it loads the entities in the order their circular references need
import { startTestApp, TestApp } from '../support/test-app';
import { FakePlatforms } from '../support/fake-platforms';
import { META_APP_SECRET, signed, whatsappDelivery, whatsappFailedStatus } from '../support/social-payloads';
import { SocialEventQueue } from '../../src/intake/social/social-event-queue.service';
import { OutboxWorker } from '../../src/notifications/outbox-worker';

/**
 * SPEC §3.2 / §4: the WhatsApp send API answers 200 with a wamid, so the reply is `sent`; WhatsApp
 * may still report it `failed` later in a `statuses[]` webhook. 131047 (the 24-hour window had
 * closed) hands the reply to the press office's manual list; any failure is recorded on the
 * message's delivery state for staff. The real reply endpoint, outbox and webhook queue, driven by
 * hand (BACKGROUND_WORKERS=false).
 */
describe('WhatsApp delivery failures reported after the send', () => {
  let t: TestApp;
  let fake: FakePlatforms;
  let agent: { auth: Record<string, string> };
  let press: { auth: Record<string, string> };

  beforeAll(async () => {
    fake = await new FakePlatforms().start();
    t = await startTestApp({ META_APP_SECRET, META_ACCESS_TOKEN: fake.accessToken, META_GRAPH_URL: fake.graphUrl, BACKGROUND_WORKERS: 'false' });
    agent = await t.user('agent');
    press = await t.user('press');
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  const post = async (body: unknown) => {
    const s = signed(body);
    await t.http().post('/api/v1/webhooks/meta').set('Content-Type', 'application/json').set('X-Hub-Signature-256', s.signature).send(s.raw).expect(200);
  };
  const drain = () => t.app.get(SocialEventQueue).drain();
  /** a citizen writes on WhatsApp: their ticket */
  const citizenWrites = async (waId: string, text: string) => {
    const wamid = `wamid.IN-${waId}-${Date.now()}`;
    await post(whatsappDelivery(waId, 'Rocío', { type: 'text', text: { body: text } }, { wamid }));
    await drain();
    const [row] = await t.db.query(`SELECT t.id, t.folio FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.external_id = $1`, [wamid]);
    return { id: String(row.id), folio: row.folio as string };
  };
  /** an agent answers through the API; the outbox sends it (and the acknowledgement) to the Graph API */
  const agentReplies = async (folio: string, body: string) => {
    const res = await t.http().post(`/api/v1/tickets/${folio}/replies`).set(agent.auth).send({ body }).expect(201);
    while ((await t.app.get(OutboxWorker).runOnce()) > 0);
    return String(res.body.id);
  };
  type Row = { delivery_state: string | null; delivery_error: string | null; external_id: string | null; meta: Record<string, unknown> & { platformParts?: { sent: string[] } } };
  const messageRow = async (id: string): Promise<Row> =>
    (await t.db.query(`SELECT delivery_state, delivery_error, external_id, meta FROM messages WHERE id = $1`, [id]))[0];
  const manualList = async () => (await t.http().get('/api/v1/intake/manual-replies').set(press.auth).expect(200)).body as Array<{ id: string; folio: string; reason: string; text: string }>;
  const eventsOf = (ticketId: string, type: string) => t.db.query(`SELECT data FROM ticket_events WHERE ticket_id = $1 AND type = $2 ORDER BY id`, [ticketId, type]);
  const lastEventResult = async () => (await t.db.query(`SELECT status, result FROM social_events ORDER BY id DESC LIMIT 1`))[0];

  it('131047 (window closed) on a reply already marked sent: listed for the press office with a Spanish reason, the error on its delivery state', async () => {
    const ticket = await citizenWrites('5214443330001', 'Fuga de agua en la calle Zaragoza');
    const replyId = await agentReplies(ticket.folio, 'Mañana acude la cuadrilla de Interapas.');
    const sent = await messageRow(replyId);
    expect(sent.delivery_state).toBe('sent');
    expect(sent.external_id).toMatch(/^wamid\.OUT/);
    expect(sent.meta.platformMessageId).toBe(sent.external_id);
    expect((await manualList()).map((m) => m.id)).not.toContain(replyId);

    const failed = whatsappFailedStatus(sent.external_id!, {
      code: 131047,
      title: 'Re-engagement message',
      details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
    });
    await post(failed);
    await drain();

    const row = await messageRow(replyId);
    expect(row.delivery_state).toBe('failed');
    expect(row.delivery_error).toContain('131047');
    expect(row.delivery_error).toContain('Re-engagement message');
    expect(row.meta).toMatchObject({ manualReply: 'pending', manualReplyReason: 'WhatsApp no entregó la respuesta: fuera de la ventana de 24 horas de la plataforma (código 131047); respóndala a mano' });
    const listed = (await manualList()).find((m) => m.id === replyId);
    expect(listed).toMatchObject({ folio: ticket.folio, text: 'Mañana acude la cuadrilla de Interapas.', reason: expect.stringMatching(/^WhatsApp no entregó la respuesta/) });
    expect(await eventsOf(ticket.id, 'manual_reply_needed')).toEqual([{ data: expect.objectContaining({ messageId: replyId }) }]);
    expect(await lastEventResult()).toMatchObject({ status: 'done', result: { outcomes: { delivery_failure_manual_reply: 1 } } });
    // staff see it on the thread
    const detail = await t.http().get(`/api/v1/tickets/${ticket.folio}`).set(agent.auth).expect(200);
    const inThread = detail.body.thread.find((m: { id: string }) => String(m.id) === replyId);
    expect(inThread).toMatchObject({ manualReply: 'pending', delivery: expect.objectContaining({ state: 'failed', lastError: expect.stringContaining('131047') }) });

    // Meta sends it again (other bytes): nothing new
    await post({ ...failed, entry: [{ ...failed.entry[0], id: 'WABA-SLP-again' }] });
    await drain();
    expect(await eventsOf(ticket.id, 'manual_reply_needed')).toHaveLength(1);
    expect(await lastEventResult()).toMatchObject({ status: 'done', result: { outcomes: { delivery_failure_duplicate: 1 } } });

    // once the press office has answered by hand, a late repeat does not list it again
    await t.http().post(`/api/v1/intake/manual-replies/${replyId}/done`).set(press.auth).expect(200);
    await post(whatsappFailedStatus(sent.external_id!, { code: 131047, title: 'Re-engagement message' }, { timestamp: 1 }));
    await drain();
    expect((await messageRow(replyId)).meta.manualReply).toBe('done');
    expect((await manualList()).map((m) => m.id)).not.toContain(replyId);
  });

  it('another failure code is recorded on the delivery state and as a ticket event, without a task for the press office', async () => {
    const ticket = await citizenWrites('5214443330002', 'Bache profundo en Av. Salvador Nava');
    const replyId = await agentReplies(ticket.folio, 'Su reporte fue turnado a Obras Públicas.');
    const { external_id: wamid } = await messageRow(replyId);
    await post(whatsappFailedStatus(wamid!, { code: 131026, title: 'Message undeliverable' }));
    await drain();
    const row = await messageRow(replyId);
    expect(row.delivery_state).toBe('failed');
    expect(row.delivery_error).toMatch(/^WhatsApp no entregó el mensaje \(código 131026: Message undeliverable/);
    expect(row.meta.manualReply).toBeUndefined();
    expect((await manualList()).map((m) => m.id)).not.toContain(replyId);
    expect(await eventsOf(ticket.id, 'platform_delivery_failed')).toEqual([{ data: expect.objectContaining({ messageId: replyId, codes: [131026] }) }]);
  });

  it('the automatic acknowledgement that fails with 131047 gets the error recorded, but is never a task for the press office', async () => {
    const ticket = await citizenWrites('5214443330003', 'Luminaria apagada frente al kínder');
    await agentReplies(ticket.folio, 'Gracias por avisar.');
    const [ack] = await t.db.query(`SELECT id, external_id FROM messages WHERE ticket_id = $1 AND meta->>'notification' = 'acknowledgement'`, [ticket.id]);
    expect(ack.external_id).toMatch(/^wamid\.OUT/);
    await post(whatsappFailedStatus(ack.external_id, { code: 131047, title: 'Re-engagement message' }));
    await drain();
    const row = await messageRow(String(ack.id));
    expect([row.delivery_state, row.meta.manualReply]).toEqual(['failed', undefined]);
    expect((await manualList()).map((m) => m.id)).not.toContain(String(ack.id));
  });

  it('a later part of a long reply is found by its own wamid', async () => {
    const ticket = await citizenWrites('5214443330004', 'Árbol a punto de caer en la Alameda');
    const long = `${'La cuadrilla de Parques y Jardines revisará el árbol. '.repeat(60)}\n\n${'Le pedimos no estacionarse debajo mientras tanto. '.repeat(60)}`;
    const replyId = await agentReplies(ticket.folio, long);
    const sent = await messageRow(replyId);
    expect(sent.delivery_state).toBe('sent');
    const parts = sent.meta.platformParts!.sent;
    expect(parts.length).toBeGreaterThan(1);
    await post(whatsappFailedStatus(parts[parts.length - 1], { code: 131047, title: 'Re-engagement message' }));
    await drain();
    expect((await messageRow(replyId)).meta.manualReply).toBe('pending');
    expect((await manualList()).map((m) => m.id)).toContain(replyId);
    // every part fails alike: the reply is handed over once
    await post(whatsappFailedStatus(parts[0], { code: 131047, title: 'Re-engagement message' }));
    await drain();
    expect((await manualList()).filter((m) => m.id === replyId)).toHaveLength(1);
    expect(await eventsOf(ticket.id, 'manual_reply_needed')).toHaveLength(1);
  });

  it('a failure reported while the reply is still being sent is recorded once the send is settled; one for a message we never sent changes nothing', async () => {
    const ticket = await citizenWrites('5214443330005', 'Coladera sin tapa en la colonia Tequis');
    const res = await t.http().post(`/api/v1/tickets/${ticket.folio}/replies`).set(agent.auth).send({ body: 'Vamos para allá.' }).expect(201);
    const replyId = String(res.body.id);
    // the first part went out and was recorded, the rest is still on its way (outbox row queued)
    await t.db.query(`UPDATE messages SET meta = meta || '{"platformParts":{"total":2,"sent":["wamid.PART1-INFLIGHT"]}}' WHERE id = $1`, [replyId]);
    await post(whatsappFailedStatus('wamid.PART1-INFLIGHT', { code: 131047, title: 'Re-engagement message' }));
    await drain();
    expect((await messageRow(replyId)).meta.manualReply).toBeUndefined();
    const [waiting] = await t.db.query(`SELECT id, status, last_error FROM social_events ORDER BY id DESC LIMIT 1`);
    expect(waiting.status).toBe('pending');
    expect(waiting.last_error).toContain('still being sent');
    // the send ends; the retry records the failure
    await t.db.query(`UPDATE outbox SET state = 'sent', sent_at = now() WHERE message_id = $1`, [replyId]);
    await t.db.query(`UPDATE messages SET delivery_state = 'sent' WHERE id = $1`, [replyId]);
    await t.db.query(`UPDATE social_events SET next_attempt_at = now() WHERE id = $1`, [waiting.id]);
    await drain();
    expect((await messageRow(replyId)).meta.manualReply).toBe('pending');

    await post(whatsappFailedStatus('wamid.NOT-OURS', { code: 131026, title: 'Message undeliverable' }));
    await drain();
    expect(await lastEventResult()).toMatchObject({ status: 'done', result: { outcomes: { delivery_failure_unknown_message: 1 } } });
  });
});
