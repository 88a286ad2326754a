import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Social intake (SPEC §3.2–3.3): the durable inbox of raw webhook deliveries (stored before the
 * 200, processed after, claimed with SKIP LOCKED), plus indexes for press forwarding and the
 * press office's "needs manual reply" list.
 */
export class SocialIntake1764400000000 implements MigrationInterface {
  name = 'SocialIntake1764400000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE social_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        platform varchar(10) NOT NULL CHECK (platform IN ('meta','telegram')),
        body bytea NOT NULL,
        body_sha256 varchar(64) NOT NULL,
        status varchar(10) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','done','failed')),
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        last_error text,
        result jsonb NOT NULL DEFAULT '{}',
        received_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz,
        CONSTRAINT uq_social_events_platform_sha UNIQUE (platform, body_sha256)
      )`);
    await q.query(`CREATE INDEX ix_social_events_due ON social_events (next_attempt_at, id) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX ix_tickets_forwarded_by ON tickets (forwarded_by_id, created_at DESC, id DESC) WHERE forwarded_by_id IS NOT NULL`);
    await q.query(`CREATE INDEX ix_messages_manual_reply ON messages (created_at, id) WHERE (meta->>'manualReply') = 'pending'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ix_messages_manual_reply`);
    await q.query(`DROP INDEX IF EXISTS ix_tickets_forwarded_by`);
    await q.query(`DROP TABLE IF EXISTS social_events`);
  }
}
