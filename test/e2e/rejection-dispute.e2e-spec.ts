// the app factory first: it loads the modules in the app's order (entities import each other)
import { startTestApp, type TestApp } from '../support/test-app';
import { IntakeService } from '../../src/intake/intake.service';

/**
 * A citizen answers a report marked «No procede» (the rejection mail invites them to): it stays
 * rejected — only a supervisor reverses it — but it is in nobody's queue, so the answer is an event
 * on the ticket and the area's supervisor is told by email, at most once a day per report.
 */
describe('a citizen answering a rejected report', () => {
  let t: TestApp;
  let supervisorEmail: string;
  beforeAll(async () => {
    t = await startTestApp({ SMTP_HOST: '127.0.0.1', SMTP_PORT: '2', MAIL_FROM: 'Atención Ciudadana <atencionciudadana@sanluis.gob.mx>', OUTBOX_WORKER: 'false', MAIL_ACK_RATE_LIMIT: '50' });
  });
  afterAll(async () => t?.close());

  let seq = 0;
  const mail = (from: string, text: string, extra: Record<string, unknown> = {}) =>
    t.app.get(IntakeService).receive({
      channel: 'email',
      externalId: `<disputa.${Date.now()}.${++seq}@correo.mx>`,
      sender: { name: 'Vecina', identities: [{ kind: 'email', value: from }] },
      subject: 'Árbol caído en la banqueta',
      text,
      ...extra,
    });

  async function rejectedReport(from: string): Promise<{ id: string; folio: string }> {
    const admin = await t.user('admin');
    supervisorEmail = `jefa.${seq}@sanluis.gob.mx`;
    const area = await t.http().post('/api/v1/areas').set(admin.auth).send({ code: `parques-${Date.now()}-${seq}`, name: 'Parques y Jardines', supervisorEmail }).expect(201);
    const created = await mail(from, 'Se cayó un árbol sobre la banqueta de la calle Arista.');
    const [{ folio }] = await t.db.query(`SELECT folio FROM tickets WHERE id = $1`, [created.ticketId]);
    await t.http().patch(`/api/v1/tickets/${folio}`).set(admin.auth).send({ areaId: area.body.id }).expect(200);
    await t.http().post(`/api/v1/tickets/${folio}/transitions`).set(admin.auth).send({ to: 'rejected', reason: 'El árbol está en propiedad privada.' }).expect(200);
    return { id: created.ticketId, folio };
  }
  const disputes = async (ticketId: string) =>
    (await t.db.query(`SELECT data FROM ticket_events WHERE ticket_id = $1 AND type = 'rejection_disputed' ORDER BY id`, [ticketId])).map((r: { data: { notified: boolean } }) => r.data.notified);
  const notices = async (ticketId: string): Promise<Array<{ recipient: string; subject: string }>> =>
    t.db.query(`SELECT recipient, payload->>'subject' AS subject FROM outbox WHERE ticket_id = $1 AND kind = 'rejection_disputed' ORDER BY id`, [ticketId]);

  it('records the answer, keeps the report rejected and tells the area supervisor once a day', async () => {
    const from = 'rosa.disputa@correo.mx';
    const ticket = await rejectedReport(from);
    const answer = await mail(from, 'No es propiedad privada, es la banqueta pública frente al 210.', { threadTicketId: ticket.id });
    expect(answer.ticketId).toBe(ticket.id);
    await mail(from, 'Les mando foto del lugar.', { threadTicketId: ticket.id });
    const [{ status }] = await t.db.query(`SELECT status FROM tickets WHERE id = $1`, [ticket.id]);
    expect(status).toBe('rejected');
    expect(await disputes(ticket.id)).toEqual([true, false]);
    expect(await notices(ticket.id)).toEqual([{ recipient: supervisorEmail, subject: `[${ticket.folio}] El ciudadano respondió a un reporte marcado «No procede»` }]);
    // visible in the ticket's trail
    const admin = await t.user('admin');
    const detail = await t.http().get(`/api/v1/tickets/${ticket.folio}`).set(admin.auth).expect(200);
    expect(detail.body.events.map((e: { type: string }) => e.type)).toContain('rejection_disputed');
  });

  it('says nothing for a third party\'s answer, an automatic mail, or a report merged into another', async () => {
    const from = 'beto.disputa@correo.mx';
    const ticket = await rejectedReport(from);
    await mail('vecino.copiado@correo.mx', 'Yo también vi el árbol.', { threadTicketId: ticket.id, fromThirdParty: true });
    await mail(from, 'Estoy fuera de la oficina.', { threadTicketId: ticket.id, automated: true });
    // a platform's "edited message" of the first report is a correction, not an answer
    await mail(from, '[mensaje editado] Se cayó un árbol sobre la banqueta de la calle Arista 12.', { threadTicketId: ticket.id, correction: true });
    expect(await disputes(ticket.id)).toEqual([]);

    const admin = await t.user('admin');
    const dup = await mail(from, 'Otra vez: el árbol de la calle Arista.');
    const own = await mail('otra.vecina@correo.mx', 'Árbol caído en Arista.');
    const folios = await t.db.query(`SELECT id, folio FROM tickets WHERE id = ANY($1::bigint[]) ORDER BY id`, [[dup.ticketId, own.ticketId]]);
    await t.http().post(`/api/v1/tickets/${folios[0].folio}/merge`).set(admin.auth).send({ intoFolio: folios[1].folio }).expect(200);
    await mail(from, '¿Y mi reporte?', { threadTicketId: dup.ticketId });
    expect(await disputes(dup.ticketId)).toEqual([]);
  });
});
