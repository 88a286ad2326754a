import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sessions and login lockout.
 * - users.token_version: every token carries the version it was issued under and the guard refuses
 *   any other, so a password change, a role change, deactivation or logout ends the user's
 *   sessions. Tokens issued before this migration carry none and count as version 0 (the default).
 * - login_attempts: failed logins counted per account *and* client address (login-client-key.ts),
 *   each attempt reserved atomically before its password is checked. users.failed_logins and
 *   users.locked_until are no longer read or written; they stay so instances still running the
 *   previous release keep working during a rolling update (drop them in a later release).
 * A constant default does not rewrite the users table.
 */
export class LoginAttemptsAndTokenVersion1764800001100 implements MigrationInterface {
  name = 'LoginAttemptsAndTokenVersion1764800001100';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN token_version int NOT NULL DEFAULT 0`);
    await q.query(`
      CREATE TABLE login_attempts (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        client varchar(64) NOT NULL,
        attempts int NOT NULL,
        locked_until timestamptz,
        last_attempt_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, client)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE login_attempts`);
    await q.query(`ALTER TABLE users DROP COLUMN token_version`);
  }
}
