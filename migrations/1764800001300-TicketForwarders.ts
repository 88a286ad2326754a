import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every press user who forwarded a ticket's message (SPEC §3.3: the press user follows what they
 * forwarded). tickets.forwarded_by_id keeps the first one; a colleague who forwards the same
 * message again got its folio but had no way to follow it. One row per (ticket, press user), the
 * first forwarder included; GET /intake/forwarded/mine lists a user's rows (and, for tickets
 * forwarded before this table, tickets.forwarded_by_id).
 */
export class TicketForwarders1764800001300 implements MigrationInterface {
  name = 'TicketForwarders1764800001300';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ticket_forwarders (
        ticket_id bigint NOT NULL REFERENCES tickets(id),
        user_id uuid NOT NULL REFERENCES users(id),
        forwarded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (ticket_id, user_id)
      )`);
    await q.query(`CREATE INDEX ix_ticket_forwarders_user ON ticket_forwarders (user_id, ticket_id)`);
    await q.query(`
      INSERT INTO ticket_forwarders (ticket_id, user_id, forwarded_at)
      SELECT id, forwarded_by_id, created_at FROM tickets WHERE forwarded_by_id IS NOT NULL
      ON CONFLICT DO NOTHING`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS ticket_forwarders`);
  }
}
