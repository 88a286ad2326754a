import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * social_events.locked_by: the token of the claim that holds a row. Renewing, finishing and
 * failing a delivery require it, so an instance whose lease ran out (and whose row another
 * instance claimed since) no longer processes it a second time. (A nullable column without a
 * default does not rewrite the table.)
 */
export class SocialEventClaimToken1764800000800 implements MigrationInterface {
  name = 'SocialEventClaimToken1764800000800';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE social_events ADD COLUMN locked_by varchar(64)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE social_events DROP COLUMN locked_by`);
  }
}
