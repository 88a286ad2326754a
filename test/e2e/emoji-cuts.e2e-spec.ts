// the app factory first: it loads the modules in the app's order (entities import each other)
import { startTestApp, type TestApp } from '../support/test-app';
import { IntakeService } from '../../src/intake/intake.service';

/**
 * Long texts are cut at a length; a cut that counted UTF-16 units could keep half of an emoji (a
 * lone surrogate), which PostgreSQL refuses in JSON ("invalid input syntax for type json"): the
 * citizen's mail never became a ticket, and an agent could not ask a question on a ticket whose
 * notice subject hit the cut. Cuts count whole characters.
 */
describe('cuts never split an emoji (subjects of tickets and of citizen emails)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ SMTP_HOST: '127.0.0.1', SMTP_PORT: '2', MAIL_FROM: 'Atención Ciudadana <atencionciudadana@sanluis.gob.mx>', OUTBOX_WORKER: 'false' });
  });
  afterAll(async () => t?.close());

  const receive = (subject: string, from: string) =>
    t.app.get(IntakeService).receive({
      channel: 'email',
      externalId: `<emoji.${Date.now()}.${Math.random()}@correo.mx>`,
      sender: { name: 'Rosa Elena Martínez 🌵', identities: [{ kind: 'email', value: from }] },
      subject,
      text: 'Hay una zanja abierta sin señalamiento 🚧 frente al número 210.',
    });

  /** `Z`s that put the emoji's first half at UTF-16 unit `cut` - 1 of a subject that starts with `prefix` */
  const headFor = (cut: number, prefix: string) => 'Z'.repeat(cut - 1 - prefix.length);
  const FOLIO = 'SLP-2026-000001'; // the length of every folio of these tests
  it.each([
    // the ticket subject's cut (300) falls inside the emoji
    ['the ticket subject', headFor(300, '')],
    // the acknowledgement subject's cut (250: "[folio] Recibimos su reporte: …") falls inside it
    ['the acknowledgement subject', headFor(250, `[${FOLIO}] Recibimos su reporte: `)],
  ])('a citizen mail whose subject is cut at %s becomes a ticket with its acknowledgement', async (_where, head) => {
    const from = `rosa.${head.length}@correo.mx`;
    const result = await receive(`${head}🚧 en la calle Zaragoza`, from);
    expect(result.ticketId).toBeTruthy();
    const [ticket] = await t.db.query(`SELECT subject FROM tickets WHERE id = $1`, [result.ticketId]);
    expect(ticket.subject).not.toMatch(/[\ud800-\udfff]|\ufffd/u);
    const acks: Array<{ subject: string }> = await t.db.query(`SELECT payload->>'subject' AS subject FROM outbox WHERE recipient = $1`, [from]);
    expect(acks.length).toBe(1);
    expect(acks[0].subject).not.toMatch(/[\ud800-\udfff]|\ufffd/u);
    expect(acks[0].subject).not.toContain('Zaragoza'); // the cut was reached
  });

  it('lets an agent ask the citizen for information on such a ticket (a longer notice subject)', async () => {
    const agent = await t.user('agent');
    const from = 'rosa.pregunta@correo.mx';
    // the "Necesitamos información…" subject reaches 250 code units where the emoji is
    const result = await receive(`${headFor(250, `[${FOLIO}] Necesitamos información sobre su reporte: `)}🚧 en la calle Zaragoza`, from);
    const [{ folio }] = await t.db.query(`SELECT folio FROM tickets WHERE id = $1`, [result.ticketId]);
    await t.http().post(`/api/v1/tickets/${folio}/transitions`).set(agent.auth).send({ to: 'waiting_citizen', message: '¿Entre qué calles está la zanja?' }).expect(200);
    const rows: Array<{ subject: string }> = await t.db.query(`SELECT payload->>'subject' AS subject FROM outbox WHERE recipient = $1 ORDER BY id`, [from]);
    expect(rows.length).toBe(2);
    // the cut was reached (" en la calle Zaragoza" is gone) and kept the emoji whole
    expect(rows[1].subject).toMatch(/^\[SLP-\d{4}-\d{6}\] Necesitamos información sobre su reporte: Z+🚧$/u);
  });
});
