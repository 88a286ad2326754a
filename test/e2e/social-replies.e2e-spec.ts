// test-app first: it loads the entities in the order their circular references need
import { TestApp } from '../support/test-app';
import { agentReply as replyAsAgent, inbound as deliver, startSocialReplyApp } from '../support/social-reply-harness';
import { SocialReplySender } from '../../src/intake/social-replies/social-reply.sender';
import { OutboxWorker } from '../../src/notifications/outbox-worker';
import type { SocialReplyPayload } from '../../src/intake/social-replies/social-reply-payload';
import { PlatformError } from '../../src/intake/social/platform-errors';
import { Message } from '../../src/tickets/message.entity';
import { Ticket } from '../../src/tickets/ticket.entity';
import { FakePlatforms } from '../support/fake-platforms';
import { messengerDelivery, telegramUpdate, whatsappDelivery } from '../support/social-payloads';

/**
 * Agent replies back through the platform: the real reply endpoint and outbox (worker run by hand,
 * OUTBOX_WORKER=false) for the end-to-end case; the window cases emit the `reply` hook as the
 * endpoint does and drive SocialReplySender with the payload the outbox row holds.
 */
describe('social replies: 24 h window, platform send, press-office handover', () => {
  let t: TestApp;
  let fake: FakePlatforms;
  let sender: SocialReplySender;

  beforeAll(async () => {
    ({ t, fake } = await startSocialReplyApp());
    sender = t.app.get(SocialReplySender);
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  const inbound = (body: unknown, platform: 'meta' | 'telegram' = 'meta') => deliver(t, body, platform);
  const agentReply = (ticket: Ticket, text: string): Promise<Message> => replyAsAgent(t, ticket, text);
  /** the payload of the outbox row written for this reply, if any */
  const queuedPayload = async (messageId: string): Promise<SocialReplyPayload | undefined> =>
    (await t.db.query(`SELECT payload FROM outbox WHERE message_id = $1`, [messageId]))[0]?.payload;
  const messageRow = async (id: string) => (await t.db.query(`SELECT delivery_state, meta FROM messages WHERE id = $1`, [id]))[0];

  it('end to end: POST /tickets/{folio}/replies on a WhatsApp ticket goes out through the outbox to the platform', async () => {
    const ticket = await inbound(whatsappDelivery('5214441239999', 'Ernesto', { type: 'text', text: { body: 'Coladera tapada' } }, { phoneNumberId: 'PN-E2E' }));
    const { auth } = await t.user('agent');
    const res = await t.http().post(`/api/v1/tickets/${ticket.folio}/replies`).set(auth).send({ body: 'Mañana pasa la cuadrilla de Interapas.' }).expect(201);
    const [row] = await t.db.query(`SELECT channel, kind, recipient FROM outbox WHERE message_id = $1`, [res.body.id]);
    expect(row).toEqual(expect.objectContaining({ channel: 'whatsapp', kind: 'reply', recipient: '5214441239999' }));
    await expect(t.app.get(OutboxWorker).runOnce()).resolves.toBeGreaterThanOrEqual(1);
    const calls = fake.received(`/${fake.graphVersion}/PN-E2E/messages`);
    // the citizen's acknowledgement with the folio, and the agent's reply (sent side by side)
    const firstLines = calls.map((c) => (c.body as { text: { body: string } }).text.body.split('\n')[0]);
    expect(firstLines.sort()).toEqual(['Mañana pasa la cuadrilla de Interapas.', `Recibimos su reporte. Su folio es ${ticket.folio}.`]);
    const call = calls.find((c) => (c.body as { text: { body: string } }).text.body.startsWith('Mañana'))!;
    expect(call.body).toEqual(expect.objectContaining({ to: '5214441239999', text: { preview_url: false, body: 'Mañana pasa la cuadrilla de Interapas.' } }));
    const detail = await t.http().get(`/api/v1/tickets/${ticket.folio}`).set(auth).expect(200);
    expect(detail.body.thread.find((m: { id: string }) => m.id === res.body.id).delivery.state).toBe('sent');
  });

  it('a new ticket from a platform is acknowledged there with its folio, status link and privacy notice; the thread keeps it without the token', async () => {
    const ticket = await inbound(whatsappDelivery('5214441237777', 'Marta', { type: 'text', text: { body: 'Alcantarilla sin tapa' } }, { phoneNumberId: 'PN-ACK' }));
    const [row] = await t.db.query(`SELECT o.kind, o.payload->>'text' AS text, m.body_text, m.meta FROM outbox o JOIN messages m ON m.id = o.message_id WHERE o.ticket_id = $1`, [ticket.id]);
    const [{ public_token: token }] = await t.db.query(`SELECT public_token FROM tickets WHERE id = $1`, [ticket.id]);
    const statusUrl = `https://enlace.test/seguimiento/${ticket.folio}?token=${token}`;
    expect(row.kind).toBe('acknowledgement');
    expect(row.text).toBe(
      `Recibimos su reporte. Su folio es ${ticket.folio}.\nConsulte el avance de su reporte en: ${statusUrl}\nAviso de privacidad: https://enlace.test/aviso-de-privacidad\nAtención Ciudadana · H. Ayuntamiento de San Luis Potosí`,
    );
    expect(row.body_text).toContain(`Consulte el avance de su reporte en: https://enlace.test/seguimiento/${ticket.folio}\n`);
    expect(row.body_text).not.toContain(token);
    expect(row.meta.automatic).toBe(true);
    // a second message threads into the ticket: no second acknowledgement
    await inbound(whatsappDelivery('5214441237777', 'Marta', { type: 'text', text: { body: 'Sigue sin tapa' } }, { phoneNumberId: 'PN-ACK' }));
    expect(await t.db.query(`SELECT count(*)::int AS n FROM outbox WHERE ticket_id = $1`, [ticket.id])).toEqual([{ n: 1 }]);
    // the office's template words are not in the thread search, and the citizen's page does not repeat them
    const [hit] = await t.db.query(`SELECT messages_search @@ to_tsquery('spanish', 'consulte') AS ack FROM tickets WHERE id = $1`, [ticket.id]);
    expect(hit.ack).toBe(false);
    // a ticket the press office forwarded gets none: the city cannot write to that person
    const press = await t.user('press');
    const forwarded = await t.http().post('/api/v1/intake/forwarded').set(press.auth).field('network', 'instagram').field('text', 'Comentario sobre un bache').expect(201);
    expect(await t.db.query(`SELECT count(*)::int AS n FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE t.folio = $1`, [forwarded.body.folio])).toEqual([{ n: 0 }]);
  });

  it('WhatsApp inside the window: queued, then sent through the Graph API to the wa_id from the phone number id', async () => {
    const ticket = await inbound(whatsappDelivery('5214441230001', 'Carmen', { type: 'text', text: { body: 'Bache en Av. Juárez' } }, { phoneNumberId: 'PN-777' }));
    const reply = await agentReply(ticket, 'Gracias, su reporte fue turnado a Obras Públicas.');
    const payload = (await queuedPayload(reply.id))!;
    expect(payload).toEqual(expect.objectContaining({ channel: 'whatsapp', recipientId: '5214441230001', businessId: 'PN-777', ticketId: ticket.id }));
    expect((await messageRow(reply.id)).delivery_state).toBe('queued');

    await expect(sender.send(payload)).resolves.toEqual({ externalId: expect.stringMatching(/^wamid.OUT/) });
    const [call] = fake.received(`/${fake.graphVersion}/PN-777/messages`);
    expect(call.headers.authorization).toBe(`Bearer ${fake.accessToken}`);
    expect(call.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '5214441230001',
      type: 'text',
      text: { preview_url: false, body: 'Gracias, su reporte fue turnado a Obras Públicas.' },
    });
    const row = await messageRow(reply.id);
    expect(row.delivery_state).toBe('sent');
    expect(row.meta.platformMessageId).toMatch(/^wamid.OUT/);
  });

  it('Messenger inside the window: sent with messaging_type RESPONSE to the PSID through the Page', async () => {
    const ticket = await inbound(messengerDelivery('PSID-R1', 'Luminaria apagada', { page: 'PAGE-77' }));
    const reply = await agentReply(ticket, 'Recibido, gracias.');
    const payload = (await queuedPayload(reply.id))!;
    await expect(sender.send(payload)).resolves.toEqual({ externalId: expect.stringMatching(/^m_OUT/) });
    const [call] = fake.received(`/${fake.graphVersion}/PAGE-77/messages`);
    expect(call.body).toEqual({ recipient: { id: 'PSID-R1' }, messaging_type: 'RESPONSE', message: { text: 'Recibido, gracias.' } });
  });

  it('Instagram inside the window: sent through /me/messages to the IGSID', async () => {
    const ticket = await inbound(messengerDelivery('IGSID-R1', 'Bache', { object: 'instagram', page: 'IG-77' }));
    const reply = await agentReply(ticket, 'Gracias por su reporte.');
    const payload = (await queuedPayload(reply.id))!;
    await sender.send(payload);
    const [call] = fake.received(`/${fake.graphVersion}/me/messages`);
    expect(call.body).toEqual({ recipient: { id: 'IGSID-R1' }, messaging_type: 'RESPONSE', message: { text: 'Gracias por su reporte.' } });
  });

  it('Telegram: sendMessage to the chat, no window', async () => {
    const ticket = await inbound(telegramUpdate(880001, { text: 'Árbol caído' }), 'telegram');
    await t.db.query(`UPDATE messages SET created_at = now() - interval '30 days' WHERE ticket_id = $1`, [ticket.id]);
    const reply = await agentReply(ticket, 'Ya enviamos una cuadrilla.');
    const payload = (await queuedPayload(reply.id))!;
    await sender.send(payload);
    const [call] = fake.received(`/bot${fake.botToken}/sendMessage`);
    expect(call.body).toEqual({ chat_id: '880001', text: 'Ya enviamos una cuadrilla.' });
  });

  it('a reply already accepted by the platform is not sent again when its outbox row is retried (a worker died before recording it)', async () => {
    const ticket = await inbound(telegramUpdate(880301, { text: 'Semáforo descompuesto' }), 'telegram');
    const reply = await agentReply(ticket, 'Ya reportamos el semáforo a Tránsito.');
    const payload = (await queuedPayload(reply.id))!;
    const sentTo = () => fake.received(`/bot${fake.botToken}/sendMessage`).filter((c) => String((c.body as { chat_id: string }).chat_id) === '880301');
    await expect(sender.send(payload)).resolves.toEqual({ externalId: '880301:1' });
    // the outbox row was never marked sent: the next worker retries it
    await expect(sender.send(payload)).resolves.toEqual({ externalId: '880301:1' });
    expect(sentTo()).toHaveLength(1);
  });

  it('Telegram replies to two chats, numbered alike by Telegram, are each sent once and recorded', async () => {
    const { auth } = await t.user('agent');
    const folios: string[] = [];
    for (const chat of [880101, 880102]) {
      const ticket = await inbound(telegramUpdate(chat, { text: `Bache frente al número ${chat}` }), 'telegram');
      await t.http().post(`/api/v1/tickets/${ticket.folio}/replies`).set(auth).send({ body: `Respuesta para ${chat}` }).expect(201);
      folios.push(ticket.folio);
    }
    const worker = t.app.get(OutboxWorker);
    await worker.runOnce();
    await worker.runOnce();
    const rows = await t.db.query(
      `SELECT o.kind, o.state, o.external_id FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE t.folio = ANY($1) ORDER BY t.folio, o.id`,
      [folios],
    );
    // each chat: the acknowledgement and the reply, numbered 1 and 2 by Telegram in whichever order they went out
    expect(rows.map((r: { kind: string; state: string }) => [r.kind, r.state])).toEqual([
      ['acknowledgement', 'sent'],
      ['reply', 'sent'],
      ['acknowledgement', 'sent'],
      ['reply', 'sent'],
    ]);
    expect(rows.map((r: { external_id: string }) => r.external_id).sort()).toEqual(['880101:1', '880101:2', '880102:1', '880102:2']);
    const sent = fake.received(`/bot${fake.botToken}/sendMessage`).filter((c) => ['880101', '880102'].includes(String((c.body as { chat_id: string }).chat_id)));
    expect(sent).toHaveLength(4);
  });

  it('outside the 24 h window: nothing is queued, the press office sees it as "needs manual reply" and marks it done', async () => {
    const ticket = await inbound(messengerDelivery('PSID-R2', 'Fuga de agua', { page: 'PAGE-77' }));
    await t.db.query(`UPDATE messages SET created_at = now() - interval '25 hours' WHERE ticket_id = $1`, [ticket.id]);
    const sentBefore = fake.received(`/${fake.graphVersion}/PAGE-77/messages`).length;
    const reply = await agentReply(ticket, 'Disculpe la demora, ¿sigue la fuga?');
    expect(await queuedPayload(reply.id)).toBeUndefined();
    const row = await messageRow(reply.id);
    expect(row.delivery_state).toBeNull();
    expect(row.meta).toEqual(expect.objectContaining({ manualReply: 'pending', manualReplyReason: 'fuera de la ventana de 24 horas de la plataforma' }));
    expect(fake.received(`/${fake.graphVersion}/PAGE-77/messages`).length).toBe(sentBefore);

    const press = await t.user('press');
    const list = await t.http().get('/api/v1/intake/manual-replies').set(press.auth).expect(200);
    const item = list.body.find((i: { id: string }) => i.id === reply.id);
    expect(item).toEqual(expect.objectContaining({ folio: ticket.folio, channel: 'messenger', text: 'Disculpe la demora, ¿sigue la fuga?' }));
    const detail = await t.http().get(`/api/v1/tickets/${ticket.folio}`).set(press.auth).expect(200);
    expect(detail.body.thread.find((m: { id: string }) => m.id === reply.id).manualReply).toBe('pending');
    const [event] = await t.db.query(`SELECT type FROM ticket_events WHERE ticket_id = $1 AND type = 'manual_reply_needed'`, [ticket.id]);
    expect(event).toEqual({ type: 'manual_reply_needed' });

    await t.http().post(`/api/v1/intake/manual-replies/${reply.id}/done`).set(press.auth).expect(200);
    await t.http().post(`/api/v1/intake/manual-replies/${reply.id}/done`).set(press.auth).expect(404);
    const after = await t.http().get('/api/v1/intake/manual-replies').set(press.auth).expect(200);
    expect(after.body.find((i: { id: string }) => i.id === reply.id)).toBeUndefined();
  });

  it('a window the platform says has closed meanwhile: permanent failure and handover to the press office', async () => {
    const ticket = await inbound(messengerDelivery('PSID-R3', 'Ruido', { page: 'PAGE-88' }));
    const reply = await agentReply(ticket, 'Respuesta tardía');
    const payload = (await queuedPayload(reply.id))!;
    fake.failNext(`/${fake.graphVersion}/PAGE-88/messages`, 400, {
      error: { message: '(#10) This message is sent outside of allowed window.', type: 'OAuthException', code: 10, error_subcode: 2018278, fbtrace_id: 'x' },
    });
    const err = await sender.send(payload).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect((err as PlatformError).retryable).toBe(false);
    // the outbox stores this message as the thread's delivery_error
    expect((err as PlatformError).message).toBe('la plataforma rechazó el envío (código 10/2018278, HTTP 400): fuera de la ventana de 24 horas de la plataforma');
    expect((await messageRow(reply.id)).meta).toMatchObject({ manualReply: 'pending', manualReplyReason: 'la plataforma rechazó el envío: fuera de la ventana de 24 horas de la plataforma' });
  });

  it('a platform outage is retryable and leaves the reply queued', async () => {
    const ticket = await inbound(messengerDelivery('PSID-R4', 'Baches', { page: 'PAGE-99' }));
    const reply = await agentReply(ticket, 'Seguimos');
    const payload = (await queuedPayload(reply.id))!;
    fake.failNext(`/${fake.graphVersion}/PAGE-99/messages`, 503);
    const err = await sender.send(payload).catch((e: unknown) => e);
    expect((err as PlatformError).retryable).toBe(true);
    const row = await messageRow(reply.id);
    expect(row.delivery_state).toBe('queued');
    expect(row.meta.manualReply).toBeUndefined();
    await expect(sender.send(payload)).resolves.toEqual({ externalId: expect.any(String) });
  });

  it('the question of waiting_citizen and the answer of resolved go out through the platform like replies', async () => {
    const ticket = await inbound(whatsappDelivery('5214441238888', 'Rosa', { type: 'text', text: { body: 'Banqueta rota frente a la escuela' } }, { phoneNumberId: 'PN-ST' }));
    const { auth } = await t.user('agent');
    const move = (body: Record<string, unknown>) => t.http().post(`/api/v1/tickets/${ticket.folio}/transitions`).set(auth).send(body).expect(200);
    await move({ to: 'in_progress' }); // no public message: nothing for the platform
    await move({ to: 'waiting_citizen', message: '¿Nos comparte el número exterior más cercano?' });
    await move({ to: 'in_progress' });
    await move({ to: 'resolved', message: 'Se reparó la banqueta el día de hoy.', notifyCitizen: false }); // the agent chose not to notify
    await move({ to: 'in_progress' });
    await move({ to: 'resolved', message: 'Quedó reparada la banqueta. Gracias por reportar.' });
    const rows = await t.db.query(
      `SELECT o.channel, o.kind, o.recipient, o.payload->>'text' AS text, m.delivery_state
       FROM outbox o JOIN messages m ON m.id = o.message_id WHERE o.ticket_id = $1 AND o.kind = 'reply' ORDER BY o.id`,
      [ticket.id],
    );
    expect(rows).toEqual([
      { channel: 'whatsapp', kind: 'reply', recipient: '5214441238888', text: '¿Nos comparte el número exterior más cercano?', delivery_state: 'queued' },
      { channel: 'whatsapp', kind: 'reply', recipient: '5214441238888', text: 'Quedó reparada la banqueta. Gracias por reportar.', delivery_state: 'queued' },
    ]);
    await t.app.get(OutboxWorker).runOnce();
    const sent = fake.received(`/${fake.graphVersion}/PN-ST/messages`).map((c) => (c.body as { text: { body: string } }).text.body);
    expect(sent.filter((text) => !text.startsWith('Recibimos su reporte.')).sort()).toEqual(['Quedó reparada la banqueta. Gracias por reportar.', '¿Nos comparte el número exterior más cercano?']);
  });

  it('on networks without a way back (x, tiktok, facebook, youtube) replies and status answers are handed to the press office', async () => {
    const press = await t.user('press');
    const res = await t.http().post('/api/v1/intake/forwarded').set(press.auth).field('network', 'x').field('authorHandle', '@vecina_slp').field('text', 'Llevan tres días sin recoger la basura en la colonia').expect(201);
    const ticket = (await t.db.getRepository(Ticket).findOneBy({ folio: res.body.folio }))!;
    const { auth } = await t.user('agent');
    const reply = await t.http().post(`/api/v1/tickets/${ticket.folio}/replies`).set(auth).send({ body: 'Ya se programó la recolección.' }).expect(201);
    await t.http().post(`/api/v1/tickets/${ticket.folio}/transitions`).set(auth).send({ to: 'in_progress' }).expect(200);
    await t.http().post(`/api/v1/tickets/${ticket.folio}/transitions`).set(auth).send({ to: 'resolved', message: 'Se recogió la basura esta mañana.' }).expect(200);
    const manual = await t.http().get('/api/v1/intake/manual-replies').set(press.auth).expect(200);
    const mine = manual.body.filter((i: { folio: string }) => i.folio === ticket.folio);
    // first the acknowledgement (folio and status link) for the press office to pass on, then the replies
    expect(mine[0].text).toMatch(/^Recibimos su reporte\./);
    expect(mine.slice(1).map((i: { text: string; reason: string }) => [i.text, i.reason])).toEqual([
      ['Ya se programó la recolección.', 'la red no permite responder desde el sistema'],
      ['Se recogió la basura esta mañana.', 'la red no permite responder desde el sistema'],
    ]);
    expect((await messageRow(reply.body.id)).delivery_state).toBeNull();
    expect(await t.db.query(`SELECT count(*)::int AS n FROM outbox WHERE ticket_id = $1`, [ticket.id])).toEqual([{ n: 0 }]);
  });

  it('a reply on a forwarded (non-webhook) ticket is handed to the press office', async () => {
    const press = await t.user('press');
    const res = await t.http().post('/api/v1/intake/forwarded').set(press.auth).field('network', 'instagram').field('text', 'Comentario en una publicación').expect(201);
    const ticket = (await t.db.getRepository(Ticket).findOneBy({ folio: res.body.folio }))!;
    const reply = await agentReply(ticket, 'Gracias por avisar');
    expect((await messageRow(reply.id)).meta.manualReplyReason).toBe('el ciudadano no escribió por la plataforma');
  });
});
