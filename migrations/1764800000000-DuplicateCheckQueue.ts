import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tickets made by the mailbox reader and the social worker wait here for their duplicate search,
 * which runs after their creation has committed (DuplicateCheckWorker): the search scores every
 * near text among the open tickets of the category, too slow to sit inside an intake batch.
 */
export class DuplicateCheckQueue1764800000000 implements MigrationInterface {
  name = 'DuplicateCheckQueue1764800000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE duplicate_checks (
        ticket_id bigint PRIMARY KEY REFERENCES tickets(id),
        queued_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS duplicate_checks`);
  }
}
