import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Merging a duplicate answers nobody: it must not stamp the report's first response. Before, a
 * merge reversed (`to: new`) left the merge as the first response — the report never showed as
 * overdue and the monthly report counted an answer nobody gave.
 */
describe('a merge is no first response', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it('leaves a reversed duplicate unanswered, and overdue once its target passes', async () => {
    const supervisor = await t.user('supervisor');
    const capture = (subject: string) =>
      t.http().post('/api/v1/tickets').set(supervisor.auth).send({ subject, description: 'Bache profundo frente al número 45.', channel: 'phone', citizen: { name: 'Lupe Ramírez', phone: '444 555 0101' } }).expect(201);
    const a = (await capture('Bache en calle Galeana')).body;
    const b = (await capture('Bache en Galeana 45')).body;
    await t.http().post(`/api/v1/tickets/${b.folio}/merge`).set(supervisor.auth).send({ intoFolio: a.folio }).expect(200);
    await t.http().post(`/api/v1/tickets/${b.folio}/transitions`).set(supervisor.auth).send({ to: 'new', reason: 'No era el mismo bache' }).expect(200);
    const [row] = await t.db.query(`SELECT status, first_responded_at FROM tickets WHERE folio = $1`, [b.folio]);
    expect(row).toEqual({ status: 'new', first_responded_at: null });
    // its first-response target passes with nobody answering: it is overdue
    await t.db.query(`UPDATE tickets SET first_response_due_at = now() - interval '1 hour' WHERE folio = $1`, [b.folio]);
    const overdue = await t.http().get('/api/v1/tickets').query({ overdue: 'true' }).set(supervisor.auth).expect(200);
    expect(overdue.body.items.map((i: { folio: string }) => i.folio)).toContain(b.folio);
    // a real answer still stamps it
    await t.http().post(`/api/v1/tickets/${b.folio}/transitions`).set(supervisor.auth).send({ to: 'in_progress' }).expect(200);
    const [after] = await t.db.query(`SELECT first_responded_at FROM tickets WHERE folio = $1`, [b.folio]);
    expect(after.first_responded_at).not.toBeNull();
  });
});
