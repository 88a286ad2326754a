import { MigrationInterface, QueryRunner } from 'typeorm';

/** GET /intake/social-events/problems: the few deliveries that failed, among all processed ones. */
export class SocialEventProblemsIndex1764800000600 implements MigrationInterface {
  name = 'SocialEventProblemsIndex1764800000600';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX ix_social_events_problems ON social_events (id) WHERE status = 'failed' OR result ? 'failures'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ix_social_events_problems`);
  }
}
