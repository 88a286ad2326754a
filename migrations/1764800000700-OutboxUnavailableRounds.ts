import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * outbox.attempts counts every claim (a crash is an attempt too) and drives the backoff. Rounds in
 * which the server could not be reached were counted as well, so after a long SMTP outage the first
 * temporary refusal was already past OUTBOX_MAX_ATTEMPTS and the mail was given up. Those rounds
 * are now counted apart, and the give-up decision leaves them out. (Adding a column with a
 * constant default does not rewrite the table.)
 */
export class OutboxUnavailableRounds1764800000700 implements MigrationInterface {
  name = 'OutboxUnavailableRounds1764800000700';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox ADD COLUMN unavailable_rounds int NOT NULL DEFAULT 0`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox DROP COLUMN unavailable_rounds`);
  }
}
