import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { ThreadSearchVectorFromTrigger1764800000400 } from '../../migrations/1764800000400-ThreadSearchVectorFromTrigger';
import { buildDataSourceOptions } from '../../src/database/data-source';
import { createTestDatabase } from '../support/test-database';

jest.setTimeout(60_000);

describe('thread search words derived by the insert trigger (migration 1764800000400, real PostgreSQL)', () => {
  it('indexes citizen and agent messages, not notes or automatic mail, before and after the upgrade and after the downgrade', async () => {
    const db = await createTestDatabase();
    const cut = MIGRATIONS.indexOf(ThreadSearchVectorFromTrigger1764800000400);
    let ds = new DataSource({ ...buildDataSourceOptions(db.url, { poolSize: 1 }), migrations: MIGRATIONS.slice(0, cut) });
    const hasColumn = async () => (await ds.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'messages' AND column_name = 'search_vector'`))[0].n === 1;
    const message = (ticketId: string, direction: string, text: string, meta = '{}') =>
      ds.query(`INSERT INTO messages (ticket_id, direction, channel, body_text, public, meta) VALUES ($1, $2, 'email', $3, $4, $5::jsonb)`, [ticketId, direction, text, direction !== 'note', meta]);
    const finds = async (ticketId: string, word: string) =>
      (await ds.query(`SELECT messages_search @@ to_tsquery('spanish', f_unaccent($2)) AS hit FROM tickets WHERE id = $1`, [ticketId, word]))[0].hit as boolean;
    try {
      await ds.initialize();
      await ds.runMigrations({ transaction: 'each' });
      const [{ id }] = await ds.query(
        `INSERT INTO tickets (folio, subject, description, status, priority, channel, public_token, status_changed_at)
         VALUES ('SLP-2026-000001', 'Fuga', 'Fuga de agua', 'new', 'normal', 'email', 'tok-1', now()) RETURNING id`,
      );
      await message(id, 'inbound', 'La tubería revienta frente al jardín');
      expect(await hasColumn()).toBe(true);
      await ds.destroy();

      ds = new DataSource({ ...buildDataSourceOptions(db.url, { poolSize: 1 }), migrations: MIGRATIONS });
      await ds.initialize();
      await ds.runMigrations({ transaction: 'each' });
      expect(await hasColumn()).toBe(false);
      await message(id, 'outbound', 'Enviamos una cuadrilla de reparación');
      await message(id, 'note', 'Confidencial: vecino conflictivo');
      await message(id, 'outbound', 'Recibimos su reporte, consérvelo', '{"automatic": true}');
      await message(id, 'inbound', 'Sigue saliendo agua por la banqueta');
      expect(await finds(id, 'tuberia')).toBe(true); // indexed before the upgrade, kept
      expect(await finds(id, 'cuadrilla')).toBe(true);
      expect(await finds(id, 'banqueta')).toBe(true);
      expect(await finds(id, 'conflictivo')).toBe(false);
      expect(await finds(id, 'consérvelo')).toBe(false);

      while ((await ds.query(`SELECT count(*)::int AS n FROM typeorm_migrations WHERE name = $1`, ['ThreadSearchVectorFromTrigger1764800000400']))[0].n) {
        await ds.undoLastMigration({ transaction: 'each' });
      }
      expect(await hasColumn()).toBe(true);
      const [row] = await ds.query(`SELECT search_vector @@ to_tsquery('spanish', 'banquet') AS hit FROM messages WHERE body_text LIKE 'Sigue%'`);
      expect(row.hit).toBe(true); // the column is computed again for existing rows
      await message(id, 'inbound', 'Ahora también hay un socavón');
      expect(await finds(id, 'socavon')).toBe(true);
      await message(id, 'note', 'Nota interna sobre presupuesto');
      expect(await finds(id, 'presupuesto')).toBe(false);
    } finally {
      if (ds.isInitialized) await ds.destroy();
      await db.drop();
    }
  });
});
