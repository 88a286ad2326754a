import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Content-ID of an inline image (SPEC §3.1, inline images): a mail's HTML shows it through
 * `<img src="cid:…">`, which the ticket detail now points at the stored attachment. Nullable, no
 * default: adding it rewrites nothing.
 */
export class AttachmentContentId1764800000900 implements MigrationInterface {
  name = 'AttachmentContentId1764800000900';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE attachments ADD COLUMN content_id varchar(255)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE attachments DROP COLUMN content_id`);
  }
}
