import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Email intake (issue 3): the IMAP cursor per mailbox, the intake log (every arrival and what was
 * decided), and quarantined mail that could not be processed (kept raw so an admin can retry).
 */
export class EmailIntake1764200000000 implements MigrationInterface {
  name = 'EmailIntake1764200000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mail_cursors (
        mailbox varchar(300) PRIMARY KEY,
        uidvalidity bigint NOT NULL,
        last_uid bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE intake_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        channel varchar(20) NOT NULL,
        mailbox varchar(300),
        uidvalidity bigint,
        uid bigint,
        external_id varchar(998),
        from_address varchar(320),
        subject varchar(500),
        kind varchar(20),
        decision varchar(30) NOT NULL,
        reason varchar(500),
        ticket_id bigint REFERENCES tickets(id),
        message_id bigint REFERENCES messages(id),
        acknowledged boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ix_intake_log_created ON intake_log (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_intake_log_external ON intake_log (channel, external_id)`);
    await q.query(`CREATE INDEX ix_intake_log_ack ON intake_log (from_address, created_at) WHERE acknowledged`);
    await q.query(`
      CREATE TABLE intake_failures (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        channel varchar(20) NOT NULL,
        mailbox varchar(300),
        uidvalidity bigint,
        uid bigint,
        external_id varchar(998),
        from_address varchar(320),
        subject varchar(500),
        error varchar(2000) NOT NULL,
        raw bytea,
        raw_size bigint NOT NULL DEFAULT 0,
        status varchar(12) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','resolved')),
        attempts int NOT NULL DEFAULT 1,
        ticket_id bigint REFERENCES tickets(id),
        resolved_at timestamptz,
        resolved_by_id uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ix_intake_failures_status ON intake_failures (status, created_at DESC)`);
    // threading looks up our own outbound Message-IDs
    await q.query(`CREATE INDEX IF NOT EXISTS ix_messages_external_id ON messages (external_id) WHERE external_id IS NOT NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ix_messages_external_id`);
    await q.query(`DROP TABLE IF EXISTS intake_failures`);
    await q.query(`DROP TABLE IF EXISTS intake_log`);
    await q.query(`DROP TABLE IF EXISTS mail_cursors`);
  }
}
