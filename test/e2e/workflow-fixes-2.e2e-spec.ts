// test-app first: it loads the entities in the order their circular references need
import { startTestApp, TestApp } from '../support/test-app';

jest.setTimeout(60_000);

describe('workflow fixes 2 (real PostgreSQL)', () => {
  let t: TestApp;
  let admin: Record<string, string>;
  let agent: { auth: Record<string, string>; user: { id: string; name: string } };
  let supervisor: { auth: Record<string, string>; user: { id: string } };

  beforeAll(async () => {
    t = await startTestApp({ MAIL_FROM: 'notificaciones@sanluis.gob.mx' });
    admin = (await t.user('admin')).auth;
    agent = await t.user('agent');
    supervisor = await t.user('supervisor');
  });
  afterAll(() => t.close());

  /** A phone report with no words the keyword routing knows: no category, no area. */
  const capture = async (citizen: Record<string, string> | undefined = { name: 'Rosa Elena Martínez', phone: '444 123 4567' }) => {
    const res = await t
      .http()
      .post('/api/v1/tickets')
      .set(agent.auth)
      .send({ subject: 'Consulta general', description: 'Quiere saber a quién dirigirse.', channel: 'phone', ...(citizen ? { citizen } : {}) })
      .expect(201);
    return res.body as { folio: string };
  };
  const assigneeOf = async (folio: string) => (await t.db.query(`SELECT assignee_id FROM tickets WHERE folio = $1`, [folio]))[0].assignee_id as string | null;

  describe('a ticket held by a deactivated or demoted user can be taken by an agent', () => {
    const take = (folio: string, who: { auth: Record<string, string>; user: { id: string } }) =>
      t.http().post(`/api/v1/tickets/${folio}/assign`).set(who.auth).send({ assigneeId: who.user.id });
    const assignedEvents = async (folio: string) =>
      (
        await t.db.query(
          `SELECT e.actor_user_id, e.data FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.folio = $1 AND e.type = 'assigned' ORDER BY e.id`,
          [folio],
        )
      ).map((r: { actor_user_id: string; data: Record<string, unknown> }) => ({ actor: r.actor_user_id, data: r.data }));

    it.each([
      ['deactivated', { active: false }, 'inactive'],
      ['changed to the press role', { role: 'press' }, 'not_staff'],
    ])('holder %s: another agent takes it (200), the event says from whom', async (_label, change, why) => {
      const holder = await t.user('agent');
      const { folio } = await capture();
      await take(folio, holder).expect(200);
      expect(await assigneeOf(folio)).toBe(holder.user.id);
      await t.http().patch(`/api/v1/users/${holder.user.id}`).set(admin).send(change).expect(200);

      const res = await take(folio, agent).expect(200);
      expect(res.body.assignee.id).toBe(agent.user.id);
      expect(res.body.status).toBe('assigned');
      expect(await assigneeOf(folio)).toBe(agent.user.id);
      const events = await assignedEvents(folio);
      expect(events).toHaveLength(2);
      expect(events[1]).toMatchObject({
        actor: agent.user.id,
        data: {
          from: { assigneeId: holder.user.id },
          to: { assigneeId: agent.user.id },
          takenFrom: { id: holder.user.id, name: holder.user.name, reason: why },
        },
      });
    });

    it('unchanged: an active agent holder keeps it (409); a supervisor still re-assigns', async () => {
      const holder = await t.user('agent');
      const { folio } = await capture();
      await take(folio, holder).expect(200);
      const res = await take(folio, agent).expect(409);
      expect(res.body.message).toMatch(/already assigned to .*only a supervisor may re-assign it/);
      expect(await assigneeOf(folio)).toBe(holder.user.id);
      // a holder promoted to supervisor is still active staff
      await t.http().patch(`/api/v1/users/${holder.user.id}`).set(admin).send({ role: 'supervisor' }).expect(200);
      await take(folio, agent).expect(409);
      await t.http().post(`/api/v1/tickets/${folio}/assign`).set(supervisor.auth).send({ assigneeId: agent.user.id }).expect(200);
      expect(await assigneeOf(folio)).toBe(agent.user.id);
      expect((await assignedEvents(folio))[1].data).not.toHaveProperty('takenFrom');
    });
  });
});
