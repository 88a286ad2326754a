import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { FolioSequences1764800000100 } from '../../migrations/1764800000100-FolioSequences';
import { buildDataSourceOptions } from '../../src/database/data-source';
import { folioYear } from '../../src/tickets/folio';
import { TicketsService } from '../../src/tickets/tickets.service';
import { createTestDatabase } from '../support/test-database';
import { startTestApp, TestApp } from '../support/test-app';

jest.setTimeout(60_000);

describe('folio numbering from per-year sequences (real PostgreSQL)', () => {
  it('carries the old counters over when upgrading, and the downgrade restores them', async () => {
    const db = await createTestDatabase();
    const cut = MIGRATIONS.indexOf(FolioSequences1764800000100);
    const at = (migrations: typeof MIGRATIONS) => new DataSource({ ...buildDataSourceOptions(db.url, { poolSize: 1 }), migrations });
    let ds = at(MIGRATIONS.slice(0, cut));
    try {
      await ds.initialize();
      await ds.runMigrations({ transaction: 'each' });
      await ds.query(`INSERT INTO folio_counters (prefix, year, last_value) VALUES ('SLP', 2025, 7), ('SLP', 2026, 41), ('QRO', 2026, 3)`);
      await ds.destroy();

      ds = at(MIGRATIONS);
      await ds.initialize();
      await ds.runMigrations({ transaction: 'each' });
      const next = async (name: string) => Number((await ds.query(`SELECT nextval($1::regclass) AS n`, [name]))[0].n);
      expect(await next('folio_slp_2026')).toBe(42);
      expect(await next('folio_slp_2025')).toBe(8);
      expect(await next('folio_qro_2026')).toBe(4);
      expect(await ds.query(`SELECT to_regclass('folio_counters') AS t`)).toEqual([{ t: null }]);

      while ((await ds.query(`SELECT count(*)::int AS n FROM typeorm_migrations WHERE name = $1`, ['FolioSequences1764800000100']))[0].n) {
        await ds.undoLastMigration({ transaction: 'each' });
      }
      const rows = await ds.query(`SELECT prefix, year, last_value FROM folio_counters ORDER BY prefix, year`);
      expect(rows).toEqual([
        { prefix: 'QRO', year: 2026, last_value: 4 },
        { prefix: 'SLP', year: 2025, last_value: 8 },
        { prefix: 'SLP', year: 2026, last_value: 42 },
      ]);
    } finally {
      if (ds.isInitialized) await ds.destroy();
      await db.drop();
    }
  });

  describe('in the running service', () => {
    let t: TestApp;
    let agent: Record<string, string>;
    beforeAll(async () => {
      t = await startTestApp();
      agent = (await t.user('agent')).auth;
    });
    afterAll(() => t?.close());

    const capture = (subject: string) =>
      t.http().post('/api/v1/tickets').set(agent).set('Idempotency-Key', `folio-${Math.random().toString(36).slice(2)}`).send({ subject, description: 'Prueba de folio', channel: 'phone' }).expect(201);
    const number = (folio: string) => Number(folio.split('-')[2]);

    it('has next year\'s sequence ready from the start', async () => {
      const year = folioYear(new Date(), 'America/Mexico_City') + 1;
      const rows = await t.db.query(`SELECT sequencename FROM pg_sequences WHERE sequencename = $1`, [`folio_slp_${year}`]);
      expect(rows).toHaveLength(1);
    });

    it('never hands out a number twice: a creation that rolls back leaves a gap', async () => {
      const year = folioYear(new Date(), 'America/Mexico_City');
      const a = await capture('Primero');
      const runner = t.db.createQueryRunner();
      await runner.startTransaction();
      await runner.query(`SELECT nextval('folio_slp_${year}')`);
      await runner.rollbackTransaction();
      await runner.release();
      const b = await capture('Segundo');
      expect(number(b.body.folio)).toBe(number(a.body.folio) + 2);
    });

    it('creates a missing sequence on demand, after the highest folio of its year (never a repeat)', async () => {
      const year = folioYear(new Date(), 'America/Mexico_City');
      const before = await capture('Antes');
      await t.db.query(`DROP SEQUENCE folio_slp_${year}`); // e.g. a partial restore lost it
      const after = await capture('Después');
      expect(number(after.body.folio)).toBe(number(before.body.folio) + 1);
      // the first ticket of a year with no tickets yet is number 1
      await t.db.query(`DROP SEQUENCE IF EXISTS folio_slp_${year + 2}`);
      const [{ folio }] = await t.db.transaction((m) => t.app.get(TicketsService).allocateFolio(m, new Date(Date.UTC(year + 2, 5, 1))).then((f) => [{ folio: f }]));
      expect(folio).toBe(`SLP-${year + 2}-000001`);
    });
  });
});
