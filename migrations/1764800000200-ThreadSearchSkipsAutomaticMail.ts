import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The acknowledgement and the status-change emails are templates: their words ("recibimos su
 * reporte") are on every ticket, so indexing them in tickets.messages_search only adds noise to
 * searches — and each of them cost an extra rewrite of the ticket row and its index entries. Thread
 * messages with meta.automatic = true are left out of the thread search from now on (rows already
 * indexed keep their words until their thread is rebuilt).
 */
export class ThreadSearchSkipsAutomaticMail1764800000200 implements MigrationInterface {
  name = 'ThreadSearchSkipsAutomaticMail1764800000200';

  public async up(q: QueryRunner): Promise<void> {
    await defineThreadSearch(q, `AND (meta->>'automatic') IS DISTINCT FROM 'true'`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await defineThreadSearch(q, '');
  }
}

/** The thread-search functions of 1764700000000-SearchAndQueueIndexes, with an extra condition on the message. */
async function defineThreadSearch(q: QueryRunner, messageCondition: string): Promise<void> {
  await q.query(`
    CREATE OR REPLACE FUNCTION ticket_thread_tsvector(p_ticket_id bigint) RETURNS tsvector
    LANGUAGE sql STABLE AS $$
      SELECT coalesce(to_tsvector('spanish', f_unaccent(left(string_agg(coalesce(body_new, body_text, ''), ' ' ORDER BY id), 500000))), ''::tsvector)
      FROM messages WHERE ticket_id = p_ticket_id AND direction <> 'note' ${messageCondition}
    $$`);
  await q.query(`
    CREATE OR REPLACE FUNCTION messages_search_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.direction <> 'note' ${messageCondition.replace('meta->>', 'NEW.meta->>')} THEN
        UPDATE tickets
           SET messages_search = CASE
             WHEN length(coalesce(messages_search, ''::tsvector)) < 20000 THEN coalesce(messages_search, ''::tsvector) || NEW.search_vector
             ELSE messages_search END
         WHERE id = NEW.ticket_id;
      END IF;
      RETURN NULL;
    END $$`);
}
