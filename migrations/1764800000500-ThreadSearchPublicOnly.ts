import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The thread search (tickets.messages_search) is meant to hold the public conversation. Recorded
 * bounces and auto-replies are internal entries (public = false, meta.automated) and were still
 * indexed: searching "undeliverable" or "fuera de la oficina" found their tickets. From now on only
 * public messages that are not automatic mail are indexed (notes are never public). Rows already
 * indexed keep their words until their thread is rebuilt.
 */
export class ThreadSearchPublicOnly1764800000500 implements MigrationInterface {
  name = 'ThreadSearchPublicOnly1764800000500';

  public async up(q: QueryRunner): Promise<void> {
    await defineThreadSearch(q, `public AND (meta->>'automatic') IS DISTINCT FROM 'true' AND (meta->>'automated') IS DISTINCT FROM 'true'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await defineThreadSearch(q, `direction <> 'note' AND (meta->>'automatic') IS DISTINCT FROM 'true'`);
  }
}

/** ticket_thread_tsvector() and messages_search_on_insert() (1764800000400) with `condition` deciding which messages count. */
async function defineThreadSearch(q: QueryRunner, condition: string): Promise<void> {
  await q.query(`
    CREATE OR REPLACE FUNCTION ticket_thread_tsvector(p_ticket_id bigint) RETURNS tsvector
    LANGUAGE sql STABLE AS $$
      SELECT coalesce(to_tsvector('spanish', f_unaccent(left(string_agg(coalesce(body_new, body_text, ''), ' ' ORDER BY id), 500000))), ''::tsvector)
      FROM messages WHERE ticket_id = p_ticket_id AND ${condition}
    $$`);
  const onNew = condition.replace(/\bpublic\b/, 'NEW.public').replace(/\bdirection\b/, 'NEW.direction').replace(/meta->>/g, 'NEW.meta->>');
  await q.query(`
    CREATE OR REPLACE FUNCTION messages_search_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF ${onNew} THEN
        UPDATE tickets
           SET messages_search = CASE
             WHEN length(coalesce(messages_search, ''::tsvector)) < 20000
               THEN coalesce(messages_search, ''::tsvector) || to_tsvector('spanish', f_unaccent(left(coalesce(NEW.body_new, NEW.body_text, ''), 100000)))
             ELSE messages_search END
         WHERE id = NEW.ticket_id;
      END IF;
      RETURN NULL;
    END $$`);
}
