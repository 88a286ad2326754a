import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The transactional outbox (SPEC §4): every outbound notification is a row written in the same
 * transaction as the change that causes it, then sent by workers that claim rows with
 * `FOR UPDATE SKIP LOCKED` plus a lease (`locked_until`), so several instances never send the
 * same row at once and a row claimed by a worker that died is taken up again after its lease.
 */
export class CreateOutbox1764300000000 implements MigrationInterface {
  name = 'CreateOutbox1764300000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        channel varchar(20) NOT NULL,
        kind varchar(40) NOT NULL,
        ticket_id bigint REFERENCES tickets(id),
        message_id bigint REFERENCES messages(id),
        recipient varchar(320) NOT NULL,
        external_id varchar(998),
        payload jsonb NOT NULL DEFAULT '{}',
        state varchar(10) NOT NULL DEFAULT 'queued' CHECK (state IN ('queued','sent','failed')),
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        locked_by varchar(64),
        locked_until timestamptz,
        last_error text,
        sent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // what workers poll: queued rows by due time
    await q.query(
      `CREATE INDEX ix_outbox_due ON outbox (next_attempt_at, id) WHERE state = 'queued'`,
    );
    await q.query(`CREATE INDEX ix_outbox_failed ON outbox (channel) WHERE state = 'failed'`);
    await q.query(`CREATE INDEX ix_outbox_ticket ON outbox (ticket_id)`);
    await q.query(`CREATE INDEX ix_outbox_message ON outbox (message_id)`);
    // acknowledgement rate limit: recent rows per recipient and kind
    await q.query(`CREATE INDEX ix_outbox_recipient_kind ON outbox (recipient, kind, created_at)`);
    await q.query(
      `CREATE UNIQUE INDEX uq_outbox_channel_external_id ON outbox (channel, external_id) WHERE external_id IS NOT NULL`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS outbox`);
  }
}
