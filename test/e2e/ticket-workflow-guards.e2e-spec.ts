import { startTestApp, TestApp } from '../support/test-app';

// Guards on the ticket workflow found in review: taking a ticket someone else holds, turning over
// to nobody, repeated "turnado" mails, merge chains, and contact data on staff capture.
describe('ticket workflow guards (real PostgreSQL)', () => {
  let t: TestApp;
  let agent: Record<string, string>;
  let agentId: string;
  let otherAgent: Record<string, string>;
  let otherAgentId: string;
  let supervisor: Record<string, string>;
  let interapasId: string;

  beforeAll(async () => {
    t = await startTestApp();
    const a = await t.user('agent');
    [agent, agentId] = [a.auth, a.user.id];
    const b = await t.user('agent');
    [otherAgent, otherAgentId] = [b.auth, b.user.id];
    supervisor = (await t.user('supervisor')).auth;
    [{ id: interapasId }] = await t.db.query(`SELECT id FROM areas WHERE code = 'interapas'`);
  });
  afterAll(() => t.close());

  const capture = (body: Record<string, unknown> = {}) =>
    t
      .http()
      .post('/api/v1/tickets')
      .set(agent)
      .send({ subject: 'Reporte de prueba', description: 'Texto del reporte', channel: 'phone', ...body });
  const assign = (folio: string, body: Record<string, unknown>, auth = agent) => t.http().post(`/api/v1/tickets/${folio}/assign`).set(auth).send(body);
  const transition = (folio: string, body: Record<string, unknown>, auth = agent) => t.http().post(`/api/v1/tickets/${folio}/transitions`).set(auth).send(body);
  const statusMails = async (folio: string): Promise<number> =>
    (await t.db.query(`SELECT count(*)::int AS n FROM outbox o JOIN tickets t ON t.id = o.ticket_id WHERE t.folio = $1 AND o.kind = 'status_changed'`, [folio]))[0].n;

  describe('POST /tickets/{folio}/assign', () => {
    it('refuses an agent taking a ticket another agent holds (409), and leaves it with its holder', async () => {
      const { body } = await capture().expect(201);
      await assign(body.folio, { assigneeId: agentId }).expect(200);
      const res = await assign(body.folio, { assigneeId: otherAgentId }, otherAgent).expect(409);
      expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict', code: 'CONFLICT' });
      expect(res.body.message).toMatch(/already assigned to .*supervisor/);
      expect(res.body.details.assignee.id).toBe(agentId);
      const after = await t.http().get(`/api/v1/tickets/${body.folio}`).set(agent).expect(200);
      expect(after.body.assignee.id).toBe(agentId);
      expect(after.body.events.filter((e: { type: string }) => e.type === 'assigned')).toHaveLength(1);
      // taking it again oneself is fine; a supervisor still re-assigns to others
      await assign(body.folio, { assigneeId: agentId }).expect(200);
      const moved = await assign(body.folio, { assigneeId: otherAgentId }, supervisor).expect(200);
      expect(moved.body.assignee.id).toBe(otherAgentId);
    });

    it('two agents taking the same ticket at once: one wins, the other gets 409', async () => {
      const { body } = await capture().expect(201);
      const results = await Promise.all([assign(body.folio, { assigneeId: agentId }), assign(body.folio, { assigneeId: otherAgentId }, otherAgent)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      const winner = results.find((r) => r.status === 200)!.body.assignee.id;
      const after = await t.http().get(`/api/v1/tickets/${body.folio}`).set(agent).expect(200);
      expect(after.body.assignee.id).toBe(winner);
    });

    it('honours expectedVersion like PATCH and transitions: a stale version is 409 VERSION_CONFLICT', async () => {
      const { body } = await capture().expect(201);
      await t.http().patch(`/api/v1/tickets/${body.folio}`).set(supervisor).send({ priority: 'high' }).expect(200);
      const stale = await assign(body.folio, { areaId: interapasId, expectedVersion: body.version }, supervisor).expect(409);
      expect(stale.body.code).toBe('VERSION_CONFLICT');
      expect(stale.body.details.currentVersion).toBe(body.version + 1);
      const fresh = await assign(body.folio, { areaId: interapasId, expectedVersion: body.version + 1 }, supervisor).expect(200);
      expect(fresh.body.area.id).toBe(interapasId);
      const bad = await assign(body.folio, { areaId: interapasId, expectedVersion: 'x' }, supervisor).expect(400);
      expect(bad.body.details.map((d: { field: string }) => d.field)).toEqual(['expectedVersion']);
    });

    it('un-assigning a new ticket with no area does not mark it Turnado', async () => {
      const { body } = await capture().expect(201);
      const res = await assign(body.folio, { assigneeId: null }, supervisor).expect(200);
      expect(res.body.status).toBe('new');
    });
  });

  describe('POST /tickets/{folio}/transitions to assigned', () => {
    it('refuses to turn over a ticket with no area and no assignee (409 pointing to /assign)', async () => {
      const { body } = await capture().expect(201);
      expect([body.area, body.assignee]).toEqual([null, null]);
      const res = await transition(body.folio, { to: 'assigned' }).expect(409);
      expect(res.body.code).toBe('CONFLICT');
      expect(res.body.message).toMatch(/no area and no assignee.*\/assign/);
      const after = await t.http().get(`/api/v1/tickets/${body.folio}`).set(agent).expect(200);
      expect(after.body.status).toBe('new');
      // with an area it may be turned over by a transition (e.g. back from in_progress)
      await t.http().patch(`/api/v1/tickets/${body.folio}`).set(agent).send({ areaId: interapasId }).expect(200);
      await transition(body.folio, { to: 'assigned' }).expect(200);
    });

    it('assigned → assigned changes nothing and sends no second "turnado" mail', async () => {
      const { body } = await capture({ citizen: { name: 'Rosa', email: 'rosa.turnado@correo.mx' } }).expect(201);
      const turned = await assign(body.folio, { areaId: interapasId }, supervisor).expect(200);
      expect(turned.body.status).toBe('assigned');
      expect(await statusMails(body.folio)).toBe(1);
      const again = await transition(body.folio, { to: 'assigned' }).expect(200);
      await transition(body.folio, { to: 'assigned', expectedVersion: again.body.version }).expect(200);
      const after = await t.http().get(`/api/v1/tickets/${body.folio}`).set(agent).expect(200);
      expect(after.body.status).toBe('assigned');
      expect(after.body.version).toBe(turned.body.version);
      expect(after.body.events.filter((e: { type: string; toStatus: string }) => e.toStatus === 'assigned')).toHaveLength(1);
      expect(await statusMails(body.folio)).toBe(1);
      // a message for the citizen would be lost: refused, pointing to replies
      const withMessage = await transition(body.folio, { to: 'assigned', message: 'Su reporte fue turnado' }).expect(400);
      expect(withMessage.body.details[0].field).toBe('message');
      expect(await statusMails(body.folio)).toBe(1);
    });
  });

  describe('POST /tickets/{folio}/merge', () => {
    it('merging B (which absorbed A) into C carries A along: C shows both, nothing points at B', async () => {
      const a = await capture({ description: 'Fuga frente al número 10', citizen: { name: 'Ana Cadena', email: 'ana.cadena@correo.mx' } }).expect(201);
      const b = await capture({ description: 'Fuga en la esquina del 10' }).expect(201);
      const c = await capture({ description: 'Fuga de agua en la calle, tercer aviso' }).expect(201);
      await t.http().post(`/api/v1/tickets/${a.body.folio}/merge`).set(supervisor).send({ intoFolio: b.body.folio }).expect(200);
      const merged = await t.http().post(`/api/v1/tickets/${b.body.folio}/merge`).set(supervisor).send({ intoFolio: c.body.folio }).expect(200);
      expect(merged.body.mergedTickets.map((m: { folio: string }) => m.folio).sort()).toEqual([a.body.folio, b.body.folio].sort());
      expect(merged.body.mergedTickets).toEqual(expect.arrayContaining([expect.objectContaining({ folio: a.body.folio, citizen: 'Ana Cadena' })]));
      expect(merged.body.thread.map((m: { bodyText: string }) => m.bodyText)).toEqual(
        expect.arrayContaining(['Fuga frente al número 10', 'Fuga en la esquina del 10', 'Fuga de agua en la calle, tercer aviso']),
      );
      const fromEvents = merged.body.events.filter((e: { type: string }) => e.type === 'merged_from').map((e: { data: { fromFolio: string } }) => e.data.fromFolio);
      expect(fromEvents).toEqual(expect.arrayContaining([a.body.folio, b.body.folio]));
      const first = await t.http().get(`/api/v1/tickets/${a.body.folio}`).set(agent).expect(200);
      expect(first.body.mergedInto).toBe(c.body.folio);
      expect(first.body.events.filter((e: { type: string }) => e.type === 'merged').map((e: { data: { intoFolio: string } }) => e.data.intoFolio)).toEqual([
        b.body.folio,
        c.body.folio,
      ]);
      const middle = await t.http().get(`/api/v1/tickets/${b.body.folio}`).set(agent).expect(200);
      expect(middle.body.mergedTickets).toEqual([]);
    });
  });

  describe('POST /tickets (staff capture): citizen contact', () => {
    it('refuses a malformed email or phone with 400 naming citizen.email and citizen.phone, storing nothing', async () => {
      const [before] = await t.db.query(`SELECT count(*)::int AS n FROM tickets`);
      const res = await capture({ citizen: { name: 'Juan', email: 'juan@', phone: '12' } }).expect(400);
      expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['citizen.email', 'citizen.phone']);
      expect(res.body.message).toMatch(/citizen\.email.*citizen\.phone/);
      await capture({ citizen: { phone: '444 12 34' } }).expect(400);
      await capture({ citizen: { email: 'juan perez@correo.mx' } }).expect(400);
      const [after] = await t.db.query(`SELECT count(*)::int AS n FROM tickets`);
      expect(after.n).toBe(before.n);
    });

    it('still takes good contacts (stored normalised) and blank ones as not given', async () => {
      const ok = await capture({ citizen: { name: 'Juan', email: ' Juan.Perez@Correo.MX ', phone: '+52 1 444 222 3344' } }).expect(201);
      expect(ok.body.citizen.identities).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'email', value: 'juan.perez@correo.mx' }),
          expect.objectContaining({ kind: 'phone', value: '+524442223344' }),
        ]),
      );
      const blank = await capture({ citizen: { name: 'Sin datos', email: '', phone: '  ' } }).expect(201);
      expect(blank.body.citizen.identities).toEqual([]);
    });
  });
});
