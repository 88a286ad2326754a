import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * duplicate_checks counts a ticket's failed searches and holds it back until its next try: one
 * ticket whose search keeps failing no longer rolls back its batch and blocks the queue at the
 * front; after a few failures it leaves the queue (DuplicateCheckWorker). Constant and now()
 * defaults: adding the columns does not rewrite the table.
 */
export class DuplicateCheckAttempts1764800001000 implements MigrationInterface {
  name = 'DuplicateCheckAttempts1764800001000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE duplicate_checks ADD COLUMN attempts int NOT NULL DEFAULT 0, ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE duplicate_checks DROP COLUMN next_attempt_at, DROP COLUMN attempts`);
  }
}
