// the app first: it loads the entities in an order their circular imports accept
import { startTestApp, TestApp } from '../support/test-app';
import type { DataSource, QueryRunner } from 'typeorm';
import { pgCode } from '../../src/database/transient-error';
import { IntakeService } from '../../src/intake/intake.service';
import { RetentionService } from '../../src/personal-data/retention.service';

/**
 * The retention job against intake's locks. Intake takes the sender's citizen FOR KEY SHARE and
 * then the thread's ticket FOR UPDATE; a run that kept one citizen's tickets locked while it waited
 * for the next citizen deadlocked with a mail from that next citizen on the first one's thread.
 * Each citizen now commits before the next is locked; a lock conflict it still loses (deadlock)
 * is tried again later in the run instead of leaving that citizen out.
 */
describe('retention run against concurrent intake: no deadlock, lock conflicts retried', () => {
  let t: TestApp;
  let retention: RetentionService;
  let intake: IntakeService;
  let n = 0;

  beforeAll(async () => {
    // no background workers: the hourly timer stays off, the test starts each run
    t = await startTestApp({ RETENTION_DAYS: '30', BACKGROUND_WORKERS: 'false' });
    retention = t.app.get(RetentionService);
    intake = t.app.get(IntakeService);
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  const mail = (email: string, extra: { threadTicketId?: string; fromThirdParty?: boolean } = {}) => {
    n += 1;
    return intake.receive({
      channel: 'email',
      externalId: `<retencion-${n}@correo-prueba.mx>`,
      sender: { name: `Vecina ${n}`, identities: [{ kind: 'email', value: email }] },
      subject: 'Luminaria apagada',
      text: `Mensaje ${n}: la luminaria de la esquina sigue apagada.`,
      deferDuplicateSearch: true, // as the mailbox reader sends it
      ...extra,
    });
  };

  /** A citizen (by its first mail) whose only ticket was closed that many days ago. */
  const closedCitizen = async (email: string, daysAgo: number) => {
    const r = await mail(email);
    await t.db.query(
      `UPDATE tickets SET status = 'closed', status_changed_at = now() - make_interval(days => $2), closed_at = now() - make_interval(days => $2) WHERE id = $1`,
      [r.ticketId, daysAgo],
    );
    const [{ citizen_id }] = await t.db.query(`SELECT citizen_id FROM tickets WHERE id = $1`, [r.ticketId]);
    return { citizenId: String(citizen_id), ticketId: String(r.ticketId) };
  };
  const anonymised = async (citizenId: string) =>
    (await t.db.query(`SELECT anonymised_at IS NOT NULL AS a FROM citizens WHERE id = $1`, [citizenId]))[0].a as boolean;
  const logsOf = () => {
    const logger = (retention as unknown as { logger: { warn: (...a: unknown[]) => void; error: (...a: unknown[]) => void } }).logger;
    return { warn: jest.spyOn(logger, 'warn'), error: jest.spyOn(logger, 'error') };
  };

  it('does not deadlock with a mail from the next citizen on the thread of the one it just anonymised', async () => {
    // X is due first (closed longer ago), then A
    const x = await closedCitizen('xochitl.primera@correo-prueba.mx', 60);
    const a = await closedCitizen('abril.segunda@correo-prueba.mx', 40);
    const logs = logsOf();

    // a second connection keeps A's row FOR KEY SHARE: the run stops on A (after X) until it commits
    const holder = await begin(t.db);
    let run!: Promise<{ anonymised: number; skipped: boolean }>;
    let intakeDone!: Promise<Outcome<unknown>>;
    try {
      await holder.query(`SELECT 1 FROM citizens WHERE id = $1 FOR KEY SHARE`, [a.citizenId]);
      run = retention.run();
      run.catch(() => undefined); // awaited below
      await waitForLockWaiters(t.db, 1, { query: /anonymised_at IS NULL AND merged_into_id IS NULL FOR UPDATE/ });
      expect(await anonymised(a.citizenId)).toBe(false); // the run waits on A …

      // … when A writes on X's thread (a neighbour in copy): intake holds A FOR KEY SHARE (compatible
      // with the holder's), then locks X's ticket. The old run still held it (X not committed)
      let finished = false;
      intakeDone = settle(mail('abril.segunda@correo-prueba.mx', { threadTicketId: x.ticketId, fromThirdParty: true })).finally(() => (finished = true));
      // it either finishes at once, or (the old code) waits for X's ticket
      await waitForLockWaiters(t.db, 2, { unless: () => finished });
      await holder.commitTransaction(); // the run takes A: with the old code, a cycle (40P01)
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }

    // both settle before anything is checked (the old code's run goes on once the intake is cancelled)
    const [mailed, ran] = await Promise.all([intakeDone, settle(run)]);
    // not cancelled as a deadlock victim (the old code: 40P01)
    expect(mailed.ok ? 'committed' : `failed: ${pgCode(mailed.error) || String(mailed.error)}`).toBe('committed');
    expect(mailed).toMatchObject({ value: { outcome: 'created_linked' } });
    // X is anonymised; A is not: its new report (the intake committed first) keeps it, checked under its lock
    expect(ran).toEqual({ ok: true, value: { anonymised: 1, skipped: false } });
    expect(await anonymised(x.citizenId)).toBe(true);
    expect(await anonymised(a.citizenId)).toBe(false);
    const ticket = (mailed as { value: { ticketId: string } }).value.ticketId;
    const [fresh] = await t.db.query(`SELECT citizen_id, linked_ticket_id, status FROM tickets WHERE id = $1`, [ticket]);
    expect({ citizen: String(fresh.citizen_id), linked: String(fresh.linked_ticket_id), open: fresh.status !== 'closed' }).toEqual({
      citizen: a.citizenId,
      linked: x.ticketId,
      open: true,
    });
    expect(logs.error).not.toHaveBeenCalled();
    expect(logs.warn).not.toHaveBeenCalled();
    // nothing held: a later run anonymises nobody else, and takes the lock again
    expect(await retention.run()).toEqual({ anonymised: 0, skipped: false });
  });

  it('tries a citizen again later in the run when its transaction is cancelled as a deadlock victim', async () => {
    const b = await closedCitizen('bruno.bloqueado@correo-prueba.mx', 45);
    const logs = logsOf();

    // a second connection holds B's ticket: the run locks B, then waits for the ticket …
    const holder = await begin(t.db);
    let run!: Promise<{ anonymised: number; skipped: boolean }>;
    try {
      await holder.query(`SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE`, [b.ticketId]);
      run = retention.run();
      run.catch(() => undefined); // awaited below
      await waitForLockWaiters(t.db, 1);
      // … and the holder then asks for B's row: a cycle. The run waited first, so its deadlock check
      // (deadlock_timeout after it began waiting) finds the cycle and cancels it; the holder goes on
      await holder.query(`SELECT 1 FROM citizens WHERE id = $1 FOR KEY SHARE`, [b.citizenId]);
      expect(await anonymised(b.citizenId)).toBe(false);
      await holder.commitTransaction();
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }

    // the run went on and tried B again once the others were done: B is not left for the next run
    expect(await run).toEqual({ anonymised: 1, skipped: false });
    expect(await anonymised(b.citizenId)).toBe(true);
    expect(logs.warn).toHaveBeenCalledWith(expect.objectContaining({ citizenId: b.citizenId, code: '40P01', attempt: 1 }), expect.any(String));
    expect(logs.error).not.toHaveBeenCalled();
    const events = await t.db.query(`SELECT count(*)::int AS n FROM ticket_events WHERE ticket_id = $1 AND type = 'anonymised'`, [b.ticketId]);
    expect(events).toEqual([{ n: 1 }]);
  });
});

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(p: Promise<T>): Promise<Outcome<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

async function begin(db: DataSource): Promise<QueryRunner> {
  const qr = db.createQueryRunner();
  await qr.connect();
  await qr.startTransaction();
  return qr;
}

/**
 * Waits until `count` sessions of this test database wait for a lock (those whose query matches,
 * when given), or until `unless()` holds.
 */
async function waitForLockWaiters(db: DataSource, count: number, { query, unless }: { query?: RegExp; unless?: () => boolean } = {}, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (unless?.()) return;
    const rows: Array<{ query: string }> = await db.query(
      `SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
    );
    if (rows.filter((r) => !query || query.test(r.query)).length >= count) return;
    if (Date.now() > until) throw new Error(`fewer than ${count} sessions waited for a lock`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
