import { startTestApp, TestApp } from '../support/test-app';
import { imapEnv, type MailSpec, newMailboxUser, TestMailbox } from '../support/imap-test';
import { type IntakeLogRow, ourEmailOn, sendMail } from '../support/mailbox-intake';

jest.setTimeout(60_000);

const STATUS_LINK = 'https://enlace.test/seguimiento/SLP-2025-000001?token=secreto-del-ciudadano';

/** Quoted history through the real pipeline (IMAP, mailparser, intake): what becomes body_new. */
describe('quoted history in email replies (real Dovecot, real PostgreSQL)', () => {
  let t: TestApp;
  let box: TestMailbox;
  const user = newMailboxUser();

  beforeAll(async () => {
    box = new TestMailbox(user);
    t = await startTestApp(imapEnv(user, { MAIL_FROM: 'Atención Ciudadana <notificaciones@sanluis.gob.mx>' }));
  });
  afterAll(async () => {
    await box?.close();
    await t?.close();
  });

  const send = async (spec: MailSpec) => (await sendMail(t, box, spec)).log as IntakeLogRow & { ticket_id: string; message_id: string };

  async function message(id: string): Promise<{ body_text: string; body_new: string | null }> {
    return (await t.db.query(`SELECT body_text, body_new FROM messages WHERE id = $1`, [id]))[0];
  }

  /** A ticket of this citizen with one of our notification emails on it, to reply to. */
  async function notified(from: string): Promise<{ ticketId: string; ours: string }> {
    const first = await send({ from, subject: 'Bache', text: 'Bache en la calle Zaragoza 120' });
    return { ticketId: first.ticket_id, ours: await ourEmailOn(t, first.ticket_id, 'Su reporte fue atendido') };
  }

  it('keeps a bottom-posted answer and drops the quote above it', async () => {
    const from = 'rosa@correo.example.mx';
    const { ticketId, ours } = await notified(from);
    const reply = await send({
      from,
      subject: 'Re: [SLP-2025-000001] Su reporte fue atendido: Bache',
      inReplyTo: ours,
      references: ours,
      text: `El lun, 3 nov 2025 a las 10:00, Atención Ciudadana <notificaciones@sanluis.gob.mx> escribió:\r\n> Su reporte fue atendido.\r\n> ${STATUS_LINK}\r\n\r\nNo, el bache sigue igual.\r\n`,
    });
    expect([reply.decision, reply.ticket_id]).toEqual(['appended', ticketId]);
    expect((await message(reply.message_id)).body_new).toBe('No, el bache sigue igual.');
  });

  it('takes nothing of a reply that is only the quote as new text, and keeps the mail in the thread', async () => {
    const from = 'ines@correo.example.mx';
    const { ticketId, ours } = await notified(from);
    const reply = await send({
      from,
      subject: 'Re: [SLP-2025-000001] Su reporte fue atendido: Bache',
      inReplyTo: ours,
      references: ours,
      text: `El lun, 3 nov 2025 a las 10:00, Atención Ciudadana <notificaciones@sanluis.gob.mx> escribió:\r\n\r\n> Su reporte fue atendido.\r\n> ${STATUS_LINK}\r\n`,
    });
    expect([reply.decision, reply.ticket_id]).toEqual(['appended', ticketId]);
    const m = await message(reply.message_id);
    expect(m.body_text).toContain(STATUS_LINK); // the whole mail is still there
    expect(m.body_new).toBe(''); // but none of it as the citizen's new words (NULL would fall back to the whole mail)
    // neither on the citizen's status page nor in the thread search
    const [tk] = await t.db.query(`SELECT folio, public_token, messages_search @@ to_tsquery('spanish', 'seguimiento') AS quoted_in_search FROM tickets WHERE id = $1`, [ticketId]);
    const page = await t.http().get(`/api/v1/public/tickets/${tk.folio}`).query({ token: tk.public_token }).expect(200);
    expect(JSON.stringify(page.body)).not.toContain('secreto-del-ciudadano');
    expect(tk.quoted_in_search).toBe(false);
  });

  it('makes a ticket of a quote-only mail that threads nowhere with the whole text as its description', async () => {
    const quoted = `El lun, 3 nov 2025 a las 10:00, Vecinos Unidos <vecinos@correo.example.mx> escribió:\r\n\r\n> Hay una fuga de agua en la calle Arista 45 desde el domingo.\r\n`;
    const created = await send({ from: 'ramon@correo.example.mx', subject: 'Fuga en Arista', text: quoted });
    expect(created.decision).toBe('created');
    const [tk] = await t.db.query(`SELECT description FROM tickets WHERE id = $1`, [created.ticket_id]);
    expect(tk.description).toContain('Hay una fuga de agua en la calle Arista 45');
  });

  it('cuts an Outlook web (HTML) reply at its separator line', async () => {
    const from = 'pedro@correo.example.mx';
    const { ours } = await notified(from);
    const html =
      '<html><body><div>Sigue igual el bache.</div><br><br><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg">' +
      '<b>De:</b> Atención Ciudadana &lt;notificaciones@sanluis.gob.mx&gt;<br><b>Enviado:</b> jueves, 20 de noviembre de 2025 10:15<br>' +
      '<b>Para:</b> pedro@correo.example.mx<br><b>Asunto:</b> [SLP-2025-000001] Su reporte fue atendido: Bache</div>' +
      `<div>Su reporte fue atendido. ${STATUS_LINK}</div></body></html>`;
    const reply = await send({ from, subject: 'RE: [SLP-2025-000001] Su reporte fue atendido: Bache', inReplyTo: ours, references: ours, html });
    expect(reply.decision).toBe('appended');
    expect((await message(reply.message_id)).body_new).toBe('Sigue igual el bache.');
  });

  it('keeps a report forwarded without "RV:" in the subject whole', async () => {
    const report = 'Hay un bache enorme frente a la escuela de la calle Zaragoza 120, ya se cayeron dos motos.';
    const text = `Les paso la queja de mi vecina, ella no tiene correo.\r\n\r\n---------- Mensaje reenviado ---------\r\nDe: Vecina <vecina@correo.example.mx>\r\nDate: lun, 3 nov 2025 a las 10:00\r\nSubject: Bache\r\nTo: <carmen@correo.example.mx>\r\n\r\n${report}\r\n`;
    const created = await send({ from: 'carmen@correo.example.mx', subject: 'Queja de mi vecina', text });
    expect(created.decision).toBe('created');
    expect((await message(created.message_id)).body_new).toContain(report);
    const [ticket] = await t.db.query(`SELECT description FROM tickets WHERE id = $1`, [created.ticket_id]);
    expect(ticket.description).toContain(report);
  });
});
