// the app factory first: it loads the modules in the app's order (entities import each other)
import { startTestApp, TestApp } from '../support/test-app';
import { NOT_SENT_RECTIFIED, NOT_SENT_UNDELIVERABLE } from '../../src/notifications/email/email-transport';
import { OutboxService, type RenewedOutboxRow } from '../../src/notifications/outbox.service';
import { OutboxTransports } from '../../src/notifications/outbox-transports';
import { OutboxWorker } from '../../src/notifications/outbox-worker';
import { buildMail, imapEnv, newMailboxUser, TestMailbox, uniqueMessageId, waitFor } from '../support/imap-test';
import { SmtpSink } from '../support/smtp-sink';

jest.setTimeout(90_000);

interface LogRow {
  decision: string;
  reason: string;
  ticket_id: string | null;
  acknowledged: boolean;
}

interface ThreadMessage {
  direction: string;
  channel: string;
  bodyText: string;
  delivery?: { state: string; attempts: number; lastError: string | null } | null;
}

/**
 * When a citizen's address changes under mail already queued to it (SPEC §4 bounces, §7
 * rectification), over real IMAP (Dovecot), SMTP (a sink on loopback) and PostgreSQL. The outbox
 * worker is driven by hand (OUTBOX_WORKER=false, runOnce) so every mail's moment is the test's.
 */
describe('mail to a citizen whose address bounced or was rectified', () => {
  let t: TestApp;
  let box: TestMailbox;
  let sink: SmtpSink;
  let agent: Record<string, string>;
  let worker: OutboxWorker;
  const user = newMailboxUser();

  beforeAll(async () => {
    sink = await SmtpSink.start();
    box = new TestMailbox(user);
    // MAIL_REPLY_TO unset on purpose: answers must reach the mailbox the reader reads (IMAP_USER)
    t = await startTestApp(
      imapEnv(user, {
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(sink.port),
        SMTP_TIMEOUT_MS: '5000',
        MAIL_FROM: 'Atención Ciudadana <notificaciones@sanluis.gob.mx>',
        MAIL_ACK_RATE_LIMIT: '50',
        OUTBOX_WORKER: 'false',
      }),
    );
    agent = (await t.user('agent')).auth;
    worker = t.app.get(OutboxWorker);
  });
  afterAll(async () => {
    await box?.close();
    await t?.close();
    await sink?.close();
  });

  async function send(spec: Parameters<typeof buildMail>[0]): Promise<LogRow> {
    const messageId = uniqueMessageId();
    await box.append(buildMail({ ...spec, messageId }));
    return waitFor(async () => {
      const rows: LogRow[] = await t.db.query(`SELECT decision, reason, ticket_id, acknowledged FROM intake_log WHERE external_id = $1`, [messageId]);
      return rows[0];
    }, `intake of ${messageId}`);
  }

  /** Every due outbox row, sent (or failed) now. */
  async function sendQueued(): Promise<void> {
    while ((await worker.runOnce()) > 0);
  }

  const mailsTo = (address: string) => sink.deliveredTo(address);
  const folioOf = async (ticketId: string) => (await t.db.query(`SELECT folio FROM tickets WHERE id = $1`, [ticketId]))[0].folio as string;
  const tokenOf = async (folio: string) => (await t.db.query(`SELECT public_token FROM tickets WHERE folio = $1`, [folio]))[0].public_token as string;
  const undeliverable = async (address: string) =>
    (await t.db.query(`SELECT undeliverable FROM citizen_identities WHERE kind = 'email' AND value = $1`, [address]))[0]?.undeliverable as boolean | undefined;
  const outboundMails = async (folio: string): Promise<ThreadMessage[]> =>
    (await t.http().get(`/api/v1/tickets/${folio}`).set(agent).expect(200)).body.thread.filter((m: ThreadMessage) => m.direction === 'outbound' && m.channel === 'email');
  const outboxRows = (folio: string): Promise<Array<{ id: string; kind: string; recipient: string; state: string; locked_by: string | null; last_error: string | null }>> =>
    t.db.query(`SELECT o.* FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE t.folio = $1 ORDER BY o.id`, [folio]);
  const statusPage = (folio: string, token: string) => t.http().get(`/seguimiento/${folio}`).query({ token });
  const tokenInMail = (text: string, folio: string) => new RegExp(`/seguimiento/${folio}\\?token=([A-Za-z0-9_-]+)`).exec(text)?.[1];

  /** A report taken by phone, with the email staff typed. */
  async function capture(email: string) {
    const res = await t.http().post('/api/v1/tickets').set(agent)
      .send({ subject: 'Fuga de agua en la calle Zaragoza', description: 'Sale agua de la banqueta desde ayer.', channel: 'phone', citizen: { name: 'Rosa Elena Martínez', email } })
      .expect(201);
    return { folio: res.body.folio as string, citizenId: res.body.citizen.id as string };
  }
  const rectify = (citizenId: string, body: Record<string, unknown>) => t.http().patch(`/api/v1/citizens/${citizenId}`).set(agent).send(body).expect(200);
  const reply = (folio: string, body: string) => t.http().post(`/api/v1/tickets/${folio}/replies`).set(agent).send({ body }).expect(201);

  it('sends citizens’ answers to the mailbox the reader reads: Reply-To is IMAP_USER when MAIL_REPLY_TO is unset', async () => {
    const log = await send({ from: 'Lucía Torres <lucia.torres@correo.example.mx>', subject: 'Semáforo descompuesto', text: 'El semáforo de Carranza y Uresti no funciona.' });
    expect([log.decision, log.acknowledged]).toEqual(['created', true]);
    await sendQueued();
    const [mail] = mailsTo('lucia.torres@correo.example.mx');
    expect(mail.parsed.from?.value[0].address).toBe('notificaciones@sanluis.gob.mx');
    expect(mail.parsed.replyTo?.value[0].address).toBe(user);
  });

  it('does not send mail queued to an address that has since bounced, and clears the mark when the citizen writes from it again', async () => {
    const address = 'buzon.lleno@correo.example.mx';
    const first = await send({ from: `Jorge Salas <${address}>`, subject: 'Bache en Himno Nacional', text: 'Hay un bache profundo frente al número 300.' });
    const folio = await folioOf(first.ticket_id!);
    await sendQueued();
    const [ack] = mailsTo(address);
    expect(ack).toBeDefined();
    // the office answers; before that mail leaves, the acknowledgement bounces (mailbox full)
    await reply(folio, 'Gracias, ¿podría indicarnos entre qué calles está el bache?');
    const b = 'dsn_lleno';
    const bounce = await send({
      from: 'Mail Delivery System <MAILER-DAEMON@mx.correo.example.mx>',
      subject: 'Undelivered Mail Returned to Sender',
      contentType: `multipart/report; report-type=delivery-status; boundary="${b}"`,
      headers: { 'Auto-Submitted': 'auto-replied' },
      body: [
        `--${b}`, 'Content-Type: text/plain', '', 'The mailbox is full.', '',
        `--${b}`, 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.correo.example.mx', '', `Final-Recipient: rfc822; ${address}`, 'Action: failed', 'Status: 5.2.2', '',
        `--${b}`, 'Content-Type: text/rfc822-headers', '', 'From: notificaciones@sanluis.gob.mx', `To: ${address}`, `Message-ID: ${ack.messageId}`, 'Subject: Su reporte', '',
        `--${b}--`, '',
      ].join('\r\n'),
    });
    expect([bounce.decision, bounce.ticket_id]).toEqual(['bounce_recorded', first.ticket_id]);
    expect(await undeliverable(address)).toBe(true);

    await sendQueued();
    expect(mailsTo(address)).toHaveLength(1);
    const replyRow = (await outboxRows(folio)).find((r) => r.kind === 'reply')!;
    expect([replyRow.state, replyRow.last_error]).toEqual(['failed', NOT_SENT_UNDELIVERABLE]);
    const thread = await outboundMails(folio);
    expect(thread.find((m) => m.bodyText.startsWith('Gracias'))?.delivery).toMatchObject({ state: 'failed', lastError: NOT_SENT_UNDELIVERABLE });

    // an out-of-office answer from that address proves nothing
    const auto = await send({ from: address, subject: 'Respuesta automática', inReplyTo: ack.messageId, headers: { 'Auto-Submitted': 'auto-replied' }, text: 'Estoy de vacaciones.' });
    expect(auto.decision).toBe('auto_reply_recorded');
    expect(await undeliverable(address)).toBe(true);

    // the citizen emptied the mailbox and writes again: acknowledged, and mail reaches them again
    const again = await send({ from: `Jorge Salas <${address}>`, subject: 'Otro bache en Himno Nacional', text: 'Ahora hay otro bache frente al número 420.' });
    expect([again.decision, again.acknowledged]).toEqual(['created', true]);
    expect(again.reason).toContain('no longer marked undeliverable');
    expect(await undeliverable(address)).toBe(false);
    await sendQueued();
    expect(mailsTo(address).map((m) => m.parsed.subject)).toEqual([ack.parsed.subject, `[${await folioOf(again.ticket_id!)}] Recibimos su reporte: Otro bache en Himno Nacional`]);
  });

  it('re-addresses mail still queued to a mistyped address to the corrected one; the mistyped one never gets it', async () => {
    const { folio, citizenId } = await capture('rosa.martinez@corre.example.mx');
    expect((await outboxRows(folio)).map((r) => [r.recipient, r.state])).toEqual([['rosa.martinez@corre.example.mx', 'queued']]);
    const token = await tokenOf(folio);
    await rectify(citizenId, { emails: ['rosa.martinez@correo.example.mx'] });
    expect((await outboxRows(folio)).map((r) => [r.recipient, r.state])).toEqual([['rosa.martinez@correo.example.mx', 'queued']]);
    await sendQueued();
    expect(mailsTo('rosa.martinez@corre.example.mx')).toEqual([]);
    const [mail] = mailsTo('rosa.martinez@correo.example.mx');
    expect(mail.parsed.subject).toContain(folio);
    // the mistyped address never received the status link: it stays as it was, and works
    expect(await tokenOf(folio)).toBe(token);
    expect(tokenInMail(mail.parsed.text ?? '', folio)).toBe(token);
    await statusPage(folio, token).expect(200);
  });

  it('gives a new status link when a removed address had received it; mail still queued carries the new one', async () => {
    const { folio, citizenId } = await capture('vecino.ajeno@correo.example.mx');
    await sendQueued();
    const oldToken = await tokenOf(folio);
    expect(tokenInMail(mailsTo('vecino.ajeno@correo.example.mx')[0].parsed.text ?? '', folio)).toBe(oldToken);
    await reply(folio, 'Una cuadrilla revisará la fuga mañana por la mañana.');

    await rectify(citizenId, { emails: ['rosa.elena@correo.example.mx'] });
    const newToken = await tokenOf(folio);
    expect(newToken).not.toBe(oldToken);
    await statusPage(folio, oldToken).expect(404);
    await sendQueued();
    expect(mailsTo('vecino.ajeno@correo.example.mx')).toHaveLength(1);
    const [mail] = mailsTo('rosa.elena@correo.example.mx');
    expect(mail.parsed.text).toContain('Una cuadrilla revisará la fuga');
    expect(tokenInMail(mail.parsed.text ?? '', folio)).toBe(newToken);
    expect(String(mail.parsed.html)).toContain(`?token=${newToken}`);
    await statusPage(folio, newToken).expect(200);
    const events = await t.db.query(`SELECT e.type, e.reason FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.folio = $1 AND e.type = 'status_link_renewed'`, [folio]);
    expect(events).toEqual([{ type: 'status_link_renewed', reason: 'email address rectified' }]);
  });

  it('does not send queued mail when no email is left, and staff see why on the thread', async () => {
    const { folio, citizenId } = await capture('sin.correo.despues@correo.example.mx');
    await rectify(citizenId, { emails: [], phones: ['444 812 3456'] });
    expect((await outboxRows(folio)).map((r) => [r.state, r.last_error])).toEqual([['failed', NOT_SENT_RECTIFIED]]);
    const [ack] = await outboundMails(folio);
    expect(ack.delivery).toMatchObject({ state: 'failed', lastError: NOT_SENT_RECTIFIED });
    await sendQueued();
    expect(mailsTo('sin.correo.despues@correo.example.mx')).toEqual([]);
  });

  it('leaves a mail a worker holds alone, and refuses it at its send when that had not started', async () => {
    await sendQueued();
    const { folio, citizenId } = await capture('retenida@correo.example.mx');
    const outbox = t.app.get(OutboxService);
    const claimed = await outbox.claim(['email'], 50, 'prueba.retenida', 300);
    const row: RenewedOutboxRow = claimed.find((r) => r.recipient === 'retenida@correo.example.mx')!;
    expect(claimed).toHaveLength(1);

    await rectify(citizenId, { emails: ['liberada@correo.example.mx'] });
    expect((await outboxRows(folio)).map((r) => [r.recipient, r.state, r.locked_by])).toEqual([['retenida@correo.example.mx', 'queued', 'prueba.retenida']]);

    // the worker's turn comes: the address is no longer the citizen's
    expect(await outbox.renewClaim(row, 'prueba.retenida', 300)).toBe(true);
    expect(row.citizenRecipient).toBe('not_theirs');
    const err = await t.app.get(OutboxTransports).get('email')!.send(row).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'OutboxPermanentError', message: NOT_SENT_RECTIFIED });
    expect(mailsTo('retenida@correo.example.mx')).toEqual([]);
    await outbox.markFailed(row, 'prueba.retenida', (err as Error).message);
    expect((await outboundMails(folio))[0].delivery).toMatchObject({ state: 'failed', lastError: NOT_SENT_RECTIFIED });
  });

  it('takes the undeliverable mark off an address staff confirm (the same value again)', async () => {
    const { folio, citizenId } = await capture('confirmada@correo.example.mx');
    await sendQueued();
    await t.db.query(`UPDATE citizen_identities SET undeliverable = true WHERE kind = 'email' AND value = 'confirmada@correo.example.mx'`);
    await rectify(citizenId, { emails: ['Confirmada@Correo.example.mx'] });
    expect(await undeliverable('confirmada@correo.example.mx')).toBe(false);
    await reply(folio, 'Le confirmamos que la fuga ya fue reparada.');
    await sendQueued();
    expect(mailsTo('confirmada@correo.example.mx')).toHaveLength(2);
  });
});
