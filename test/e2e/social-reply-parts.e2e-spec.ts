// test-app first: it loads the entities in the order their circular references need
import { TestApp } from '../support/test-app';
import { agentReply as replyAsAgent, inbound as deliver, startSocialReplyApp } from '../support/social-reply-harness';
import { SocialReplySender } from '../../src/intake/social-replies/social-reply.sender';
import type { SocialReplyPayload } from '../../src/intake/social-replies/social-reply-payload';
import { PlatformError } from '../../src/intake/social/platform-errors';
import { OutboxWorker } from '../../src/notifications/outbox-worker';
import { Message } from '../../src/tickets/message.entity';
import { Ticket } from '../../src/tickets/ticket.entity';
import { FakePlatforms, TEXT_LIMITS } from '../support/fake-platforms';
import { messengerDelivery, telegramUpdate, whatsappDelivery } from '../support/social-payloads';

/**
 * Replies longer than a platform takes in one message (WhatsApp and Telegram 4096 characters,
 * Messenger 2000, Instagram 1000 bytes; an agent may write 20,000): sent as several messages in
 * order, each recorded as it goes so a retry sends only what is missing. The fake platforms refuse
 * an over-long text as the real ones do.
 */
describe('social replies longer than the platform limit', () => {
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
  const queuedPayload = async (messageId: string): Promise<SocialReplyPayload> => (await t.db.query(`SELECT payload FROM outbox WHERE message_id = $1`, [messageId]))[0]?.payload;
  const messageRow = async (id: string) => (await t.db.query(`SELECT delivery_state, delivery_error, meta FROM messages WHERE id = $1`, [id]))[0];
  /** whitespace at the cuts is the only thing a split may drop */
  const squash = (s: string) => s.replace(/\s+/g, '');

  /** A reply of `paragraphs` paragraphs of about 600 characters, numbered. */
  const longReply = (paragraphs: number, word = 'revisión') =>
    Array.from(
      { length: paragraphs },
      (_, i) => `${i + 1}. La cuadrilla hizo la ${word} del tramo ${i + 1}. ${'Se retiró el material dañado, se niveló la base y se colocó asfalto nuevo en toda la superficie afectada. '.repeat(5).trim()}`,
    ).join('\n\n');

  it('end to end: a 5,000-character reply on Messenger goes out as 2,000-character messages, in order, and is sent', async () => {
    const ticket = await inbound(messengerDelivery('PSID-LONG1', 'Bache enorme en Av. Himno Nacional', { page: 'PAGE-LONG' }));
    const body = longReply(9);
    expect(body.length).toBeGreaterThan(5000);
    const { auth } = await t.user('agent');
    const res = await t.http().post(`/api/v1/tickets/${ticket.folio}/replies`).set(auth).send({ body }).expect(201);
    await t.app.get(OutboxWorker).runOnce();

    const texts = fake
      .received(`/${fake.graphVersion}/PAGE-LONG/messages`)
      .map((c) => (c.body as { message: { text: string } }).message.text)
      .filter((text) => !text.startsWith('Recibimos su reporte.'));
    expect(texts.length).toBeGreaterThanOrEqual(3);
    expect(texts.filter((text) => text.trim() === '')).toEqual([]); // no empty part (the platforms refuse one)
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(TEXT_LIMITS.messenger);
    // cut at paragraph breaks, in order, nothing lost
    expect(texts.every((text) => /^\d+\. La cuadrilla/.test(text))).toBe(true);
    expect(texts.join('\n\n')).toBe(body);

    const row = await messageRow(res.body.id);
    expect(row.delivery_state).toBe('sent');
    expect(row.meta.platformMessageId).toMatch(/^m_OUT/);
    expect(row.meta.platformParts).toEqual({ total: texts.length, sent: expect.arrayContaining([expect.stringMatching(/^m_OUT/)]) });
    expect(row.meta.manualReply).toBeUndefined();
    const [outbox] = await t.db.query(`SELECT state FROM outbox WHERE message_id = $1`, [res.body.id]);
    expect(outbox.state).toBe('sent');
  });

  it('WhatsApp, Telegram and Instagram: each part within that platform limit (Instagram counts bytes)', async () => {
    const cases = [
      { ticket: await inbound(whatsappDelivery('5214441250001', 'Inés', { type: 'text', text: { body: 'Fuga en la esquina' } }, { phoneNumberId: 'PN-LONG' })), prefix: `/${fake.graphVersion}/PN-LONG/messages`, size: 16, read: (b: unknown) => (b as { text: { body: string } }).text.body, max: (s: string) => s.length <= TEXT_LIMITS.whatsapp },
      { ticket: await inbound(telegramUpdate(880501, { text: 'Poste caído' }), 'telegram'), prefix: `/bot${fake.botToken}/sendMessage`, size: 16, read: (b: unknown) => (b as { text: string }).text, max: (s: string) => s.length <= TEXT_LIMITS.telegram },
      { ticket: await inbound(messengerDelivery('IGSID-LONG', 'Basura', { object: 'instagram', page: 'IG-LONG' })), prefix: `/${fake.graphVersion}/me/messages`, size: 3, read: (b: unknown) => (b as { message: { text: string } }).message.text, max: (s: string) => Buffer.byteLength(s, 'utf8') <= TEXT_LIMITS.instagramBytes },
    ];
    for (const c of cases) {
      const body = longReply(c.size, 'reparación');
      const reply = await agentReply(c.ticket, body);
      const before = fake.received(c.prefix).length;
      await expect(sender.send(await queuedPayload(reply.id))).resolves.toEqual({ externalId: expect.any(String) });
      const texts = fake.received(c.prefix).slice(before).map((r) => c.read(r.body));
      expect(texts.length).toBeGreaterThan(1);
      expect(texts.filter((text) => text.trim() === '')).toEqual([]); // no empty part (the platforms refuse one)
      expect(texts.every(c.max)).toBe(true);
      expect(squash(texts.join(''))).toBe(squash(body));
      expect((await messageRow(reply.id)).delivery_state).toBe('sent');
    }
  });

  it('a part that fails is retried alone: the parts already sent are not sent again', async () => {
    const ticket = await inbound(telegramUpdate(880502, { text: 'Semáforo apagado' }), 'telegram');
    const body = longReply(20);
    const reply = await agentReply(ticket, body);
    const payload = await queuedPayload(reply.id);
    const toChat = () => fake.received(`/bot${fake.botToken}/sendMessage`).filter((c) => String((c.body as { chat_id: string }).chat_id) === '880502');
    const before = toChat().length;
    // the first part goes through, the second meets an outage
    fake.failNext(`/bot${fake.botToken}/sendMessage`, 502, { ok: false, error_code: 502, description: 'Bad Gateway' }, 1, 1);
    const err = await sender.send(payload).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect((err as PlatformError).retryable).toBe(true);
    const midway = await messageRow(reply.id);
    expect(midway.delivery_state).toBe('queued');
    expect(midway.meta.platformParts.sent).toHaveLength(1);
    expect(midway.delivery_error).toMatch(/^Telegram rechazó el envío \(HTTP 502\) \(parte 2 de \d+; 1 ya enviada\)$/);

    await expect(sender.send(payload)).resolves.toEqual({ externalId: expect.stringMatching(/^880502:/) });
    const attempts = toChat().slice(before).map((c) => (c.body as { text: string }).text);
    const total = midway.meta.platformParts.total as number;
    expect(total).toBeGreaterThanOrEqual(3);
    // part 1 once, part 2 twice (refused, then sent), the rest once
    expect(attempts).toHaveLength(total + 1);
    expect(attempts[1]).toBe(attempts[2]);
    const delivered = [attempts[0], ...attempts.slice(2)];
    expect(new Set(delivered).size).toBe(total);
    expect(delivered.join('\n\n')).toBe(body);
    const done = await messageRow(reply.id);
    expect(done.delivery_state).toBe('sent');
    expect(done.meta.platformParts.sent).toHaveLength(total);
    // a further retry of the outbox row sends nothing
    await sender.send(payload);
    expect(toChat().length - before).toBe(total + 1);
  });

  it('a window that closes between parts hands the reply to the press office, saying how many parts went out', async () => {
    const ticket = await inbound(messengerDelivery('PSID-LONG2', 'Ruido toda la noche', { page: 'PAGE-LONG2' }));
    const reply = await agentReply(ticket, longReply(9));
    const payload = await queuedPayload(reply.id);
    fake.failNext(
      `/${fake.graphVersion}/PAGE-LONG2/messages`,
      400,
      { error: { message: '(#10) This message is sent outside of allowed window.', type: 'OAuthException', code: 10, error_subcode: 2018278, fbtrace_id: 'x' } },
      1,
      1,
    );
    const err = await sender.send(payload).catch((e: unknown) => e);
    expect((err as PlatformError).retryable).toBe(false);
    // what the outbox writes into delivery_error: Spanish, with Graph's codes and status
    expect((err as PlatformError).message).toMatch(/^la plataforma rechazó el envío \(código 10\/2018278, HTTP 400\): fuera de la ventana de 24 horas de la plataforma \(parte 2 de \d+; 1 ya enviada\)$/);
    const row = await messageRow(reply.id);
    expect(row.meta.manualReply).toBe('pending');
    expect(row.meta.manualReplyReason).toMatch(/^la plataforma rechazó el envío: fuera de la ventana de 24 horas de la plataforma \(parte 2 de \d+; 1 ya enviada\)$/);
    const press = await t.user('press');
    const list = await t.http().get('/api/v1/intake/manual-replies').set(press.auth).expect(200);
    expect(list.body.find((i: { id: string }) => i.id === reply.id)).toEqual(expect.objectContaining({ folio: ticket.folio, reason: row.meta.manualReplyReason }));
  });
});
