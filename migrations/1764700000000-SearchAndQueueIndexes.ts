import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scale (issue 8): one place to search a ticket's whole thread, and indexes shaped like the
 * queries agents run all day.
 * - tickets.messages_search: the thread's text (inbound/outbound, never internal notes) kept by
 *   triggers, so a search is two GIN lookups on tickets instead of a join with millions of messages.
 * - partial indexes for open tickets (the morning queue, per area and overall).
 */
export class SearchAndQueueIndexes1764700000000 implements MigrationInterface {
  name = 'SearchAndQueueIndexes1764700000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tickets ADD COLUMN messages_search tsvector`);
    await q.query(`
      CREATE OR REPLACE FUNCTION ticket_thread_tsvector(p_ticket_id bigint) RETURNS tsvector
      LANGUAGE sql STABLE AS $$
        SELECT coalesce(to_tsvector('spanish', f_unaccent(left(string_agg(coalesce(body_new, body_text, ''), ' ' ORDER BY id), 500000))), ''::tsvector)
        FROM messages WHERE ticket_id = p_ticket_id AND direction <> 'note'
      $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION messages_search_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.direction <> 'note' THEN
          UPDATE tickets
             SET messages_search = CASE
               WHEN length(coalesce(messages_search, ''::tsvector)) < 20000 THEN coalesce(messages_search, ''::tsvector) || NEW.search_vector
               ELSE messages_search END
           WHERE id = NEW.ticket_id;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION messages_search_on_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE tickets SET messages_search = ticket_thread_tsvector(NEW.ticket_id) WHERE id = NEW.ticket_id;
        IF TG_OP = 'UPDATE' AND OLD.ticket_id <> NEW.ticket_id THEN
          UPDATE tickets SET messages_search = ticket_thread_tsvector(OLD.ticket_id) WHERE id = OLD.ticket_id;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER trg_messages_search_insert AFTER INSERT ON messages FOR EACH ROW EXECUTE FUNCTION messages_search_on_insert()`);
    // edits (redaction, anonymisation, moving a message) rebuild the ticket's thread text
    await q.query(`CREATE TRIGGER trg_messages_search_update AFTER UPDATE OF body_text, body_new, direction, ticket_id ON messages
      FOR EACH ROW EXECUTE FUNCTION messages_search_on_change()`);
    await q.query(`UPDATE tickets t SET messages_search = ticket_thread_tsvector(t.id) WHERE EXISTS (SELECT 1 FROM messages m WHERE m.ticket_id = t.id)`);
    await q.query(`CREATE INDEX ix_tickets_messages_search ON tickets USING gin (messages_search)`);
    await q.query(`DROP INDEX IF EXISTS ix_messages_search`);

    const open = `status IN ('new','assigned','in_progress','waiting_citizen')`;
    await q.query(`CREATE INDEX ix_tickets_open_area_created ON tickets (area_id, created_at DESC, id DESC) WHERE ${open}`);
    await q.query(`CREATE INDEX ix_tickets_open_created ON tickets (created_at DESC, id DESC) WHERE ${open}`);
    // the detail page lists the duplicates merged into a ticket
    await q.query(`CREATE INDEX ix_tickets_merged_into ON tickets (merged_into_id) WHERE merged_into_id IS NOT NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ix_tickets_merged_into`);
    await q.query(`DROP INDEX IF EXISTS ix_tickets_open_created`);
    await q.query(`DROP INDEX IF EXISTS ix_tickets_open_area_created`);
    await q.query(`CREATE INDEX IF NOT EXISTS ix_messages_search ON messages USING gin (search_vector)`);
    await q.query(`DROP INDEX IF EXISTS ix_tickets_messages_search`);
    await q.query(`DROP TRIGGER IF EXISTS trg_messages_search_update ON messages`);
    await q.query(`DROP TRIGGER IF EXISTS trg_messages_search_insert ON messages`);
    await q.query(`DROP FUNCTION IF EXISTS messages_search_on_change()`);
    await q.query(`DROP FUNCTION IF EXISTS messages_search_on_insert()`);
    await q.query(`DROP FUNCTION IF EXISTS ticket_thread_tsvector(bigint)`);
    await q.query(`ALTER TABLE tickets DROP COLUMN messages_search`);
  }
}
