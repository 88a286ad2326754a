import type { DataSource } from 'typeorm';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Two merges of the same pair of citizens in opposite directions (A into B, B into A) at once:
 * one merges, the other answers 409 — never a deadlock (PostgreSQL 40P01, a 500).
 *
 * The interleaving that deadlocked is forced, not hoped for: a transaction of the test holds A's
 * row (FOR KEY SHARE, as an intake storing a message of A does). The merge of A into B is started
 * and waits for A; then the merge of B into A is started and waits too. Only when both wait is A
 * let go. A merge that locks the record merged before the target had taken B by then and the two
 * wait on each other; locking both rows in id order, they queue one behind the other.
 */
describe('citizen merges in opposite directions', () => {
  let t: TestApp;
  let agent: Record<string, string>;
  beforeAll(async () => {
    t = await startTestApp();
    agent = (await t.user('agent')).auth;
  });
  afterAll(() => t.close());

  let n = 0;
  const citizen = async () => {
    n += 1;
    const { body } = await t
      .http()
      .post('/api/v1/tickets')
      .set(agent)
      .send({ subject: 'Fuga de agua', description: 'Sale agua de la banqueta', channel: 'phone', citizen: { name: `Vecina ${n}`, email: `vecina${n}@correo.mx` } })
      .expect(201);
    return { id: body.citizen.id as string, folio: body.folio as string };
  };
  const merge = (id: string, intoId: string) =>
    t
      .http()
      .post(`/api/v1/citizens/${id}/merge`)
      .set(agent)
      .send({ intoCitizenId: intoId })
      .then((r) => r);

  // the row held first is the lower id in one case and the higher in the other: both orders
  for (const heldFirst of ['lower', 'higher'] as const) {
    it(`one merges, the other answers 409 (the record merged has the ${heldFirst} id)`, async () => {
      const [x, y] = [await citizen(), await citizen()];
      const [a, b] = (x.id < y.id) === (heldFirst === 'lower') ? [x, y] : [y, x];

      const holder = t.db.createQueryRunner();
      await holder.connect();
      let first: ReturnType<typeof merge>;
      let second: ReturnType<typeof merge>;
      try {
        await holder.startTransaction();
        await holder.query(`SELECT id FROM citizens WHERE id = $1 FOR KEY SHARE`, [a.id]);
        first = merge(a.id, b.id);
        first.catch(() => undefined);
        await waitForMergesWaiting(t.db, 1);
        second = merge(b.id, a.id);
        second.catch(() => undefined);
        await waitForMergesWaiting(t.db, 2);
        await holder.commitTransaction();
      } finally {
        if (holder.isTransactionActive) await holder.rollbackTransaction();
        await holder.release();
      }
      const [r1, r2] = await Promise.all([first, second]);

      // the first to ask merges; the second then finds A merged
      expect({ status: r1.status, message: r1.body.message }).toEqual({ status: 200, message: undefined });
      expect({ status: r2.status, message: r2.body.message }).toEqual({ status: 409, message: 'Citizen was already merged' });
      expect(r1.body.id).toBe(b.id);
      expect(r1.body.tickets.map((tk: { folio: string }) => tk.folio).sort()).toEqual([a.folio, b.folio].sort());

      const rows: Array<{ id: string; merged_into_id: string | null }> = await t.db.query(
        `SELECT id, merged_into_id FROM citizens WHERE id IN ($1, $2)`,
        [a.id, b.id],
      );
      expect(Object.fromEntries(rows.map((r) => [r.id, r.merged_into_id]))).toEqual({ [a.id]: b.id, [b.id]: null });
    });
  }

  it('a citizen id in capitals is still the same citizen (no merge into itself)', async () => {
    const a = await citizen();
    await t.http().post(`/api/v1/citizens/${a.id}/merge`).set(agent).send({ intoCitizenId: a.id.toUpperCase() }).expect(400);
    const [row]: Array<{ merged_into_id: string | null }> = await t.db.query(`SELECT merged_into_id FROM citizens WHERE id = $1`, [a.id]);
    expect(row.merged_into_id).toBeNull();
  });
});

/** Waits until `count` sessions of this test database wait for a row lock on citizens. */
async function waitForMergesWaiting(db: DataSource, count: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [{ n }]: Array<{ n: number }> = await db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query ILIKE '%citizens%'`,
    );
    if (n >= count) return;
    if (Date.now() > until) throw new Error(`${count} merges did not come to wait for a lock (${n} waiting)`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
