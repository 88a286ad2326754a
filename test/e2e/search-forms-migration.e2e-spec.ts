import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { SearchSpanishWordForms1764800001400 } from '../../migrations/1764800001400-SearchSpanishWordForms';
import { buildDataSourceOptions } from '../../src/database/data-source';
import { createTestDatabase } from '../support/test-database';

jest.setTimeout(60_000);

describe('search word forms (migration 1764800001400, real PostgreSQL)', () => {
  it('recomputes existing tickets and threads, keeps new ones by trigger, and reverts to the generated column', async () => {
    const db = await createTestDatabase();
    const cut = MIGRATIONS.indexOf(SearchSpanishWordForms1764800001400);
    expect(cut).toBeGreaterThan(0);
    let ds = new DataSource({ ...buildDataSourceOptions(db.url, { poolSize: 1 }), migrations: MIGRATIONS.slice(0, cut) });
    const generated = async () =>
      (await ds.query(`SELECT attgenerated AS g FROM pg_attribute WHERE attrelid = 'tickets'::regclass AND attname = 'search_vector' AND NOT attisdropped`))[0].g === 's';
    const ticket = async (folio: string, subject: string, description: string) =>
      String(
        (
          await ds.query(
            `INSERT INTO tickets (folio, subject, description, status, priority, channel, public_token, status_changed_at)
             VALUES ($1, $2, $3, 'new', 'normal', 'email', $1, now()) RETURNING id`,
            [folio, subject, description],
          )
        )[0].id,
      );
    const message = async (ticketId: string, text: string) =>
      ds.query(`INSERT INTO messages (ticket_id, direction, channel, body_text, public) VALUES ($1, 'inbound', 'email', $2, true)`, [ticketId, text]);
    /** the ids the queue's text search finds (the new query), or the old query's */
    const finds = async (q: string, old = false) => {
      const tsq = old ? `websearch_to_tsquery('spanish', f_unaccent($1))` : `f_search_tsquery($1)`;
      return (await ds.query(`SELECT id::text FROM tickets WHERE search_vector @@ ${tsq} OR messages_search @@ ${tsq} ORDER BY id`, [q])).map((r: { id: string }) => r.id);
    };
    try {
      await ds.initialize();
      await ds.runMigrations({ transaction: 'each' });
      expect(await generated()).toBe(true);
      const flood = await ticket('SLP-2026-000001', 'Inundación en la calle', 'El agua entra a las casas');
      const thread = await ticket('SLP-2026-000002', 'Queja', 'Sin detalle');
      await message(thread, 'Sigue la reparación de la tubería');
      expect(await finds('inundaciones', true)).toEqual([]); // the defect
      await ds.destroy();

      ds = new DataSource({ ...buildDataSourceOptions(db.url, { poolSize: 1 }), migrations: MIGRATIONS.slice(0, cut + 1) });
      await ds.initialize();
      await ds.runMigrations({ transaction: 'each' });
      expect(await generated()).toBe(false);
      const [ix] = await ds.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_tickets_search'`);
      expect(ix.indexdef).toContain('gin (search_vector)');
      // existing rows were recomputed: both forms
      expect(await finds('inundaciones')).toEqual([flood]);
      expect(await finds('inundacion')).toEqual([flood]);
      expect(await finds('reparaciones')).toEqual([thread]);
      expect(await finds('tuberías')).toEqual([thread]);
      expect(await finds('inundación', true)).toEqual([flood]); // the old query still matches
      // new and edited rows: the trigger
      const later = await ticket('SLP-2026-000003', 'Instalaciones eléctricas dañadas', 'Cables sueltos');
      expect(await finds('instalación')).toEqual([later]);
      await ds.query(`UPDATE tickets SET description = 'Hubo inundaciones otra vez' WHERE id = $1`, [later]);
      expect(await finds('inundacion')).toEqual([flood, later]);
      expect(await finds('instalacion')).toEqual([later]); // the subject is still there
      await message(flood, 'Mandaron reparaciones');
      expect(await finds('reparación')).toEqual([flood, thread]);

      await ds.undoLastMigration({ transaction: 'each' });
      expect(await generated()).toBe(true);
      expect(await finds('inundación', true)).toEqual([flood]); // the generated column, computed again
      expect((await ds.query(`SELECT count(*)::int AS n FROM pg_proc WHERE proname IN ('f_search_tsquery', 'f_search_tsvector', 'tickets_search_vector_fill')`))[0].n).toBe(0);
      await message(thread, 'Ahora también hay un socavón');
      expect(await finds('socavon', true)).toEqual([thread]);

      await ds.runMigrations({ transaction: 'each' }); // and up again
      expect(await generated()).toBe(false);
      expect(await finds('inundaciones')).toEqual([flood, later]);
    } finally {
      if (ds.isInitialized) await ds.destroy();
      await db.drop();
    }
  });

  it('is not stalled by an earlier release starting meanwhile, blocked in pg_advisory_lock on the migration lock', async () => {
    const db = await createTestDatabase();
    const cut = MIGRATIONS.indexOf(SearchSpanishWordForms1764800001400);
    let ds = new DataSource({ ...buildDataSourceOptions(db.url, { poolSize: 1 }), migrations: MIGRATIONS.slice(0, cut) });
    const holder = new Client({ connectionString: db.url });
    const waiter = new Client({ connectionString: db.url });
    waiter.on('error', () => undefined);
    try {
      await ds.initialize();
      await ds.runMigrations({ transaction: 'each' });
      await ds.destroy();
      // this release's migrating instance holds the lock (src/database/migrate.ts); one of the
      // previous release waits for it inside a statement, as that release did
      await holder.connect();
      await waiter.connect();
      await holder.query('SELECT pg_advisory_lock(7216335001)');
      const waiting = waiter.query('SELECT pg_advisory_lock(7216335001)').then(() => 'got the lock', (err: Error) => `ended: ${err.message}`);
      await new Promise((r) => setTimeout(r, 300));
      ds = new DataSource({ ...buildDataSourceOptions(db.url, { poolSize: 1 }), migrations: MIGRATIONS.slice(0, cut + 1) });
      await ds.initialize();
      // CREATE INDEX CONCURRENTLY waits for the waiter's snapshot: without the release it never ends
      const migrated = ds.runMigrations({ transaction: 'each' }).then((done) => done.map((m) => m.name));
      const timeout = new Promise<string[]>((_, reject) => setTimeout(() => reject(new Error('the migration stalled')), 30_000));
      expect(await Promise.race([migrated, timeout])).toEqual(['SearchSpanishWordForms1764800001400']);
      expect(await waiting).toMatch(/^ended: .*terminat/);
    } finally {
      await holder.end().catch(() => undefined);
      await waiter.end().catch(() => undefined);
      if (ds.isInitialized) await ds.destroy();
      await db.drop();
    }
  });
});
