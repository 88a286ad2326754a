import { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_PRIVACY_NOTICES } from '../src/privacy-notice/default-privacy-notices';

/**
 * Personal data (SPEC §7): the privacy notice texts admins edit, and the access trail of who
 * read which citizen's personal data.
 */
export class PersonalData1764600000000 implements MigrationInterface {
  name = 'PersonalData1764600000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE privacy_notices (
        kind varchar(20) PRIMARY KEY CHECK (kind IN ('simplificado','integral')),
        title varchar(200) NOT NULL,
        body text NOT NULL,
        updated_by_id uuid REFERENCES users(id),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    for (const n of DEFAULT_PRIVACY_NOTICES) {
      await q.query(`INSERT INTO privacy_notices (kind, title, body) VALUES ($1, $2, $3)`, [n.kind, n.title, n.body]);
    }
    await q.query(`
      CREATE TABLE personal_data_access (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id),
        citizen_id uuid NOT NULL REFERENCES citizens(id),
        action varchar(30) NOT NULL,
        folio varchar(32),
        request_id varchar(64),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ix_personal_data_access_citizen ON personal_data_access (citizen_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_personal_data_access_user ON personal_data_access (user_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_personal_data_access_created ON personal_data_access (created_at DESC, id DESC)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS personal_data_access`);
    await q.query(`DROP TABLE IF EXISTS privacy_notices`);
  }
}
