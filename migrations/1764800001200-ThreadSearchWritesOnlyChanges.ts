import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The thread search (tickets.messages_search) was updated for every public message, so a new
 * ticket's row was written twice: inserted, then rewritten with all of its 18 index entries when
 * its first message arrived a moment later. Now:
 * - a new ticket is inserted with its first message already in messages_search (the same
 *   expression as here, computed in the INSERT: TicketsService.createTicket, threadSearchText);
 * - the message trigger leaves the ticket alone when the message adds nothing: no words, a
 *   vector equal to what the ticket has (that first message), or a thread at its size cap (it
 *   used to rewrite the row with the same value).
 * One ticket row version per new ticket instead of two; search results are unchanged.
 */
export class ThreadSearchWritesOnlyChanges1764800001200 implements MigrationInterface {
  name = 'ThreadSearchWritesOnlyChanges1764800001200';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION messages_search_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        added tsvector;
      BEGIN
        IF NEW.public AND (NEW.meta->>'automatic') IS DISTINCT FROM 'true' AND (NEW.meta->>'automated') IS DISTINCT FROM 'true' THEN
          added := to_tsvector('spanish', f_unaccent(left(coalesce(NEW.body_new, NEW.body_text, ''), 100000)));
          IF length(added) > 0 THEN
            UPDATE tickets
               SET messages_search = coalesce(messages_search, ''::tsvector) || added
             WHERE id = NEW.ticket_id
               AND length(coalesce(messages_search, ''::tsvector)) < 20000
               AND messages_search IS DISTINCT FROM added;
          END IF;
        END IF;
        RETURN NULL;
      END $$`);
  }

  public async down(q: QueryRunner): Promise<void> {
    // the definition of 1764800000500 (ThreadSearchPublicOnly)
    await q.query(`
      CREATE OR REPLACE FUNCTION messages_search_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.public AND (NEW.meta->>'automatic') IS DISTINCT FROM 'true' AND (NEW.meta->>'automated') IS DISTINCT FROM 'true' THEN
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
}
