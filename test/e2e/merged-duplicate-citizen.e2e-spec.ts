// the app factory first: it loads the modules in the app's order (entities import each other)
import { startTestApp, TestApp } from '../support/test-app';
import { buildMail, imapEnv, newMailboxUser, TestMailbox, uniqueMessageId, waitFor } from '../support/imap-test';

jest.setTimeout(90_000);

interface LogRow {
  decision: string;
  reason: string;
  ticket_id: string | null;
  message_id: string | null;
}

interface OutboxRow {
  recipient: string;
  external_id: string;
  payload: { template: string; subject: string; text: string; html: string; inReplyTo: string | null; references: string[] };
}

/**
 * Ana's report B is merged into María's report A (same pothole). Over real IMAP (Dovecot) and
 * PostgreSQL: what each of them is told, what each status page shows, and what becomes of Ana's
 * answers, which reach A through the merge — staff see them there; María never does, and they
 * neither move A nor thread María's next mail.
 */
describe('a merged duplicate and its citizen (real Dovecot, real PostgreSQL)', () => {
  let t: TestApp;
  let box: TestMailbox;
  let agent: Record<string, string>;
  let supervisor: Record<string, string>;
  const user = newMailboxUser();

  const maria = { from: 'María Pérez Lozano <maria.carranza@correo.example.mx>', address: 'maria.carranza@correo.example.mx' };
  const ana = { from: 'Ana Ruiz Téllez <ana.carranza@correo.example.mx>', address: 'ana.carranza@correo.example.mx' };
  const MARIA_TEXT = 'Soy María Pérez Lozano, vivo en Carranza 1234 y hay un bache enorme frente a mi cochera.';
  const MARIA_QUESTION = '¿El bache está frente al número 1234 o en la esquina con Uresti?';
  const ANA_TEXT = 'Hay un bache enorme en avenida Carranza, casi llegando a Uresti.';
  const ANA_REPLY = 'Yo también lo reporté: ayer se cayó un motociclista. Mi teléfono es 444 111 2222.';
  const ANA_FOLIO_MAIL = 'Sigo esperando, el bache sigue ahí. Ana, 444 111 2222.';

  let mariaMessageId: string;
  let a: { id: string; folio: string; public_token: string; citizen_id: string };
  let b: { id: string; folio: string; public_token: string; citizen_id: string };
  let mergedMail: OutboxRow;
  const anaMessageIds: string[] = [];

  async function send(spec: Parameters<typeof buildMail>[0]): Promise<{ log: LogRow; messageId: string }> {
    const messageId = uniqueMessageId();
    await box.append(buildMail({ ...spec, messageId }));
    const log = await waitFor(async () => {
      const rows: LogRow[] = await t.db.query(`SELECT decision, reason, ticket_id, message_id FROM intake_log WHERE external_id = $1`, [messageId]);
      return rows[0];
    }, `intake of ${messageId}`);
    return { log, messageId };
  }

  async function ticket(id: string) {
    const [row] = await t.db.query(`SELECT id, folio, status, public_token, citizen_id, merged_into_id FROM tickets WHERE id = $1`, [id]);
    return row;
  }

  async function mails(ticketId: string, kind?: string): Promise<OutboxRow[]> {
    return t.db.query(
      `SELECT recipient, external_id, payload FROM outbox WHERE ticket_id = $1 AND ($2::text IS NULL OR kind = $2) ORDER BY id`,
      [ticketId, kind ?? null],
    );
  }

  async function page(folio: string, token: string): Promise<{ html: string; json: Record<string, unknown> & { messages: Array<{ from: string; text: string }> } }> {
    const html = (await t.http().get(`/seguimiento/${folio}`).query({ token }).expect(200)).text;
    const json = (await t.http().get(`/api/v1/public/tickets/${folio}`).query({ token }).expect(200)).body;
    return { html, json };
  }

  beforeAll(async () => {
    box = new TestMailbox(user);
    t = await startTestApp(imapEnv(user, { MAIL_FROM: 'notificaciones@sanluis.gob.mx' }));
    agent = (await t.user('agent')).auth;
    supervisor = (await t.user('supervisor')).auth;

    const first = await send({ from: maria.from, subject: 'Bache en avenida Carranza', text: MARIA_TEXT });
    mariaMessageId = first.messageId;
    const second = await send({ from: ana.from, subject: 'Bache en Carranza', text: ANA_TEXT });
    expect([first.log.decision, second.log.decision]).toEqual(['created', 'created']);
    a = await ticket(first.log.ticket_id!);
    b = await ticket(second.log.ticket_id!);
    expect(b.citizen_id).not.toBe(a.citizen_id);
    // the office asks María something about her report, then merges Ana's into it
    await t.http().post(`/api/v1/tickets/${a.folio}/transitions`).set(agent).send({ to: 'waiting_citizen', message: MARIA_QUESTION }).expect(200);
    await t.http().post(`/api/v1/tickets/${b.folio}/merge`).set(supervisor).send({ intoFolio: a.folio }).expect(200);
    [mergedMail] = await mails(b.id, 'status_changed');
  });
  afterAll(async () => {
    await box?.close();
    await t?.close();
  });

  it('tells the merged duplicate’s citizen that her report was joined to the other folio, never "no procede"', () => {
    expect(mergedMail).toBeDefined();
    expect(mergedMail.recipient).toBe(ana.address);
    const { template, subject, text, html } = mergedMail.payload;
    expect(template).toBe('status-merged');
    expect(subject).toBe(`[${b.folio}] Su reporte se integró al reporte ${a.folio}: Bache en Carranza`);
    expect(text).toContain(`se integró al reporte ${a.folio}, que atiende el mismo problema`);
    expect(text).toContain(`Estado actual del reporte ${a.folio}: En espera de información.`);
    // her own status link (B's token), never the survivor's; the privacy notice
    expect(text).toContain(`https://enlace.test/seguimiento/${b.folio}?token=${b.public_token}`);
    expect(text).toContain('Aviso de privacidad: https://enlace.test/aviso-de-privacidad');
    expect(html).toContain(`href="https://enlace.test/seguimiento/${b.folio}?token=${b.public_token}"`);
    expect(html).toContain('href="https://enlace.test/aviso-de-privacidad"');
    for (const body of [subject, text, html]) {
      expect(body).not.toMatch(/no procede/i);
      expect(body).not.toContain(a.public_token);
      expect(body).not.toContain('María');
      expect(body).not.toContain(MARIA_QUESTION);
    }
  });

  it('shows the merged duplicate’s status page as "Integrado al reporte …" with the survivor’s status and dates, nothing of María', async () => {
    const { html, json } = await page(b.folio, b.public_token);
    expect(html).toContain(`Integrado al reporte ${a.folio}`);
    expect(html).toContain('Estado de ese reporte: En espera de información.');
    expect(html).not.toContain('No procede');
    expect(html).toContain(ANA_TEXT); // her own words stay on her own page
    expect(json).toMatchObject({
      folio: b.folio,
      status: 'rejected',
      statusLabel: `Integrado al reporte ${a.folio}`,
      rejectionReason: null,
      mergedInto: { folio: a.folio, status: 'waiting_citizen', statusLabel: 'En espera de información', resolvedAt: null, closedAt: null },
    });
    const [survivor] = await t.db.query(`SELECT status_changed_at FROM tickets WHERE id = $1`, [a.id]);
    expect(new Date((json.mergedInto as { statusChangedAt: string }).statusChangedAt).getTime()).toBe(survivor.status_changed_at.getTime());
    expect(json.statusChangedAt).toEqual(json.mergedInto && (json.mergedInto as { statusChangedAt: string }).statusChangedAt);
    expect(json.messages.map((m) => [m.from, m.text])).toEqual([['citizen', ANA_TEXT]]);
    for (const body of [html, JSON.stringify(json)]) {
      expect(body).not.toContain('María');
      expect(body).not.toContain('Carranza 1234');
      expect(body).not.toContain(MARIA_QUESTION);
      expect(body).not.toContain(maria.address);
      expect(body).not.toContain('Bache en avenida Carranza'); // the survivor's subject
    }
  });

  it('keeps Ana’s answer to our mail about her merged report for staff on the survivor, without moving it or showing it to María', async () => {
    const reply = await send({ from: ana.from, subject: `Re: ${mergedMail.payload.subject}`, inReplyTo: mergedMail.external_id, references: mergedMail.external_id, text: ANA_REPLY });
    const folioMail = await send({ from: ana.from, subject: `Otra vez sobre mi reporte [${b.folio}]`, text: ANA_FOLIO_MAIL });
    for (const { log, messageId } of [reply, folioMail]) {
      anaMessageIds.push(messageId);
      expect([log.decision, log.ticket_id]).toEqual(['appended', a.id]);
      const [m] = await t.db.query(`SELECT public, author_citizen_id, meta FROM messages WHERE id = $1`, [log.message_id]);
      expect(m.public).toBe(false);
      expect(m.author_citizen_id).toBe(b.citizen_id);
      expect(m.meta).toMatchObject({ fromMergedDuplicate: true, thirdParty: true });
    }
    // not taken as María's answer to the question
    expect((await ticket(a.id)).status).toBe('waiting_citizen');
    // staff read it on the survivor's thread
    const staff = await t.http().get(`/api/v1/tickets/${a.folio}`).set(agent).expect(200);
    const texts = staff.body.thread.map((m: { bodyText: string }) => m.bodyText).join('\n');
    expect(texts).toContain(ANA_REPLY);
    expect(texts).toContain(ANA_FOLIO_MAIL);
    // María's page: her own words and ours, nothing of Ana
    const { html, json } = await page(a.folio, a.public_token);
    expect(json.messages.map((m) => [m.from, m.text])).toEqual([
      ['citizen', MARIA_TEXT],
      ['office', MARIA_QUESTION],
    ]);
    for (const body of [html, JSON.stringify(json)]) {
      expect(body).not.toContain('444 111 2222');
      expect(body).not.toContain('motociclista');
      expect(body).not.toContain('Ana Ruiz');
    }
  });

  it('threads the survivor’s next mail to María on María’s message, never on Ana’s', async () => {
    await t.http().post(`/api/v1/tickets/${a.folio}/replies`).set(agent).send({ body: 'Mañana pasa la cuadrilla de Obras Públicas.' }).expect(201);
    const replies = await mails(a.id, 'reply');
    expect(replies).toHaveLength(1);
    const { recipient, payload } = replies[0];
    expect(recipient).toBe(maria.address);
    expect(payload.inReplyTo).toBe(mariaMessageId);
    for (const id of anaMessageIds) expect(payload.references).not.toContain(id);
    expect(payload.references).toContain(mariaMessageId);
  });

  it('still takes María’s own answer as hers', async () => {
    const [ack] = await mails(a.id, 'acknowledgement');
    const answer = await send({ from: maria.from, subject: 'Re: Necesitamos información', inReplyTo: ack.external_id, text: 'Está frente al 1234.' });
    expect([answer.log.decision, answer.log.ticket_id]).toEqual(['appended', a.id]);
    expect((await ticket(a.id)).status).toBe('in_progress');
    const { json } = await page(a.folio, a.public_token);
    expect(json.messages.map((m) => m.text)).toContain('Está frente al 1234.');
  });

  it('shows on a status page only what the ticket’s own citizen wrote, even a message wrongly stored as public', async () => {
    // what the earlier intake stored: Ana's words on María's ticket, public
    await t.db.query(
      `INSERT INTO messages (ticket_id, direction, channel, author_citizen_id, body_text, public, meta) VALUES ($1, 'inbound', 'email', $2, 'MENSAJE DE OTRA CIUDADANA', true, '{}')`,
      [a.id, b.citizen_id],
    );
    const { html, json } = await page(a.folio, a.public_token);
    expect(html).not.toContain('MENSAJE DE OTRA CIUDADANA');
    expect(JSON.stringify(json)).not.toContain('MENSAJE DE OTRA CIUDADANA');
    expect(json.messages.map((m) => m.text)).toContain(MARIA_TEXT);
  });

  it('tells Ana when a supervisor reverses the merge, and her page is her own report again', async () => {
    await t.http().post(`/api/v1/tickets/${b.folio}/transitions`).set(supervisor).send({ to: 'new', reason: 'Es otro bache, a dos cuadras' }).expect(200);
    expect((await ticket(b.id)).merged_into_id).toBeNull();
    const notices = await mails(b.id, 'status_changed');
    expect(notices.map((n) => n.payload.template)).toEqual(['status-merged', 'status-reactivated']);
    const { recipient, payload } = notices[1];
    expect(recipient).toBe(ana.address);
    expect(payload.subject).toBe(`[${b.folio}] Su reporte fue reactivado: Bache en Carranza`);
    expect(payload.text).toContain(`Su reporte ${b.folio} («Bache en Carranza») fue reactivado.`);
    expect(payload.text).toContain('Estado: Recibido.');
    expect(payload.text).toContain(`https://enlace.test/seguimiento/${b.folio}?token=${b.public_token}`);
    expect(payload.text).toContain('Aviso de privacidad: https://enlace.test/aviso-de-privacidad');
    expect(payload.html).toContain('href="https://enlace.test/aviso-de-privacidad"');
    const { html, json } = await page(b.folio, b.public_token);
    expect(json).toMatchObject({ status: 'new', statusLabel: 'Recibido', mergedInto: null, rejectionReason: null });
    expect(html).not.toContain('Integrado al reporte');
  });

  it('tells a plain rejection "no procede" with its reason, as before', async () => {
    const other = await send({ from: 'Luis Mata <luis.rechazo@correo.example.mx>', subject: 'Fuga en mi casa', text: 'Tengo una fuga dentro de mi casa.' });
    const tk = await ticket(other.log.ticket_id!);
    await t.http().post(`/api/v1/tickets/${tk.folio}/transitions`).set(agent).send({ to: 'rejected', reason: 'Fuera de la competencia municipal' }).expect(200);
    const [notice] = await mails(tk.id, 'status_changed');
    expect(notice.payload.template).toBe('status-rejected');
    expect(notice.payload.text).toContain('Motivo: Fuera de la competencia municipal');
    const { json } = await page(tk.folio, tk.public_token);
    expect(json).toMatchObject({ statusLabel: 'No procede', rejectionReason: 'Fuera de la competencia municipal', mergedInto: null });
  });
});
