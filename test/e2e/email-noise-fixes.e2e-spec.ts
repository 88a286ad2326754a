import { randomBytes } from 'node:crypto';
import { startTestApp, TestApp } from '../support/test-app';
import { buildMail, imapEnv, type MailSpec, newMailboxUser, TestMailbox, uniqueMessageId } from '../support/imap-test';
import { deliverMail, dsnMail, sendMail } from '../support/mailbox-intake';

jest.setTimeout(90_000);

/**
 * Loop and noise protection (SPEC §3.1) against mail that looks automatic but is not, and automatic
 * mail that looked human: real Dovecot, real PostgreSQL, the app's own mailbox reader.
 */
describe('email noise: subjects, text bounces, forged DSNs, inbox rules, forwards, emoji cuts', () => {
  let t: TestApp;
  let box: TestMailbox;
  const user = newMailboxUser();

  beforeAll(async () => {
    box = new TestMailbox(user);
    t = await startTestApp(imapEnv(user, { MAIL_FROM: 'notificaciones@sanluis.gob.mx', MAIL_ACK_RATE_LIMIT: '20' }));
  });
  afterAll(async () => {
    await box?.close();
    await t?.close();
  });


  const deliver = (raw: string | Buffer, externalId: string) => deliverMail(t, box, raw, externalId);
  const send = (spec: MailSpec = {}) => sendMail(t, box, spec);

  const sender = (name: string) => `${name}.${randomBytes(3).toString('hex')}@correo.example.mx`;
  const undeliverable = async (address: string): Promise<boolean> =>
    (await t.db.query(`SELECT undeliverable FROM citizen_identities WHERE kind = 'email' AND value = $1`, [address]))[0].undeliverable;
  const acks = async (ticketId: string | null): Promise<Array<{ external_id: string; recipient: string }>> =>
    t.db.query(`SELECT external_id, recipient FROM outbox WHERE ticket_id = $1 AND kind = 'acknowledgement' ORDER BY id`, [ticketId]);

  /** A citizen's report, acknowledged: the ticket and the Message-ID our acknowledgement went out with. */
  async function reportWithAck(address: string): Promise<{ ticketId: string; ours: string }> {
    const { log } = await send({ from: address, subject: 'Fuga de agua', text: 'Hay una fuga de agua en la calle Arista.' });
    expect([log.decision, log.acknowledged]).toEqual(['created', true]);
    const [ack] = await acks(log.ticket_id);
    expect(ack.recipient).toBe(address);
    return { ticketId: log.ticket_id!, ours: ack.external_id };
  }

  const dsn = (ours: string, finalRecipients: string[]) => dsnMail(ours, finalRecipients.map((address) => ({ address })));

  it('a citizen\'s report whose subject merely looks like an out-of-office is a ticket, and acknowledged', async () => {
    const { log } = await send({ from: sender('catastro'), subject: 'Fuera de la oficina de Catastro hay basura acumulada', text: 'Desde hace una semana hay bolsas de basura en la banqueta.' });
    expect([log.decision, log.kind, log.acknowledged]).toEqual(['created', 'human', true]);
  });

  it('an out-of-office subject without any automatic header is still a ticket, only not acknowledged; a real one (headers) is not a ticket', async () => {
    const from = sender('vacaciones');
    const { log } = await send({ from, subject: 'Respuesta automática: Bache en la calle', text: 'Bache enorme frente a la escuela, ya reventó dos llantas.' });
    expect([log.decision, log.kind, log.acknowledged]).toEqual(['created', 'human', false]);
    expect(log.reason).toContain('automatic-reply subject without any automatic header');
    expect(await acks(log.ticket_id)).toEqual([]);
    // a person's report like any other, only not answered: not marked automatic, in the thread search
    const [first] = await t.db.query(
      `SELECT m.meta->>'automated' AS automated, t.messages_search @@ to_tsquery('spanish', 'llantas') AS searchable FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.id = $1`,
      [log.message_id],
    );
    expect(first).toEqual({ automated: null, searchable: true });
    const real = await send({ from, subject: 'Respuesta automática: Su reporte', headers: { 'Auto-Submitted': 'auto-replied' }, text: 'Estoy fuera de la oficina.' });
    expect([real.log.decision, real.log.ticket_id]).toEqual(['automatic_unmatched', null]);
    const suppress = await send({ from, subject: 'Automatic reply: Su reporte', headers: { 'X-Auto-Response-Suppress': 'All' }, text: 'I am out of the office.' });
    expect([suppress.log.decision, suppress.log.kind, suppress.log.ticket_id, suppress.log.acknowledged]).toEqual(['automatic_unmatched', 'auto_reply', null, false]);
  });

  it('an out-of-office subject without automatic headers answering one of our mails is recorded as automatic: the status is kept', async () => {
    const citizen = sender('ausente');
    const { ticketId, ours } = await reportWithAck(citizen);
    await t.db.query(`UPDATE tickets SET status = 'waiting_citizen' WHERE id = $1`, [ticketId]);
    const { log } = await send({ from: citizen, subject: 'Respuesta automática: Su reporte', inReplyTo: ours, references: ours, text: 'Estoy de vacaciones hasta el lunes.' });
    expect([log.decision, log.ticket_id]).toEqual(['auto_reply_recorded', ticketId]);
    const [{ status }] = await t.db.query(`SELECT status FROM tickets WHERE id = $1`, [ticketId]);
    expect(status).toBe('waiting_citizen');
  });

  it('a supervisor answering one of our notices to staff is an internal note on its ticket: no ticket, no acknowledgement', async () => {
    const { ticketId } = await reportWithAck(sender('vecina.atrasada'));
    const notice = `<enlace.${randomBytes(6).toString('hex')}@sanluis.gob.mx>`;
    await t.db.query(`INSERT INTO outbox (channel, kind, ticket_id, recipient, external_id, payload) VALUES ('email', 'sla_overdue', $1, 'jefa.alumbrado@sanluis.gob.mx', $2, '{}')`, [ticketId, notice]);
    const tickets = async () => (await t.db.query(`SELECT count(*)::int AS n FROM tickets`))[0].n as number;
    const before = await tickets();
    const { log } = await send({ from: 'Jefa de Alumbrado <jefa.alumbrado@sanluis.gob.mx>', subject: 'RE: [SLP] Plazo de primera respuesta vencido', inReplyTo: notice, references: notice, text: 'Ya lo asigné a la cuadrilla 2, sale mañana.' });
    expect([log.decision, log.ticket_id, log.acknowledged]).toEqual(['staff_reply_recorded', ticketId, false]);
    expect(await tickets()).toBe(before);
    const [note] = await t.db.query(`SELECT direction, public, body_text, author_name FROM messages WHERE id = $1`, [log.message_id]);
    expect(note).toEqual({ direction: 'note', public: false, body_text: 'Ya lo asigné a la cuadrilla 2, sale mañana.', author_name: 'Jefa de Alumbrado' });
    expect(await t.db.query(`SELECT count(*)::int AS n FROM outbox WHERE recipient = 'jefa.alumbrado@sanluis.gob.mx' AND kind = 'acknowledgement'`)).toEqual([{ n: 0 }]);
  });

  it('a forged DSN citing one of our Message-IDs never marks another citizen\'s address; only what our mail was sent to', async () => {
    const citizen = sender('ciudadana');
    const victim = sender('victima');
    const { ticketId, ours } = await reportWithAck(citizen);
    await reportWithAck(victim);

    const forgedDsn = dsn(ours, [victim]);
    const forged = await deliver(forgedDsn.raw, forgedDsn.messageId);
    expect([forged.decision, forged.ticket_id]).toEqual(['bounce_recorded', ticketId]);
    expect(forged.reason).toContain('0 address(es) marked undeliverable');
    expect([await undeliverable(victim), await undeliverable(citizen)]).toEqual([false, false]);

    // a report naming both: only the address our mail went to
    const bothDsn = dsn(ours, [victim, citizen]);
    const both = await deliver(bothDsn.raw, bothDsn.messageId);
    expect(both.reason).toContain('1 address(es) marked undeliverable');
    expect([await undeliverable(victim), await undeliverable(citizen)]).toEqual([false, true]);
  });

  it('a qmail text bounce marks the address it names (the citizen has two)', async () => {
    const citizen = sender('qmail');
    const { ticketId, ours } = await reportWithAck(citizen);
    // a second address of the same citizen: "the only address" cannot stand in for the report
    const other = sender('qmail.otra');
    await t.db.query(`INSERT INTO citizen_identities (citizen_id, kind, value) SELECT citizen_id, 'email', $2 FROM tickets WHERE id = $1`, [ticketId, other]);
    const bounceId = uniqueMessageId();
    const raw = buildMail({
      from: 'MAILER-DAEMON@mx.correo.example.mx',
      subject: 'failure notice',
      messageId: bounceId,
      contentType: 'text/plain; charset=us-ascii',
      body: [
        'Hi. This is the qmail-send program at mx.correo.example.mx.',
        "I'm afraid I wasn't able to deliver your message to the following addresses.",
        "This is a permanent error; I've given up. Sorry it didn't work out.",
        '',
        `<${citizen}>:`,
        'Sorry, no mailbox here by that name. (#5.1.1)',
        '',
        '--- Below this line is a copy of the message.',
        '',
        'From: notificaciones@sanluis.gob.mx',
        `To: ${citizen}`,
        `Message-ID: ${ours}`,
        'Subject: Su reporte',
        '',
        'Recibimos su reporte.',
        '',
      ].join('\r\n'),
    });
    const log = await deliver(raw, bounceId);
    expect([log.decision, log.ticket_id]).toEqual(['bounce_recorded', ticketId]);
    expect(log.reason).toContain('1 address(es) marked undeliverable');
    expect([await undeliverable(citizen), await undeliverable(other)]).toEqual([true, false]);
  });

  it('a base64 text bounce from MAILER-DAEMON is matched to our mail through its decoded text', async () => {
    const citizen = sender('base64');
    const { ticketId, ours } = await reportWithAck(citizen);
    const bounceId = uniqueMessageId();
    const text = [
      'This is the mail system at host mx.correo.example.mx.',
      '',
      "I'm sorry to have to inform you that your message could not be delivered.",
      '',
      `<${citizen}>: host mx.correo.example.mx said: 550 5.1.1 User unknown`,
      '',
      '------ This is a copy of the message, including all the headers. ------',
      '',
      'From: notificaciones@sanluis.gob.mx',
      `Message-ID: ${ours}`,
      'Subject: Su reporte',
    ].join('\r\n');
    const log = await deliver(buildMail({ from: 'Mail Delivery System <MAILER-DAEMON@mx.correo.example.mx>', subject: 'Mail delivery failed', messageId: bounceId, text }), bounceId);
    expect([log.decision, log.ticket_id]).toEqual(['bounce_recorded', ticketId]);
    expect(await undeliverable(citizen)).toBe(true);
  });

  it('a Spanish Exchange bounce ("No se puede entregar", empty Return-Path) is a bounce; a citizen saying so is a report', async () => {
    const citizen = sender('exchange');
    const { ticketId, ours } = await reportWithAck(citizen);
    const bounceId = uniqueMessageId();
    const b = `ndr_${randomBytes(4).toString('hex')}`;
    const returned = ['From: notificaciones@sanluis.gob.mx', `To: ${citizen}`, `Message-ID: ${ours}`, 'Subject: Su reporte', '', 'Recibimos su reporte.'].join('\r\n');
    const raw = buildMail({
      from: 'Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@dependencia.example.gob.mx>',
      subject: 'No se puede entregar: Su reporte',
      messageId: bounceId,
      headers: { 'Return-Path': '<>' },
      contentType: `multipart/mixed; boundary="${b}"`,
      body: [
        `--${b}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '',
        Buffer.from('No se pudo entregar el mensaje a estos destinatarios o grupos. El buzón está lleno.', 'utf8').toString('base64'),
        `--${b}`, 'Content-Type: message/rfc822', 'Content-Transfer-Encoding: base64', '',
        Buffer.from(returned, 'utf8').toString('base64'),
        `--${b}--`, '',
      ].join('\r\n'),
    });
    const log = await deliver(raw, bounceId);
    expect([log.decision, log.kind, log.ticket_id]).toEqual(['bounce_recorded', 'bounce', ticketId]);
    expect(await undeliverable(citizen)).toBe(true);

    const person = await send({ from: sender('pipa'), subject: 'No se puede entregar el agua en la colonia Centro', text: 'La pipa no puede pasar por la calle cerrada.' });
    expect([person.log.decision, person.log.kind, person.log.acknowledged]).toEqual(['created', 'human', true]);
  });

  it('an Exchange inbox rule\'s mail (X-MS-Exchange-Inbox-Rules-Loop) is a ticket but never acknowledged; on our thread it is recorded as automatic', async () => {
    const from = sender('regla');
    const rule = { 'X-MS-Exchange-Inbox-Rules-Loop': from };
    const { log } = await send({ from, subject: 'Reporte de luminaria', headers: rule, text: 'Luminaria apagada en la calle Zaragoza.' });
    expect([log.decision, log.kind, log.acknowledged]).toEqual(['created', 'auto_reply', false]);
    expect(await acks(log.ticket_id)).toEqual([]);

    const citizen = sender('regla.respuesta');
    const { ticketId, ours } = await reportWithAck(citizen);
    await t.db.query(`UPDATE tickets SET status = 'waiting_citizen' WHERE id = $1`, [ticketId]);
    const reply = await send({ from: citizen, subject: 'RE: Su reporte', inReplyTo: ours, headers: { 'X-MS-Exchange-Inbox-Rules-Loop': citizen }, text: 'Gracias por su mensaje, lo atenderé a mi regreso.' });
    expect([reply.log.decision, reply.log.ticket_id, reply.log.acknowledged]).toEqual(['auto_reply_recorded', ticketId, false]);
    const [{ status }] = await t.db.query(`SELECT status FROM tickets WHERE id = $1`, [ticketId]);
    expect(status).toBe('waiting_citizen');
    const [m] = await t.db.query(`SELECT public, meta FROM messages WHERE id = $1`, [reply.log.message_id]);
    expect([m.public, m.meta.automated]).toEqual([false, true]);
  });

  it('a forward behind a gateway tag ("[EXTERNO] RV: …") keeps the whole forwarded text as the report', async () => {
    const forwarded = 'Hay una fuga de agua enorme en la calle Arista desde ayer.';
    // Outlook's forward: a note, then the forwarded mail under its header block (what a reply quotes looks the same)
    const text = ['Para su atención.', '', '________________________________', 'De: Vecina <vecina@correo.example.mx>', 'Enviado: lunes, 3 de noviembre de 2025 10:15', 'Para: Juan <juan@dependencia.example.gob.mx>', 'Asunto: fuga en Arista', '', forwarded].join('\r\n');
    for (const subject of ['[EXTERNO] RV: fuga en Arista', '[EXTERNO] [SPAM?] Fwd: fuga en Arista']) {
      const { log } = await send({ from: sender('reenvia'), subject, text });
      const [tk] = await t.db.query(`SELECT description FROM tickets WHERE id = $1`, [log.ticket_id]);
      expect([subject, tk.description.includes(forwarded)]).toEqual([subject, true]);
    }
  });

  it('a subject cut inside an emoji keeps whole characters: the report is made and acknowledged, not quarantined', async () => {
    const subject = `${'Bache '.repeat(83)}a🚧 frente al mercado`;
    expect(subject.indexOf('🚧')).toBe(499);
    const { log } = await send({ from: sender('emoji'), subject: `=?UTF-8?B?${Buffer.from(subject, 'utf8').toString('base64')}?=`, text: 'Bache peligroso 🚧' });
    expect([log.decision, log.acknowledged]).toEqual(['created', true]);
    expect(log.subject).toBe(subject.slice(0, 501));
    expect(log.subject).not.toContain('\ufffd');
  });
});
