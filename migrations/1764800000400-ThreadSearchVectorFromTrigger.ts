import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * messages.search_vector was a stored generated column, computed for every message — automatic
 * acknowledgements and internal notes included — although since 1764700000000 nothing searches it
 * (its GIN index is gone): it only fed the trigger that appends a message's words to
 * tickets.messages_search. The trigger now derives the words itself, only for the messages the
 * thread search keeps (not notes, not automatic mail), and the column is dropped: no full-text
 * parsing of each acknowledgement on insert, and a smaller messages table (dropping a column does
 * not rewrite the table; the space returns as rows are updated or vacuumed).
 */
export class ThreadSearchVectorFromTrigger1764800000400 implements MigrationInterface {
  name = 'ThreadSearchVectorFromTrigger1764800000400';

  public async up(q: QueryRunner): Promise<void> {
    await defineInsertTrigger(q, `to_tsvector('spanish', f_unaccent(left(coalesce(NEW.body_new, NEW.body_text, ''), 100000)))`);
    await q.query(`ALTER TABLE messages DROP COLUMN search_vector`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE messages ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('spanish', f_unaccent(left(coalesce(body_new, body_text, ''), 100000)))
      ) STORED`);
    await defineInsertTrigger(q, 'NEW.search_vector');
  }
}

/** messages_search_on_insert() as in 1764800000200, with the message's vector given by `vector`. */
async function defineInsertTrigger(q: QueryRunner, vector: string): Promise<void> {
  await q.query(`
    CREATE OR REPLACE FUNCTION messages_search_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.direction <> 'note' AND (NEW.meta->>'automatic') IS DISTINCT FROM 'true' THEN
        UPDATE tickets
           SET messages_search = CASE
             WHEN length(coalesce(messages_search, ''::tsvector)) < 20000 THEN coalesce(messages_search, ''::tsvector) || ${vector}
             ELSE messages_search END
         WHERE id = NEW.ticket_id;
      END IF;
      RETURN NULL;
    END $$`);
}
