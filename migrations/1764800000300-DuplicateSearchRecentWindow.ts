import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The duplicate search compares a new ticket with the most recent open tickets of its category
 * (a bounded window) instead of every open ticket sharing trigrams with it through a trigram GIN
 * index: with common words ("basura", "calle") that index matched most open tickets of the
 * category, so the cost grew with the backlog (~0.5 s per ticket on a million), and keeping the
 * index up to date was one of the dearest parts of every ticket insert. A b-tree on
 * (category, newest first) over open tickets serves the window.
 */
export class DuplicateSearchRecentWindow1764800000300 implements MigrationInterface {
  name = 'DuplicateSearchRecentWindow1764800000300';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX ix_tickets_open_category_created ON tickets (category_id, created_at DESC)
      WHERE status IN ('new','assigned','in_progress','waiting_citizen') AND merged_into_id IS NULL`);
    await q.query(`DROP INDEX IF EXISTS ix_tickets_open_trgm`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX ix_tickets_open_trgm ON tickets
      USING gin ((f_unaccent(lower(subject || ' ' || left(description, 2000)))) gin_trgm_ops)
      WHERE status IN ('new','assigned','in_progress','waiting_citizen') AND merged_into_id IS NULL`);
    await q.query(`DROP INDEX IF EXISTS ix_tickets_open_category_created`);
  }
}
