// the app first: it loads the entities in an order their circular imports accept
import { startAppWithLogCapture, LogCapture } from '../support/log-capture';
import type { TestApp } from '../support/test-app';
import type { EntityManager } from 'typeorm';
import { DuplicateCheckWorker, MAX_DUPLICATE_CHECK_ATTEMPTS } from '../../src/routing/duplicate-check.worker';
import { DuplicateFinderService } from '../../src/routing/duplicate-finder.service';

/**
 * The deferred duplicate search (duplicate_checks): a ticket whose search fails must not roll back
 * the others of its batch nor block the queue; it is tried again later and, after
 * MAX_DUPLICATE_CHECK_ATTEMPTS failures, leaves the queue with a warning that names it by id only.
 */
describe('duplicate check queue: a ticket whose search keeps failing', () => {
  let t: TestApp;
  let logs: LogCapture;
  const ADDRESS = 'Calle Zaragoza 120, casa de Rosa Elvira Quintanar';

  beforeAll(async () => {
    ({ t, logs } = await startAppWithLogCapture({ BACKGROUND_WORKERS: 'false' }));
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  it('is retried later and then dropped, while the tickets behind it are searched', async () => {
    // written directly: the tickets' own intake is not under test here
    const ids: string[] = [];
    for (const [i, subject] of ['Fuga que rompe la búsqueda', 'Bache en Av. Carranza', 'Luminaria apagada'].entries()) {
      const [row] = await t.db.query(
        `INSERT INTO tickets (folio, subject, description, channel, public_token) VALUES ($1::text, $2, $3, 'phone', md5($1::text)) RETURNING id::text AS id`,
        [`DUP-2026-00000${i + 1}`, subject, `Reporte: ${subject}. ${ADDRESS}`],
      );
      ids.push(row.id as string);
    }
    const [poison, ...others] = ids; // the lowest id: the front of the queue
    await t.db.query(`DELETE FROM duplicate_checks`);
    await t.db.query(`INSERT INTO duplicate_checks (ticket_id) SELECT unnest($1::bigint[])`, [ids]);

    const finder = t.app.get(DuplicateFinderService);
    const suggest = finder.suggest.bind(finder);
    const searched: string[] = [];
    jest.spyOn(finder, 'suggest').mockImplementation(async (manager: EntityManager, ticket) => {
      searched.push(String(ticket.id));
      // a database error aborts the transaction (only a savepoint lets the batch go on); its message quotes the text
      if (String(ticket.id) === poison) await manager.query(`SELECT $1::int`, [ADDRESS]);
      return suggest(manager, ticket);
    });
    const worker = t.app.get(DuplicateCheckWorker);
    type QueueRow = { id: string; attempts: number; deferred: boolean };
    const queue = async (): Promise<QueueRow[]> =>
      t.db.query(`SELECT ticket_id::text AS id, attempts, next_attempt_at > now() AS deferred FROM duplicate_checks ORDER BY ticket_id`);

    await expect(worker.drain()).resolves.toBe(3);
    expect(searched).toEqual(ids);
    expect(await queue()).toEqual([{ id: poison, attempts: 1, deferred: true }]);
    // deferred: the next round does not pick it again at once
    await expect(worker.drain()).resolves.toBe(0);

    for (let attempt = 2; attempt <= MAX_DUPLICATE_CHECK_ATTEMPTS; attempt += 1) {
      await t.db.query(`UPDATE duplicate_checks SET next_attempt_at = now() WHERE ticket_id = $1`, [poison]);
      await worker.drain();
      expect(await queue()).toEqual(attempt < MAX_DUPLICATE_CHECK_ATTEMPTS ? [{ id: poison, attempts: attempt, deferred: true }] : []);
    }
    expect(searched.filter((id) => id === poison)).toHaveLength(MAX_DUPLICATE_CHECK_ATTEMPTS);
    expect(searched.filter((id) => others.includes(id))).toEqual(others); // searched once each

    const warnings = logs.lines().filter((l) => l.ticketId === poison);
    expect(warnings).toHaveLength(MAX_DUPLICATE_CHECK_ATTEMPTS);
    expect(warnings.every((l) => l.level === 40)).toBe(true);
    expect(warnings.at(-1)).toMatchObject({ givenUp: true, attempts: MAX_DUPLICATE_CHECK_ATTEMPTS, code: '22P02' });
    const text = JSON.stringify(warnings);
    expect(text).not.toContain('Zaragoza');
    expect(text).not.toContain('Rosa Elvira');
  });
});
