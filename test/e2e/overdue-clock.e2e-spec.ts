// the app (and its entities) first: the entity files import each other
import { startTestApp, TestApp } from '../support/test-app';
import { Clock } from '../../src/common/clock';
import { SlaJobsService } from '../../src/sla/sla-jobs.service';

const DAY = 86_400_000;
const MINUTE = 60_000;

/**
 * One clock for one idea: the first response a reply records, the detail's `overdue`, the queue's
 * `overdue` column and filter, and the SLA jobs' notices all read the injected Clock — not the
 * process clock, not the database's now(). The e2e suites move the Clock; so does this one.
 */
describe('overdue and first response follow the injected Clock (real PostgreSQL)', () => {
  let t: TestApp;
  let agent: Record<string, string>;
  let now: Date;

  beforeAll(async () => {
    t = await startTestApp({ SLA_JOBS_INTERVAL_SECONDS: '0' });
    agent = (await t.user('agent')).auth;
    now = new Date();
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(now));
  });
  afterAll(() => t?.close());

  const capture = async (subject: string, description: string): Promise<string> =>
    (await t.http().post('/api/v1/tickets').set(agent).send({ channel: 'phone', subject, description }).expect(201)).body.folio;
  const detail = async (folio: string) => (await t.http().get(`/api/v1/tickets/${folio}`).set(agent).expect(200)).body;
  /** the queue's answer for one ticket: is it under ?overdue=true, under ?overdue=false, and its `overdue` column */
  const inQueue = async (folio: string) => {
    const page = async (query: Record<string, string>) =>
      (await t.http().get('/api/v1/tickets').query(query).set(agent).expect(200)).body.items.find((i: { folio: string }) => i.folio === folio);
    const [yes, no, plain, search] = await Promise.all([
      page({ overdue: 'true' }),
      page({ overdue: 'false' }),
      page({}),
      // a text search runs the two-phase path: it judges `overdue` at the same instant
      page({ q: 'bache', overdue: 'true' }),
    ]);
    return { overdueFilter: Boolean(yes), notOverdueFilter: Boolean(no), column: plain?.overdue as boolean, searchOverdue: Boolean(search) };
  };
  const notices = async (folio: string): Promise<string[]> =>
    (
      await t.db.query(
        `SELECT e.data->>'target' AS target FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.folio = $1 AND e.type = 'sla_overdue' ORDER BY e.id`,
        [folio],
      )
    ).map((r: { target: string }) => r.target);

  it('a moved clock: the reply stamps its instant, and the detail, the queue and the SLA notices agree on overdue', async () => {
    const start = new Date();
    now = start;
    // "Bache": first response within 5 days, resolution within 40
    const folio = await capture('Bache', 'bache profundo en la Av. Himno Nacional');
    const created = await detail(folio);
    expect(created.category.code).toBe('bache');
    expect(new Date(created.dueDates.firstResponse).getTime()).toBe(start.getTime() + 5 * DAY);
    expect(created.overdue).toBe(false);
    expect(await inQueue(folio)).toEqual({ overdueFilter: false, notOverdueFilter: true, column: false, searchOverdue: false });

    // six days later on the Clock (a few seconds later in real time): the first response is overdue
    now = new Date(start.getTime() + 5 * DAY + MINUTE);
    expect((await detail(folio)).overdue).toBe(true);
    expect(await inQueue(folio)).toEqual({ overdueFilter: true, notOverdueFilter: false, column: true, searchOverdue: true });
    await t.app.get(SlaJobsService).notifyOverdue();
    expect(await notices(folio)).toEqual(['accept', 'first_response']);

    // the agent answers: the first response is the Clock's instant, and the ticket is no longer overdue
    now = new Date(start.getTime() + 5 * DAY + 2 * MINUTE);
    await t.http().post(`/api/v1/tickets/${folio}/replies`).set(agent).send({ body: 'Ya se programó la reparación.' }).expect(201);
    const answered = await detail(folio);
    expect(answered.firstRespondedAt).toBe(now.toISOString());
    expect(answered.overdue).toBe(false);
    expect(await inQueue(folio)).toEqual({ overdueFilter: false, notOverdueFilter: true, column: false, searchOverdue: false });

    // past the resolution target on the Clock: overdue everywhere again, and its notice goes out
    now = new Date(start.getTime() + 40 * DAY + MINUTE);
    expect((await detail(folio)).overdue).toBe(true);
    expect(await inQueue(folio)).toEqual({ overdueFilter: true, notOverdueFilter: false, column: true, searchOverdue: true });
    await t.app.get(SlaJobsService).notifyOverdue();
    expect(await notices(folio)).toEqual(['accept', 'first_response', 'resolution']);
  });

  it("a clock behind real time: past due by the database's now() but not by the Clock is not overdue anywhere", async () => {
    now = new Date();
    const folio = await capture('Bache', 'bache en la calle Zaragoza, otro más');
    // due an hour ago in real time; the Clock reads two hours ago
    await t.db.query(`UPDATE tickets SET first_response_due_at = now() - interval '1 hour' WHERE folio = $1`, [folio]);
    now = new Date(Date.now() - 2 * 3600_000);
    expect((await detail(folio)).overdue).toBe(false);
    expect(await inQueue(folio)).toEqual({ overdueFilter: false, notOverdueFilter: true, column: false, searchOverdue: false });
    await t.app.get(SlaJobsService).notifyOverdue();
    expect(await notices(folio)).toEqual([]);
  });
});
