// test-app first: it loads the entities in the order their circular references need
import { startTestApp, TestApp } from '../support/test-app';

jest.setTimeout(60_000);

describe('workflow fixes (real PostgreSQL)', () => {
  let t: TestApp;
  let agent: { auth: Record<string, string>; user: { id: string } };
  let supervisor: { auth: Record<string, string>; user: { id: string } };
  let areaId: string;

  beforeAll(async () => {
    t = await startTestApp({ MAIL_FROM: 'notificaciones@sanluis.gob.mx' });
    agent = await t.user('agent');
    supervisor = await t.user('supervisor');
    [{ id: areaId }] = await t.db.query(`SELECT id FROM areas WHERE active ORDER BY name LIMIT 1`);
  });
  afterAll(() => t.close());

  /** A phone report with no words the keyword routing knows: no category, no area. */
  const capture = async (citizen: Record<string, string> = { name: 'Rosa Elena Martínez', phone: '444 123 4567' }, extra: Record<string, unknown> = {}) => {
    const res = await t
      .http()
      .post('/api/v1/tickets')
      .set(agent.auth)
      .send({ subject: 'Consulta general', description: 'Quiere saber a quién dirigirse.', channel: 'phone', citizen, ...extra })
      .expect(201);
    return res.body as { folio: string; status: string; area: unknown; assignee: unknown };
  };
  const ticketRow = async (folio: string) =>
    (await t.db.query(`SELECT id, status, area_id, assignee_id, public_token FROM tickets WHERE folio = $1`, [folio]))[0] as {
      id: string;
      status: string;
      area_id: string | null;
      assignee_id: string | null;
      public_token: string;
    };

  describe('POST /tickets/{folio}/assign never leaves a Turnado ticket with nobody on it', () => {
    it('refuses areaId: null (400 naming areaId); the ticket keeps its area', async () => {
      const { folio } = await capture();
      const assigned = await t.http().post(`/api/v1/tickets/${folio}/assign`).set(agent.auth).send({ areaId }).expect(200);
      expect(assigned.body.status).toBe('assigned');
      const res = await t.http().post(`/api/v1/tickets/${folio}/assign`).set(agent.auth).send({ areaId: null }).expect(400);
      expect(JSON.stringify(res.body)).toContain('areaId');
      expect(await ticketRow(folio)).toMatchObject({ status: 'assigned', area_id: areaId });
    });

    it('refuses (409) un-assigning the only person on a Turnado ticket without area; keeps it when an area holds it', async () => {
      const { folio } = await capture();
      await t.http().post(`/api/v1/tickets/${folio}/assign`).set(supervisor.auth).send({ assigneeId: agent.user.id }).expect(200);
      expect(await ticketRow(folio)).toMatchObject({ status: 'assigned', area_id: null, assignee_id: agent.user.id });
      const res = await t.http().post(`/api/v1/tickets/${folio}/assign`).set(supervisor.auth).send({ assigneeId: null }).expect(409);
      expect(res.body.message).toMatch(/areaId/);
      expect(await ticketRow(folio)).toMatchObject({ status: 'assigned', area_id: null, assignee_id: agent.user.id });
      const [{ n }] = await t.db.query(
        `SELECT count(*)::int AS n FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.folio = $1 AND e.type = 'assigned'`,
        [folio],
      );
      expect(n).toBe(1);

      // with an area on it, the person may go: still Turnado, to the area
      await t.http().post(`/api/v1/tickets/${folio}/assign`).set(supervisor.auth).send({ areaId }).expect(200);
      const ok = await t.http().post(`/api/v1/tickets/${folio}/assign`).set(supervisor.auth).send({ assigneeId: null }).expect(200);
      expect(ok.body.status).toBe('assigned');
      expect(await ticketRow(folio)).toMatchObject({ status: 'assigned', area_id: areaId, assignee_id: null });
    });

    it('un-assigning a new ticket without area still leaves it new', async () => {
      const { folio } = await capture();
      const res = await t.http().post(`/api/v1/tickets/${folio}/assign`).set(supervisor.auth).send({ assigneeId: null }).expect(200);
      expect(res.body.status).toBe('new');
    });
  });
});
