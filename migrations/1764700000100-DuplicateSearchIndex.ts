import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Duplicate suggestions compared every new ticket with every open ticket of its category (one
 * trigram similarity each): fine on a test database, seconds per ticket at a city's scale. A
 * trigram GIN index on the same expression, over open tickets only, lets `%` find the candidates.
 */
export class DuplicateSearchIndex1764700000100 implements MigrationInterface {
  name = 'DuplicateSearchIndex1764700000100';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX ix_tickets_open_trgm ON tickets
      USING gin ((f_unaccent(lower(subject || ' ' || left(description, 2000)))) gin_trgm_ops)
      WHERE status IN ('new','assigned','in_progress','waiting_citizen') AND merged_into_id IS NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ix_tickets_open_trgm`);
  }
}
