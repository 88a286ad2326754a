import { startTestApp, type TestApp } from '../support/test-app';

/** A thread longer than the detail shows (1,000 messages): the newest are shown, oldest first. */
describe('ticket detail of a very long thread', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it('shows the newest 1,000 messages, oldest first, not the oldest 1,000', async () => {
    const agent = await t.user('agent');
    const created = await t.http().post('/api/v1/tickets').set(agent.auth).send({ subject: 'Fuga que no termina', description: 'Fuga de agua en la calle Arista', channel: 'phone' }).expect(201);
    const [{ id }] = await t.db.query(`SELECT id FROM tickets WHERE folio = $1`, [created.body.folio]);
    await t.db.query(
      `INSERT INTO messages (ticket_id, direction, channel, body_text, public, created_at)
       SELECT $1, 'note', 'phone', 'Nota ' || n, false, now() + n * interval '1 second' FROM generate_series(1, 1005) AS n`,
      [id],
    );
    const detail = await t.http().get(`/api/v1/tickets/${created.body.folio}`).set(agent.auth).expect(200);
    const texts: string[] = detail.body.thread.map((m: { bodyText: string }) => m.bodyText);
    expect(texts).toHaveLength(1000);
    expect(texts[texts.length - 1]).toBe('Nota 1005');
    expect(texts[0]).toBe('Nota 6');
  });
});
