import { randomBytes } from 'node:crypto';
import { DuplicateCheckWorker } from '../../src/routing/duplicate-check.worker';
import { startTestApp, TestApp } from '../support/test-app';
import { buildMail, imapEnv, type MailSpec, newMailboxUser, TestMailbox, uniqueMessageId, waitFor } from '../support/imap-test';
import { deliverMail, dsnMail, type IntakeLogRow, ourEmailOn, sendMail } from '../support/mailbox-intake';

type LogRow = IntakeLogRow;

jest.setTimeout(60_000);

describe('email intake over IMAP (real Dovecot, real PostgreSQL)', () => {
  let t: TestApp;
  let box: TestMailbox;
  let admin: Record<string, string>;
  const user = newMailboxUser();

  beforeAll(async () => {
    box = new TestMailbox(user);
    t = await startTestApp(imapEnv(user, { MAIL_FROM: 'notificaciones@sanluis.gob.mx', ATTACHMENT_MAX_BYTES: '20000', MAIL_ACK_RATE_LIMIT: '3', IMAP_MAX_MESSAGE_BYTES: '1048576' }));
    admin = (await t.user('admin')).auth;
  });
  afterAll(async () => {
    await box?.close();
    await t?.close();
  });

  const deliver = (raw: string | Buffer, externalId: string) => deliverMail(t, box, raw, externalId);
  const send = (spec: MailSpec = {}) => sendMail(t, box, spec);

  async function ticket(id: string | null) {
    const [row] = await t.db.query(`SELECT * FROM tickets WHERE id = $1`, [id]);
    return row;
  }

  /** An attachment's bytes as staff download them (expects 200). */
  async function download(path: string, auth: Record<string, string>): Promise<{ bytes: Buffer; headers: Record<string, string> }> {
    const res = await t.http().get(path).set(auth).buffer(true).parse((resp, cb) => {
      const chunks: Buffer[] = [];
      resp.on('data', (c: Buffer) => chunks.push(c));
      resp.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200);
    return { bytes: res.body as Buffer, headers: res.headers };
  }

  const ourMessage = (ticketId: string) => ourEmailOn(t, ticketId);

  const inboxEmpty = () => waitFor(async () => (await box.count('INBOX')) === 0, 'an empty inbox');

  it('makes a ticket of a new mail, commits first, then flags it \\Seen and moves it to the processed folder', async () => {
    const before = await box.count('Procesados');
    const { log } = await send({ from: 'María Pérez <Maria.Perez@Correo.example.mx>', subject: 'Luminaria apagada en Tequisquiapan', text: 'La luminaria de la calle Independencia está apagada desde hace una semana.' });
    expect(log.decision).toBe('created');
    expect(log.acknowledged).toBe(true);
    const tk = await ticket(log.ticket_id);
    expect(tk.channel).toBe('email');
    expect(tk.subject).toBe('Luminaria apagada en Tequisquiapan');
    const [identity] = await t.db.query(`SELECT i.value FROM citizen_identities i WHERE i.citizen_id = $1`, [tk.citizen_id]);
    expect(identity.value).toBe('maria.perez@correo.example.mx');
    await inboxEmpty();
    expect(await box.count('Procesados')).toBe(before + 1);
    const flags = await box.flags('Procesados');
    expect(flags.every((f) => f.includes('\\Seen'))).toBe(true);
    const res = await t.http().get(`/api/v1/tickets/${tk.folio}`).set(admin).expect(200);
    expect(res.body.thread[0].bodyText).toContain('Independencia');
  });

  it('searches likely duplicates of mailed reports after the intake commits, through the duplicate_checks queue', async () => {
    const text = 'Hay una fuga de agua potable frente al número 245 de la calle Morelos desde ayer en la tarde.';
    const first = await send({ from: 'Ana Ruiz <ana.fuga@correo.example.mx>', subject: 'Fuga de agua en la calle Morelos', text });
    const second = await send({ from: 'Luis Mata <luis.fuga@correo.example.mx>', subject: 'Fuga de agua en calle Morelos', text });
    expect([first.log.decision, second.log.decision]).toEqual(['created', 'created']);
    const [a, b] = [await ticket(first.log.ticket_id), await ticket(second.log.ticket_id)];
    expect(b.category_id).not.toBeNull(); // keyword routing applied before the insert
    expect(b.category_id).toBe(a.category_id);
    await t.app.get(DuplicateCheckWorker).drain();
    const events: Array<{ data: { candidates: Array<{ folio: string }> } }> = await t.db.query(
      `SELECT data FROM ticket_events WHERE ticket_id = $1 AND type = 'duplicates_suggested'`,
      [b.id],
    );
    expect(events).toHaveLength(1);
    expect(events[0].data.candidates.map((c) => c.folio)).toContain(a.folio);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM duplicate_checks`);
    expect(n).toBe(0);
  });

  it('keeps the acknowledgement template out of the thread search, but not the citizen\'s words', async () => {
    const { log } = await send({ from: 'Rosa Gil <rosa.gil@correo.example.mx>', subject: 'Banqueta rota', text: 'La banqueta frente al mercado Hidalgo está rota y con varillas expuestas.' });
    const tk = await ticket(log.ticket_id);
    await waitFor(async () => (await t.db.query(`SELECT 1 FROM messages WHERE ticket_id = $1 AND direction = 'outbound'`, [tk.id])).length > 0, 'the acknowledgement');
    const [hit] = await t.db.query(`SELECT messages_search @@ to_tsquery('spanish', 'varillas') AS citizen, messages_search @@ to_tsquery('spanish', f_unaccent('consérvelo')) AS template FROM tickets WHERE id = $1`, [tk.id]);
    expect(hit).toEqual({ citizen: true, template: false });
  });

  it('never doubles a mail delivered twice with the same Message-ID', async () => {
    const messageId = uniqueMessageId();
    const raw = buildMail({ messageId, subject: 'Fuga de agua', text: 'Fuga en la calle Zaragoza' });
    const first = await deliver(raw, messageId);
    await box.append(raw);
    await waitFor(async () => {
      const rows = await t.db.query(`SELECT decision FROM intake_log WHERE external_id = $1`, [messageId]);
      return rows.length === 2;
    }, 'the second delivery');
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM messages WHERE external_id = $1`, [messageId]);
    expect(n).toBe(1);
    const decisions = (await t.db.query(`SELECT decision FROM intake_log WHERE external_id = $1 ORDER BY id`, [messageId])).map((r: { decision: string }) => r.decision);
    expect(decisions).toEqual(['created', 'duplicate']);
    expect(first.ticket_id).not.toBeNull();
    await inboxEmpty();
  });

  it('uses a stable hash of the raw message as its id when it has no Message-ID', async () => {
    const raw = buildMail({ messageId: null, subject: 'Sin identificador', text: 'Basura sin recoger en la colonia Centro' });
    await box.append(raw);
    await box.append(raw);
    const rows = await waitFor(async () => {
      const r: Array<{ decision: string; external_id: string }> = await t.db.query(`SELECT decision, external_id FROM intake_log WHERE subject = 'Sin identificador' ORDER BY id`);
      return r.length === 2 ? r : null;
    }, 'two deliveries');
    expect(rows[0].external_id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(rows[1].external_id).toBe(rows[0].external_id);
    expect(rows.map((r) => r.decision)).toEqual(['created', 'duplicate']);
  });

  it('threads a reply to one of our emails (In-Reply-To) and resumes a resolved ticket', async () => {
    const { log } = await send({ from: 'jose@correo.example.mx', subject: 'Bache', text: 'Bache en Himno Nacional' });
    await t.db.query(`UPDATE tickets SET status = 'resolved', resolved_at = now() WHERE id = $1`, [log.ticket_id]);
    const ours = await ourMessage(log.ticket_id!);
    const reply = await send({ from: 'jose@correo.example.mx', subject: 'Re: Su reporte', inReplyTo: ours, references: ours, text: 'Sigue igual, no lo han tapado.\r\n\r\nEl jue, 20 nov 2025 a las 10:15, Enlace Ciudadano <notificaciones@sanluis.gob.mx> escribió:\r\n> Su reporte fue atendido' });
    expect(reply.log.decision).toBe('appended');
    expect(reply.log.ticket_id).toBe(log.ticket_id);
    expect((await ticket(log.ticket_id)).status).toBe('in_progress');
    const [m] = await t.db.query(`SELECT body_new FROM messages WHERE id = $1`, [reply.log.message_id]);
    expect(m.body_new).toBe('Sigue igual, no lo han tapado.');
  });

  it('threads by the folio in the subject only when the sender is that ticket\'s citizen', async () => {
    const { log } = await send({ from: 'lucia@correo.example.mx', subject: 'Perro abandonado', text: 'Hay un perro abandonado' });
    const folio = (await ticket(log.ticket_id)).folio;
    const same = await send({ from: 'Lucía <LUCIA@correo.example.mx>', subject: `Seguimiento [${folio}]`, text: 'Sigue ahí el perro' });
    expect(same.log.decision).toBe('appended');
    expect(same.log.ticket_id).toBe(log.ticket_id);
    const stranger = await send({ from: 'otro@correo.example.mx', subject: `Sobre [${folio}]`, text: 'Yo también lo vi' });
    expect(stranger.log.decision).toBe('created');
    expect(stranger.log.ticket_id).not.toBe(log.ticket_id);
  });

  it('threads a citizen\'s answer to their own earlier mail ("se me olvidó la foto") onto that report, only for its citizen', async () => {
    const first = await send({ from: 'ramiro@correo.example.mx', subject: 'Coladera sin tapa', text: 'En la esquina de Arista y Zaragoza falta la tapa de la coladera.' });
    expect(first.log.decision).toBe('created');
    const again = await send({ from: 'Ramiro <Ramiro@correo.example.mx>', subject: 'Re: Coladera sin tapa', inReplyTo: first.messageId, references: first.messageId, text: 'Se me olvidó: es frente a la tienda.' });
    expect([again.log.decision, again.log.ticket_id]).toEqual(['appended', first.log.ticket_id]);
    expect(again.log.reason).toContain("sender's own earlier mail");
    // a neighbour answering that mail (copied on it) is not its citizen: a report of their own
    const neighbour = await send({ from: 'vecina.arista@correo.example.mx', subject: 'Re: Coladera sin tapa', inReplyTo: first.messageId, references: first.messageId, text: 'A mí también me preocupa.' });
    expect(neighbour.log.decision).toBe('created');
    expect(neighbour.log.ticket_id).not.toBe(first.log.ticket_id);
  });

  it('reopens a closed ticket within the window and opens a linked one after it', async () => {
    const a = await send({ from: 'ana@correo.example.mx', text: 'Ruido por las noches' });
    const b = await send({ from: 'ana@correo.example.mx', text: 'Fuga de agua' });
    await t.db.query(`UPDATE tickets SET status = 'closed', closed_at = now() - interval '3 days' WHERE id = $1`, [a.log.ticket_id]);
    await t.db.query(`UPDATE tickets SET status = 'closed', closed_at = now() - interval '90 days' WHERE id = $1`, [b.log.ticket_id]);
    const ra = await send({ from: 'ana@correo.example.mx', inReplyTo: await ourMessage(a.log.ticket_id!), subject: 'Re: cerrado', text: 'Volvió el ruido' });
    expect(ra.log.decision).toBe('appended');
    expect((await ticket(a.log.ticket_id)).status).toBe('in_progress');
    const rb = await send({ from: 'ana@correo.example.mx', inReplyTo: await ourMessage(b.log.ticket_id!), subject: 'Re: cerrado hace mucho', text: 'Otra vez la fuga' });
    expect(rb.log.decision).toBe('created_linked');
    expect((await ticket(rb.log.ticket_id)).linked_ticket_id).toBe(b.log.ticket_id);
    expect((await ticket(b.log.ticket_id)).status).toBe('closed');
  });

  it('an answer to our mail from someone other than the ticket\'s citizen goes on the thread but does not move the ticket', async () => {
    const { log } = await send({ from: 'ciudadano.reenvia@correo.example.mx', text: 'Árbol caído sobre la banqueta' });
    await t.db.query(`UPDATE tickets SET status = 'resolved', resolved_at = now() WHERE id = $1`, [log.ticket_id]);
    const ours = await ourMessage(log.ticket_id!);
    const other = await send({ from: 'vecino.en.copia@correo.example.mx', inReplyTo: ours, subject: 'Re: Su reporte', text: 'Gracias por atenderlo' });
    expect([other.log.decision, other.log.ticket_id]).toEqual(['appended', log.ticket_id]);
    expect(other.log.reason).toContain('from someone other than its citizen');
    const tk = await ticket(log.ticket_id);
    expect(tk.status).toBe('resolved');
    // staff see the neighbour's words; the citizen's status page does not show them
    const staffView = await t.http().get(`/api/v1/tickets/${tk.folio}`).set(admin).expect(200);
    expect(staffView.body.thread.map((m: { bodyText: string }) => m.bodyText)).toContain('Gracias por atenderlo');
    const page = await t.http().get(`/api/v1/public/tickets/${tk.folio}?token=${tk.public_token}`).expect(200);
    expect(JSON.stringify(page.body)).toContain('Árbol caído');
    expect(JSON.stringify(page.body)).not.toContain('Gracias por atenderlo');
    // the citizen's own answer still reopens it
    await send({ from: 'ciudadano.reenvia@correo.example.mx', inReplyTo: ours, subject: 'Re: Su reporte', text: 'No, el árbol sigue ahí' });
    expect((await ticket(log.ticket_id)).status).toBe('in_progress');
  });

  it('keeps the whole text of a forwarded mail as the report (it is not quoted history)', async () => {
    const text = ['Les reenvío lo que me mandó mi vecina:', '', '---------- Mensaje reenviado ----------', 'De: Vecina <vecina@correo.example.mx>', 'Asunto: fuga', '', 'Hay una fuga de agua enorme en la calle Arista desde ayer.'].join('\r\n');
    const { log } = await send({ from: 'reenvia@correo.example.mx', subject: 'RV: fuga', text });
    const tk = await ticket(log.ticket_id);
    expect(tk.description).toContain('Hay una fuga de agua enorme en la calle Arista desde ayer.');
    // a reply still loses its quoted history
    const { log: plain } = await send({ from: 'responde@correo.example.mx', subject: 'Bache', text: ['Bache en Reforma.', '', 'El lun, 3 nov 2025 a las 10:00, Alguien <a@b.mx> escribió:', '> texto viejo'].join('\r\n') });
    expect((await ticket(plain.ticket_id)).description).toBe('Bache en Reforma.');
  });

  it('dates a report read late (an outage) from when the mailbox received it: creation, first event and due dates', async () => {
    const messageId = uniqueMessageId();
    const arrived = new Date(Date.now() - 5 * 3600 * 1000);
    await box.append(buildMail({ messageId, from: 'tardia@correo.example.mx', subject: 'Luminaria', text: 'Luminaria apagada en Carranza' }), 'INBOX', arrived);
    const log = await waitFor(async () => (await t.db.query(`SELECT * FROM intake_log WHERE external_id = $1`, [messageId]))[0] as LogRow | undefined, 'the late report');
    const tk = await ticket(log.ticket_id);
    expect(Math.abs(new Date(tk.created_at).getTime() - arrived.getTime())).toBeLessThan(1000);
    const [created] = await t.db.query(`SELECT created_at FROM ticket_events WHERE ticket_id = $1 AND type = 'created'`, [tk.id]);
    expect(Math.abs(new Date(created.created_at).getTime() - arrived.getTime())).toBeLessThan(1000);
    expect(new Date(tk.first_response_due_at).getTime() - new Date(tk.created_at).getTime()).toBeGreaterThan(0);
    // a mail dragged into the inbox with a date of months ago is a report of today
    const oldId = uniqueMessageId();
    await box.append(buildMail({ messageId: oldId, from: 'archivo@correo.example.mx', subject: 'Bache', text: 'Bache viejo' }), 'INBOX', new Date('2025-01-15T12:00:00Z'));
    const oldLog = await waitFor(async () => (await t.db.query(`SELECT * FROM intake_log WHERE external_id = $1`, [oldId]))[0] as LogRow | undefined, 'the old mail');
    expect(Date.now() - new Date((await ticket(oldLog.ticket_id)).created_at).getTime()).toBeLessThan(60_000);
  });

  it('measures the reopen window from when the mailbox received the reply, not from when it was read (an outage in between)', async () => {
    const a = await send({ from: 'olga@correo.example.mx', text: 'Bache en la esquina' });
    // closed 31 days ago; the reply reached the mailbox 2 days ago (day 29) and is read only now
    await t.db.query(`UPDATE tickets SET status = 'closed', closed_at = now() - interval '31 days' WHERE id = $1`, [a.log.ticket_id]);
    const messageId = uniqueMessageId();
    await box.append(buildMail({ from: 'olga@correo.example.mx', inReplyTo: await ourMessage(a.log.ticket_id!), subject: 'Re: cerrado', text: 'Sigue el bache', messageId }), 'INBOX', new Date(Date.now() - 2 * 86_400_000));
    const log = await waitFor(async () => (await t.db.query(`SELECT * FROM intake_log WHERE external_id = $1`, [messageId]))[0], 'the late reply');
    expect([log.decision, log.ticket_id]).toEqual(['appended', a.log.ticket_id]);
    expect((await ticket(a.log.ticket_id)).status).toBe('in_progress');
  });

  it('records an auto-reply to our mail on its ticket without a status change, and logs an unmatched one without a ticket', async () => {
    const { log } = await send({ from: 'pedro@correo.example.mx', text: 'Semáforo descompuesto' });
    await t.db.query(`UPDATE tickets SET status = 'waiting_citizen' WHERE id = $1`, [log.ticket_id]);
    const ours = await ourMessage(log.ticket_id!);
    const auto = await send({ from: 'pedro@correo.example.mx', subject: 'Respuesta automática: Su reporte', inReplyTo: ours, headers: { 'Auto-Submitted': 'auto-replied' }, text: 'Estoy de vacaciones' });
    expect(auto.log.decision).toBe('auto_reply_recorded');
    expect(auto.log.ticket_id).toBe(log.ticket_id);
    expect((await ticket(log.ticket_id)).status).toBe('waiting_citizen');
    const [m] = await t.db.query(`SELECT public, meta FROM messages WHERE id = $1`, [auto.log.message_id]);
    expect(m.public).toBe(false);
    expect(m.meta.automated).toBe(true);
    // an internal entry: not in the thread search
    const [hit] = await t.db.query(`SELECT messages_search @@ to_tsquery('spanish', 'vacaciones') AS auto, messages_search @@ to_tsquery('spanish', 'semaforo') AS citizen FROM tickets WHERE id = $1`, [log.ticket_id]);
    expect(hit).toEqual({ auto: false, citizen: true });

    const before = await t.db.query(`SELECT count(*)::int AS n FROM tickets`);
    const markers: Array<Record<string, string>> = [{ 'X-Autoreply': 'yes' }, { Precedence: 'auto_reply' }, { 'Auto-Submitted': 'auto-generated' }];
    for (const headers of markers) {
      const r = await send({ from: 'robot@correo.example.mx', subject: 'Aviso', headers, text: 'Mensaje automático' });
      expect(r.log.decision).toBe('automatic_unmatched');
      expect(r.log.ticket_id).toBeNull();
    }
    expect(await t.db.query(`SELECT count(*)::int AS n FROM tickets`)).toEqual(before);
  });

  it('records a bounce of our mail on its ticket and marks the address undeliverable; an unmatched bounce makes no ticket', async () => {
    const { log } = await send({ from: 'rebota@correo.example.mx', text: 'Alcantarilla sin tapa' });
    const ours = await ourMessage(log.ticket_id!);
    const dsn = (origId: string, action = 'failed', status = '5.1.1') => dsnMail(origId, [{ address: 'rebota@correo.example.mx', action, status }]);
    // a report that our mail is only delayed is recorded, and marks nothing
    const delayedDsn = dsn(ours, 'delayed', '4.4.7');
    const delayed = await deliver(delayedDsn.raw, delayedDsn.messageId);
    expect([delayed.decision, delayed.ticket_id]).toEqual(['bounce_recorded', log.ticket_id]);
    expect((await t.db.query(`SELECT undeliverable FROM citizen_identities WHERE value = 'rebota@correo.example.mx'`))[0].undeliverable).toBe(false);

    const bouncedDsn = dsn(ours);
    const bounced = await deliver(bouncedDsn.raw, bouncedDsn.messageId);
    expect(bounced.decision).toBe('bounce_recorded');
    expect(bounced.ticket_id).toBe(log.ticket_id);
    const [identity] = await t.db.query(`SELECT undeliverable FROM citizen_identities WHERE value = 'rebota@correo.example.mx'`);
    expect(identity.undeliverable).toBe(true);
    const events = await t.db.query(`SELECT type FROM ticket_events WHERE ticket_id = $1`, [log.ticket_id]);
    expect(events.map((e: { type: string }) => e.type)).toContain('email_bounced');

    const before = await t.db.query(`SELECT count(*)::int AS n FROM tickets`);
    const unmatchedDsn = dsn('<desconocido@otro.example>');
    const unmatched = await deliver(unmatchedDsn.raw, unmatchedDsn.messageId);
    expect(unmatched.decision).toBe('bounce_unmatched');
    expect(await t.db.query(`SELECT count(*)::int AS n FROM tickets`)).toEqual(before);
  });

  it('ignores mail from our own address (no ticket, no loop)', async () => {
    const r = await send({ from: `Atención <${user}>`, text: 'copia' });
    expect(r.log.decision).toBe('ignored_own');
    const r2 = await send({ from: 'notificaciones@sanluis.gob.mx', text: 'copia' });
    expect(r2.log.decision).toBe('ignored_own');
    expect(r2.log.ticket_id).toBeNull();
  });

  it('makes no ticket of list/bulk mail (kept in the intake log), and records it on a thread it answers without a status change', async () => {
    const before = await t.db.query(`SELECT count(*)::int AS n FROM tickets`);
    const lists: Array<Record<string, string>> = [{ 'List-Id': '<vecinos.lista.example.mx>', Precedence: 'list' }, { Precedence: 'bulk' }, { Precedence: 'junk' }, { 'List-Unsubscribe': '<mailto:baja@boletin.example.mx>' }];
    for (const headers of lists) {
      const r = await send({ from: 'boletin@lista.example.mx', headers, text: 'Boletín semanal: ofertas y avisos' });
      expect([r.log.decision, r.log.ticket_id, r.log.acknowledged]).toEqual(['automatic_unmatched', null, false]);
    }
    expect(await t.db.query(`SELECT count(*)::int AS n FROM tickets`)).toEqual(before);
    expect(await t.db.query(`SELECT count(*)::int AS n FROM outbox WHERE recipient = 'boletin@lista.example.mx'`)).toEqual([{ n: 0 }]);

    // a list relays a reply to one of our notifications on a resolved ticket: recorded, status kept
    const { log } = await send({ from: 'vecina@correo.example.mx', text: 'Bache en la esquina de la escuela' });
    await t.db.query(`UPDATE tickets SET status = 'resolved', resolved_at = now() WHERE id = $1`, [log.ticket_id]);
    const ours = await ourMessage(log.ticket_id!);
    const relayed = await send({ from: 'vecinos@lista.example.mx', inReplyTo: ours, subject: 'Re: Su reporte', headers: { 'List-Id': '<vecinos.lista.example.mx>' }, text: 'Mensaje reenviado por la lista' });
    expect([relayed.log.decision, relayed.log.ticket_id]).toEqual(['auto_reply_recorded', log.ticket_id]);
    expect((await ticket(log.ticket_id)).status).toBe('resolved');
    const [m] = await t.db.query(`SELECT public, meta FROM messages WHERE id = $1`, [relayed.log.message_id]);
    expect([m.public, m.meta.automated, m.meta.kind]).toEqual([false, true, 'bulk']);
  });

  it('a citizen writing again from an address that bounced clears its mark and is acknowledged; the log says so', async () => {
    const first = await send({ from: 'sin.buzon@correo.example.mx', subject: 'Primer reporte', text: 'Bache en la avenida Carranza.' });
    expect([first.log.reason, first.log.acknowledged]).toEqual(['new report', true]);
    await t.db.query(`UPDATE citizen_identities SET undeliverable = true WHERE kind = 'email' AND value = 'sin.buzon@correo.example.mx'`);
    const second = await send({ from: 'sin.buzon@correo.example.mx', subject: 'Segundo reporte', text: 'Otro bache en la avenida Carranza.' });
    expect([second.log.decision, second.log.reason, second.log.acknowledged]).toEqual(['created', "new report; sender's address no longer marked undeliverable", true]);
    const [{ undeliverable }] = await t.db.query(`SELECT undeliverable FROM citizen_identities WHERE kind = 'email' AND value = 'sin.buzon@correo.example.mx'`);
    expect(undeliverable).toBe(false);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM outbox WHERE ticket_id = $1 AND kind = 'acknowledgement'`, [second.log.ticket_id]);
    expect(n).toBe(1);
  });

  it('rate-limits acknowledgements to one sender', async () => {
    const acks: boolean[] = [];
    for (let i = 0; i < 4; i++) acks.push((await send({ from: 'insistente@correo.example.mx', subject: `Reporte ${i}`, text: `Reporte número ${i}` })).log.acknowledged);
    expect(acks).toEqual([true, true, true, false]);
  });

  it('decodes ISO-8859-1, Windows-1252 and encoded-word subjects, and sanitises HTML-only mail', async () => {
    // 8-bit ISO-8859-1 bytes on the wire (the string's code points are all ≤ 0xFF)
    const latinId = uniqueMessageId();
    const latinRaw = buildMail({
      messageId: latinId,
      subject: '=?ISO-8859-1?Q?Poste_ca=EDdo_en_la_avenida_Espa=F1a?=',
      contentType: 'text/plain; charset=ISO-8859-1',
      body: 'El poste está caído junto a la señal de alto.',
      headers: { 'Content-Transfer-Encoding': '8bit' },
    });
    const latin = { log: await deliver(Buffer.from(latinRaw, 'latin1'), latinId) };
    const [m1] = await t.db.query(`SELECT subject, body_text FROM messages WHERE id = $1`, [latin.log.message_id]);
    expect(m1.subject).toBe('Poste caído en la avenida España');
    expect(m1.body_text).toContain('está caído junto a la señal');

    const cp = await send({
      subject: '=?windows-1252?B?' + Buffer.from([0x93, 0x52, 0x75, 0x69, 0x64, 0x6f, 0x94, 0x20, 0x96, 0x20, 0x71, 0x75, 0x65, 0x6a, 0x61]).toString('base64') + '?=',
      contentType: 'text/plain; charset=windows-1252',
      headers: { 'Content-Transfer-Encoding': 'quoted-printable' },
      body: '=93M=FAsica a todo volumen=94 =96 vecinos de la colonia Jard=EDn',
    });
    const [m2] = await t.db.query(`SELECT subject, body_text FROM messages WHERE id = $1`, [cp.log.message_id]);
    expect(m2.subject).toBe('“Ruido” – queja');
    expect(m2.body_text).toContain('“Música a todo volumen” – vecinos de la colonia Jardín');

    const html = await send({ html: '<p>Árbol <b>caído</b> en la calle</p><script>alert(1)</script><img src="https://rastreo.example/p.gif"><a href="javascript:alert(1)" onclick="x()">ver</a>' });
    const [m3] = await t.db.query(`SELECT body_text, body_html FROM messages WHERE id = $1`, [html.log.message_id]);
    expect(m3.body_html).toContain('<b>caído</b>');
    expect(m3.body_html).not.toMatch(/script|onclick|javascript:|rastreo/);
    expect(m3.body_text).toContain('Árbol');
    expect(m3.body_text).not.toContain('<p>');
  });

  it('stores attachments, omits those over the limit, and serves them only to authorised staff with safe headers', async () => {
    const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(3000)]);
    const big = randomBytes(30_000);
    const page = Buffer.from('<html><script>alert(1)</script></html>');
    const r = await send({
      text: 'Les mando la foto del bache',
      attachments: [
        { filename: 'IMG_2043.jpg', contentType: 'image/jpeg', content: photo },
        { filename: 'video.mp4', contentType: 'video/mp4', content: big },
        { filename: 'pagina.html', contentType: 'text/html', content: page },
      ],
    });
    expect(r.log.decision).toBe('created');
    const folio = (await ticket(r.log.ticket_id)).folio;
    const detail = await t.http().get(`/api/v1/tickets/${folio}`).set(admin).expect(200);
    const atts = detail.body.thread[0].attachments as Array<{ id: string; filename: string; omitted: boolean; omittedReason: string | null; sizeBytes: number }>;
    expect(atts.map((a) => [a.filename, a.omitted])).toEqual([['IMG_2043.jpg', false], ['video.mp4', true], ['pagina.html', false]]);
    expect(atts[1].omittedReason).toMatch(/tamaño máximo/);

    const agent = (await t.user('agent')).auth;
    const res = await download(`/api/v1/tickets/${folio}/attachments/${atts[0].id}`, agent);
    expect(Buffer.compare(res.bytes, photo)).toBe(0);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="IMG_2043.jpg"/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');

    const html = await t.http().get(`/api/v1/tickets/${folio}/attachments/${atts[2].id}`).set(agent).expect(200);
    expect(html.headers['content-type']).toBe('application/octet-stream');
    await t.http().get(`/api/v1/tickets/${folio}/attachments/${atts[1].id}`).set(agent).expect(409);
    const press = (await t.user('press')).auth;
    await t.http().get(`/api/v1/tickets/${folio}/attachments/${atts[0].id}`).set(press).expect(404);
    await t.http().get(`/api/v1/tickets/${folio}/attachments/${atts[0].id}`).expect(401);
    const otherFolio = detail.body.folio.replace(/\d{6}$/, '999999');
    await t.http().get(`/api/v1/tickets/${otherFolio}/attachments/${atts[0].id}`).set(agent).expect(404);
  });

  it('links an HTML mail\'s inline images (cid:) to the stored attachments in the ticket detail', async () => {
    const messageId = uniqueMessageId();
    const rel = `rel_${randomBytes(4).toString('hex')}`;
    const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(2000)]);
    const raw = [
      `From: Lupita <lupita@correo.example.mx>`,
      `To: atencion@test.local`,
      `Subject: Poste caído (foto en el correo)`,
      `Message-ID: ${messageId}`,
      `MIME-Version: 1.0`,
      `Content-Type: multipart/related; boundary="${rel}"`,
      ``,
      `--${rel}`,
      `Content-Type: text/html; charset=utf-8`,
      ``,
      `<p>Así quedó el poste:</p><img src="cid:image001.jpg@01DA1F2B.8C3E5A40" alt="poste"><img src="cid:no-existe@x">`,
      `--${rel}`,
      `Content-Type: image/jpeg; name="image001.jpg"`,
      `Content-ID: <image001.jpg@01DA1F2B.8C3E5A40>`,
      `Content-Disposition: inline; filename="image001.jpg"`,
      `Content-Transfer-Encoding: base64`,
      ``,
      (photo.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n'),
      `--${rel}--`,
      ``,
    ].join('\r\n');
    const log = await deliver(raw, messageId);
    expect(log.decision).toBe('created');
    const tk = await ticket(log.ticket_id);
    const detail = await t.http().get(`/api/v1/tickets/${tk.folio}`).set(admin).expect(200);
    const first = detail.body.thread[0];
    expect(first.attachments).toEqual([expect.objectContaining({ filename: 'image001.jpg', inline: true, contentId: 'image001.jpg@01DA1F2B.8C3E5A40', omitted: false })]);
    const path = `/api/v1/tickets/${tk.folio}/attachments/${first.attachments[0].id}`;
    expect(first.bodyHtml).toContain(`<img src="${path}" alt="poste" />`);
    expect(first.bodyHtml).toContain('src="cid:no-existe@x"'); // nothing stored under that id: left as it was
    const img = await download(path, admin);
    expect(Buffer.compare(img.bytes, photo)).toBe(0);
  });

  it('makes a ticket of a mail above IMAP_MAX_MESSAGE_BYTES from its text and the parts that fit; the rest is recorded as omitted', async () => {
    const messageId = uniqueMessageId();
    const b = `mix_${randomBytes(4).toString('hex')}`;
    const alt = `alt_${randomBytes(4).toString('hex')}`;
    const b64 = (buf: Buffer) => (buf.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
    const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(3000)]);
    const video = randomBytes(1_400_000);
    const raw = [
      `From: Rosa Martínez <rosa.martinez@correo.example.mx>`,
      `To: atencion@test.local`,
      `Subject: =?UTF-8?Q?Fuga_de_agua_en_la_calle_Zaragoza_=28video=29?=`,
      `Message-ID: ${messageId}`,
      `MIME-Version: 1.0`,
      `Content-Type: multipart/mixed; boundary="${b}"`,
      ``,
      `--${b}`,
      `Content-Type: multipart/alternative; boundary="${alt}"`,
      ``,
      `--${alt}`,
      `Content-Type: text/plain; charset=iso-8859-1`,
      `Content-Transfer-Encoding: quoted-printable`,
      ``,
      `Desde ayer sale agua limpia de la banqueta frente al n=FAmero 120. Les mando el video.`,
      `--${alt}`,
      `Content-Type: text/html; charset=utf-8`,
      ``,
      `<p>Desde ayer sale agua limpia de la banqueta frente al número 120.</p><script>x()</script>`,
      `--${alt}--`,
      `--${b}`,
      `Content-Type: image/jpeg; name="foto.jpg"`,
      `Content-Disposition: attachment; filename="foto.jpg"`,
      `Content-Transfer-Encoding: base64`,
      ``,
      b64(photo),
      `--${b}`,
      `Content-Type: video/mp4; name="fuga.mp4"`,
      `Content-Disposition: attachment; filename="fuga.mp4"`,
      `Content-Transfer-Encoding: base64`,
      ``,
      b64(video),
      `--${b}--`,
      ``,
    ].join('\r\n');
    expect(raw.length).toBeGreaterThan(1048576);
    const log = await deliver(raw, messageId);
    expect(log.decision).toBe('created');
    expect(log.reason).toMatch(/^new report; \d+-byte mail read part by part$/);
    expect(log.acknowledged).toBe(true);
    const tk = await ticket(log.ticket_id);
    expect(tk.subject).toBe('Fuga de agua en la calle Zaragoza (video)');
    expect(tk.description).toContain('frente al número 120');
    const detail = await t.http().get(`/api/v1/tickets/${tk.folio}`).set(admin).expect(200);
    const first = detail.body.thread[0];
    expect(first.bodyHtml).toContain('número 120');
    expect(first.bodyHtml).not.toContain('script');
    const atts = first.attachments as Array<{ id: string; filename: string; contentType: string; omitted: boolean; omittedReason: string | null; sizeBytes: number }>;
    expect(atts.map((a) => [a.filename, a.omitted]).sort()).toEqual([['foto.jpg', false], ['fuga.mp4', true]]);
    const omitted = atts.find((a) => a.omitted)!;
    expect(omitted).toMatchObject({ contentType: 'video/mp4', omittedReason: 'supera el tamaño máximo permitido' });
    expect(Math.abs(omitted.sizeBytes - video.length)).toBeLessThan(video.length * 0.05);
    const kept = atts.find((a) => !a.omitted)!;
    const res = await download(`/api/v1/tickets/${tk.folio}/attachments/${kept.id}`, admin);
    expect(Buffer.compare(res.bytes, photo)).toBe(0);
    await inboxEmpty();

    // the same mail again: a dedupe by its Message-ID, not a second ticket
    await box.append(raw);
    const rows = await waitFor(async () => {
      const r: LogRow[] = await t.db.query(`SELECT * FROM intake_log WHERE external_id = $1 ORDER BY id`, [messageId]);
      return r.length === 2 ? r : undefined;
    }, 'the second delivery');
    expect(rows.map((r) => r.decision)).toEqual(['created', 'duplicate']);
    expect(rows[1].ticket_id).toBe(log.ticket_id);
  });

  it('makes a ticket of an oversized mail of one part: a long text is cut, a lone file recorded as omitted', async () => {
    const longText = `Reporte de alumbrado: ${'la luminaria del poste sigue apagada. '.repeat(32_000)}`;
    const a = await send({ subject: 'Alumbrado (texto largo)', text: longText });
    expect(a.log.decision).toBe('created');
    expect(a.log.reason).toMatch(/read part by part/);
    const tka = await ticket(a.log.ticket_id);
    expect(tka.description.startsWith('Reporte de alumbrado: la luminaria')).toBe(true);

    const messageId = uniqueMessageId();
    const pdf = randomBytes(1_200_000);
    const raw = [
      `From: Ciudadano <ciudadano.pdf@correo.example.mx>`,
      `To: atencion@test.local`,
      `Subject: Oficio escaneado`,
      `Message-ID: ${messageId}`,
      `MIME-Version: 1.0`,
      `Content-Type: application/pdf; name="oficio.pdf"`,
      `Content-Disposition: attachment; filename="oficio.pdf"`,
      `Content-Transfer-Encoding: base64`,
      ``,
      (pdf.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n'),
      ``,
    ].join('\r\n');
    const log = await deliver(raw, messageId);
    expect(log.decision).toBe('created');
    expect(log.reason).toMatch(/read part by part/);
    const tk = await ticket(log.ticket_id);
    expect(tk.subject).toBe('Oficio escaneado');
    const detail = await t.http().get(`/api/v1/tickets/${tk.folio}`).set(admin).expect(200);
    expect(detail.body.thread[0].attachments).toEqual([expect.objectContaining({ filename: 'oficio.pdf', contentType: 'application/pdf', omitted: true })]);
    await inboxEmpty();
  });

  it('quarantines a mail it cannot process, keeps going with the ones behind it, and lets an admin retry it', async () => {
    // a database rule that rejects one subject stands in for a processing bug
    await t.db.query(`
      CREATE OR REPLACE FUNCTION reject_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.subject LIKE '%VENENO%' THEN RAISE EXCEPTION 'poison for the test'; END IF; RETURN NEW; END $$`);
    await t.db.query(`CREATE TRIGGER reject_poison BEFORE INSERT ON tickets FOR EACH ROW EXECUTE FUNCTION reject_poison()`);
    const failedBefore = await box.count('Fallidos');
    const poisonId = uniqueMessageId();
    const nextId = uniqueMessageId();
    await box.append(buildMail({ messageId: poisonId, subject: 'VENENO', text: 'x' }));
    await box.append(buildMail({ messageId: nextId, subject: 'Después del veneno', text: 'Luminaria parpadea' }));
    const next = await waitFor(async () => (await t.db.query(`SELECT * FROM intake_log WHERE external_id = $1`, [nextId]))[0], 'the mail behind the poison');
    expect(next.decision).toBe('created');
    const [poisonLog] = await t.db.query(`SELECT decision FROM intake_log WHERE external_id = $1`, [poisonId]);
    expect(poisonLog.decision).toBe('failed');
    await inboxEmpty();
    expect(await box.count('Fallidos')).toBe(failedBefore + 1);

    const list = await t.http().get('/api/v1/intake/failures').set(admin).expect(200);
    const failure = list.body.find((f: { externalId: string }) => f.externalId === poisonId);
    expect(failure).toMatchObject({ status: 'pending', retryable: true, subject: 'VENENO' });
    expect(failure.error).toMatch(/poison for the test/);
    const still = await t.http().post(`/api/v1/intake/failures/${failure.id}/retry`).set(admin).expect(200);
    expect(still.body.status).toBe('pending');
    expect(still.body.attempts).toBe(2);

    await t.db.query(`DROP TRIGGER reject_poison ON tickets`);
    const fixed = await t.http().post(`/api/v1/intake/failures/${failure.id}/retry`).set(admin).expect(200);
    expect(fixed.body.status).toBe('resolved');
    expect(fixed.body.folio).toMatch(/^SLP-/);
    await t.http().post(`/api/v1/intake/failures/${failure.id}/retry`).set(admin).expect(409);
    const agent = (await t.user('agent')).auth;
    await t.http().get('/api/v1/intake/failures').set(agent).expect(403);
  });

  it('lists the intake log for admins', async () => {
    // entries of its own: a report, and a bounce of a mail we never sent
    const report = await send({ from: 'bitacora@correo.example.mx', text: 'Fuga de agua en la calle Zaragoza' });
    expect(report.log.decision).toBe('created');
    const b = `dsn_${randomBytes(4).toString('hex')}`;
    const bounceId = uniqueMessageId();
    const bounce = await deliver(
      buildMail({
        messageId: bounceId,
        from: 'Mail Delivery System <MAILER-DAEMON@mx.correo.example.mx>',
        subject: 'Undelivered Mail Returned to Sender',
        contentType: `multipart/report; report-type=delivery-status; boundary="${b}"`,
        headers: { 'Auto-Submitted': 'auto-replied' },
        body: [
          `--${b}`, 'Content-Type: text/plain', '', 'Your message could not be delivered.', '',
          `--${b}`, 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx.correo.example.mx', '', 'Final-Recipient: rfc822; nadie@correo.example.mx', 'Action: failed', 'Status: 5.1.1', '',
          `--${b}`, 'Content-Type: text/rfc822-headers', '', 'From: notificaciones@sanluis.gob.mx', 'To: nadie@correo.example.mx', 'Message-ID: <nunca.enviado@otro.example>', 'Subject: Su reporte', '',
          `--${b}--`, '',
        ].join('\r\n'),
      }),
      bounceId,
    );
    expect(bounce.decision).toBe('bounce_unmatched');

    const res = await t.http().get('/api/v1/intake/log?decision=bounce_unmatched').set(admin).expect(200);
    const ids = res.body.items.map((i: { externalId: string }) => i.externalId);
    expect(ids).toContain(bounceId);
    expect(ids).not.toContain(report.messageId);
    expect(res.body.items.every((i: { decision: string }) => i.decision === 'bounce_unmatched')).toBe(true);
    const all = await t.http().get('/api/v1/intake/log').set(admin).expect(200);
    expect(all.body.items.map((i: { externalId: string }) => i.externalId)).toEqual(expect.arrayContaining([report.messageId, bounceId]));
    const supervisor = (await t.user('supervisor')).auth;
    await t.http().get('/api/v1/intake/log').set(supervisor).expect(403);
  });

  it('reports the reader in /health/ready and /metrics', async () => {
    // a mail read by this test: a UID seen and a report created
    expect((await send({ from: 'salud.lector@correo.example.mx', text: 'Semáforo apagado en Himno Nacional' })).log.decision).toBe('created');
    const ready = await t.http().get('/health/ready').expect(200);
    expect(ready.body.details.mailbox).toMatchObject({ status: 'up', enabled: true, role: 'reader', connection: 'connected', mailbox: 'INBOX' });
    expect(Number(ready.body.details.mailbox.lastUid)).toBeGreaterThan(0);
    const metrics = await t.http().get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^enlace_imap_connected 1$/m);
    expect(metrics.text).toMatch(/^enlace_email_intake_total\{decision="created"\} \d+$/m);
  });
});
