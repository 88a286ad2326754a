import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The queue's text search matches a word with or without accents, singular or plural.
 *
 * The search vectors were `to_tsvector('spanish', f_unaccent(text))`: the accents went before the
 * Spanish stemmer saw the word, and the stemmer only strips the accented "-ación"/"-ución". So
 * "inundación" became 'inundacion' but "inundaciones" 'inund' (and "tubería" 'tuberi' but
 * "tuberías" typed with its accent 'tub'): a plural never found its singular.
 *
 * Each text is now indexed with the union of two stem forms at the same positions (phrases keep
 * working): the stems of the text as written (unaccented afterwards) and the stems of the text
 * unaccented first (the old form, so old queries still match). Before the first form, an
 * unaccented "-acion"/"-ucion" at the end of a word gets its accent back (every such Spanish word
 * carries it), so "inundacion" typed without accent stems like "inundación" and "inundaciones".
 * A query (f_search_tsquery) matches either form of each of its words: websearch_to_tsquery as
 * before, each word's lexeme replaced by an OR of its two forms (AND, NOT, OR and phrases kept).
 *
 * tickets.search_vector was a generated column: recomputing it in place rewrites the table under
 * an exclusive lock. Instead a plain column is added, kept by a trigger, filled in batches together
 * with the thread search (tickets.messages_search, rebuilt from the messages: one new row version
 * per ticket), indexed CONCURRENTLY, and then swapped in for the generated column (dropping a
 * column does not rewrite the table). Runs outside a transaction; each step is repeatable, so a
 * migration stopped halfway can run again.
 *
 * New tickets seed messages_search in their INSERT (src/tickets/ticket-writes.ts): that expression
 * should become f_thread_search_vector($26::text), the one messages_search_on_insert() uses now;
 * until then the trigger adds the first message's new forms in a second write (results are right).
 */
export class SearchSpanishWordForms1764800001400 implements MigrationInterface {
  name = 'SearchSpanishWordForms1764800001400';
  transaction = false as const;

  public async up(q: QueryRunner): Promise<void> {
    await inTransaction(q, async () => {
      await defineSearchFunctions(q);
      await defineThreadSearch(q, 'f_search_tsvector');
      if (await searchVectorIsGenerated(q)) {
        await q.query(`ALTER TABLE tickets ADD COLUMN IF NOT EXISTS search_forms tsvector`);
        await defineTicketTrigger(q, 'search_forms');
      }
    });
    if (!(await searchVectorIsGenerated(q))) return; // swapped in an earlier run

    // both search columns of every ticket, in short transactions (row locks for one batch only)
    const [{ lo, hi }]: Array<{ lo: string | null; hi: string | null }> = await q.query(`SELECT min(id)::text AS lo, max(id)::text AS hi FROM tickets`);
    const BATCH = 5000n;
    if (lo !== null && hi !== null) {
      for (let from = BigInt(lo); from <= BigInt(hi); from += BATCH) {
        const range = [String(from), String(from + BATCH)];
        await inTransaction(q, async () => {
          // lock first: the UPDATE's snapshot then sees every message whose trigger got there
          // before us, and a message arriving now waits and appends its words to the new value
          await q.query(`SELECT 1 FROM tickets WHERE id >= $1 AND id < $2 ORDER BY id FOR UPDATE`, range);
          await q.query(
            `UPDATE tickets
                SET search_forms = f_ticket_search_vector(folio, subject, description, colonia, address),
                    messages_search = CASE WHEN messages_search IS NULL THEN NULL ELSE ticket_thread_tsvector(id) END
              WHERE id >= $1 AND id < $2`,
            range,
          );
        });
      }
    }
    const concurrently = q.isTransactionActive ? '' : 'CONCURRENTLY';
    if (concurrently) await releaseMigrationLockWaiters(q);
    await q.query(`DROP INDEX ${concurrently} IF EXISTS ix_tickets_search_forms`); // an invalid one left by a stopped run
    await q.query(`CREATE INDEX ${concurrently} ix_tickets_search_forms ON tickets USING gin (search_forms)`);
    await inTransaction(q, async () => {
      await q.query(`ALTER TABLE tickets DROP COLUMN search_vector`); // and its index ix_tickets_search
      await q.query(`ALTER TABLE tickets RENAME COLUMN search_forms TO search_vector`);
      await q.query(`ALTER INDEX ix_tickets_search_forms RENAME TO ix_tickets_search`);
      await defineTicketTrigger(q, 'search_vector');
    });
    // the batches' index entries wait in the GIN pending lists, which every search reads through
    await q.query(`SELECT gin_clean_pending_list('ix_tickets_search'::regclass), gin_clean_pending_list('ix_tickets_messages_search'::regclass)`);
    // every ticket got a new row version: until a vacuum marks the pages all-visible again, the
    // newest-first walk of a common word's search reads past the dead versions (measured on a million
    // tickets: "cuadrilla" 327 ms p50 right after the migration, 42 ms after VACUUM, which took ~4 s)
    await q.query(q.isTransactionActive ? `ANALYZE tickets` : `VACUUM (ANALYZE) tickets`);
  }

  public async down(q: QueryRunner): Promise<void> {
    // the generated column again: adding it rewrites tickets under an exclusive lock (minutes on a
    // million tickets). messages_search keeps both forms until each thread is rebuilt: the old
    // query matches its unaccented-first form.
    await inTransaction(q, async () => {
      await q.query(`DROP TRIGGER IF EXISTS trg_tickets_search_vector ON tickets`);
      await q.query(`DROP FUNCTION IF EXISTS tickets_search_vector_fill()`);
      await q.query(`ALTER TABLE tickets DROP COLUMN IF EXISTS search_forms`);
      await q.query(`ALTER TABLE tickets DROP COLUMN IF EXISTS search_vector`);
      await q.query(`
        ALTER TABLE tickets ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('spanish', f_unaccent(coalesce(folio, '') || ' ' || coalesce(subject, ''))), 'A') ||
          setweight(to_tsvector('spanish', f_unaccent(coalesce(description, '') || ' ' || coalesce(colonia, '') || ' ' || coalesce(address, ''))), 'B')
        ) STORED`);
      await defineThreadSearch(q, null);
      await q.query(`DROP FUNCTION IF EXISTS f_search_tsquery(text)`);
      await q.query(`DROP FUNCTION IF EXISTS f_search_lexeme_query(text)`);
      await q.query(`DROP FUNCTION IF EXISTS f_ticket_search_vector(text, text, text, text, text)`);
      await q.query(`DROP FUNCTION IF EXISTS f_thread_search_vector(text)`);
      await q.query(`DROP FUNCTION IF EXISTS f_search_tsvector(text)`);
      await q.query(`DROP FUNCTION IF EXISTS f_search_accented_stems(text)`);
      await q.query(`DROP FUNCTION IF EXISTS f_search_reaccent(text)`);
    });
    const concurrently = q.isTransactionActive ? '' : 'CONCURRENTLY';
    await q.query(`DROP INDEX ${concurrently} IF EXISTS ix_tickets_search`);
    await q.query(`CREATE INDEX ${concurrently} ix_tickets_search ON tickets USING gin (search_vector)`);
  }
}

/**
 * An instance of an earlier release starting now waits for the migration lock (src/database/migrate.ts,
 * key 7216335001) inside `SELECT pg_advisory_lock()`, a statement holding a snapshot, and CREATE INDEX
 * CONCURRENTLY waits for every such snapshot: both would wait for ever (releases from this one on poll
 * the lock instead). Such a session is only waiting to migrate what this run migrates: it is ended —
 * that instance's start fails and its supervisor (Docker, systemd) starts it again.
 */
async function releaseMigrationLockWaiters(q: QueryRunner): Promise<void> {
  await q.query(
    `SELECT pg_terminate_backend(pid) FROM pg_locks
     WHERE locktype = 'advisory' AND NOT granted AND classid = 1 AND objid = 2921367705 AND objsubid = 1
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND pid <> pg_backend_pid()`,
  );
}

/** `work` in a transaction of its own, or in the caller's (migration:revert wraps down() in one). */
async function inTransaction(q: QueryRunner, work: () => Promise<void>): Promise<void> {
  if (q.isTransactionActive) return work();
  await q.startTransaction();
  try {
    await work();
    await q.commitTransaction();
  } catch (err) {
    await q.rollbackTransaction();
    throw err;
  }
}

async function searchVectorIsGenerated(q: QueryRunner): Promise<boolean> {
  const rows: unknown[] = await q.query(
    `SELECT 1 FROM pg_attribute WHERE attrelid = 'tickets'::regclass AND attname = 'search_vector' AND attgenerated = 's' AND NOT attisdropped`,
  );
  return rows.length > 0;
}

/** Accented letters the stems of the text as written lose (lexemes are lower case). */
const ACCENTED = 'áàâäãåéèêëíìîïóòôöõúùûüñç';
const PLAIN = 'aaaaaaeeeeiiiiooooouuuunc';

async function defineSearchFunctions(q: QueryRunner): Promise<void> {
  // "-acion"/"-ucion" at the end of a word always carries the accent in Spanish
  await q.query(`
    CREATE OR REPLACE FUNCTION f_search_reaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT regexp_replace($1, '([au])cion(?![[:alnum:]_áéíóúüñÁÉÍÓÚÜÑ])', '\\1ción', 'gi') $$`);
  // the stems of the text as written, unaccented afterwards (translating letters of the
  // tsvector's text form: a letter for a letter, so the form always reads back)
  await q.query(`
    CREATE OR REPLACE FUNCTION f_search_accented_stems(text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT translate(to_tsvector('spanish', f_search_reaccent(coalesce($1, '')))::text, '${ACCENTED}', '${PLAIN}')::tsvector $$`);
  // both forms at the same positions (tsvector || tsvector would shift the second one's)
  await q.query(`
    CREATE OR REPLACE FUNCTION f_search_tsvector(text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (f_search_accented_stems($1)::text || ' ' || to_tsvector('spanish', f_unaccent(coalesce($1, '')))::text)::tsvector $$`);
  await q.query(`
    CREATE OR REPLACE FUNCTION f_ticket_search_vector(folio text, subject text, description text, colonia text, address text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT setweight(f_search_tsvector(coalesce(folio, '') || ' ' || coalesce(subject, '')), 'A') ||
                 setweight(f_search_tsvector(coalesce(description, '') || ' ' || coalesce(colonia, '') || ' ' || coalesce(address, '')), 'B') $$`);
  // one message's words in the thread search (the INSERT of a new ticket should use it too)
  await q.query(`
    CREATE OR REPLACE FUNCTION f_thread_search_vector(text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT f_search_tsvector(left(coalesce($1, ''), 100000)) $$`);
  // websearch_to_tsquery as before (unaccented first), each word's lexeme OR its other form
  await q.query(`
    CREATE OR REPLACE FUNCTION f_search_lexeme_query(lexeme text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT ('''' || replace(replace(lexeme, '\\', '\\\\'), '''', '''''') || '''')::tsquery $$`);
  await q.query(`
    CREATE OR REPLACE FUNCTION f_search_tsquery(q text) RETURNS tsquery
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
    DECLARE
      result tsquery := websearch_to_tsquery('spanish', f_unaccent(coalesce(q, '')));
      pair record;
    BEGIN
      FOR pair IN
        SELECT DISTINCT un.l AS u, ac.l AS a
        FROM ts_parse('default', coalesce(q, '')) AS tok
        CROSS JOIN LATERAL (SELECT min(lexeme) AS l, count(*) AS n FROM unnest(to_tsvector('spanish', f_unaccent(tok.token)))) un
        CROSS JOIN LATERAL (SELECT min(lexeme) AS l, count(*) AS n FROM unnest(f_search_accented_stems(tok.token))) ac
        WHERE un.n = 1 AND ac.n = 1 AND un.l <> ac.l
      LOOP
        result := ts_rewrite(result, f_search_lexeme_query(pair.u), f_search_lexeme_query(pair.u) || f_search_lexeme_query(pair.a));
      END LOOP;
      RETURN result;
    END $$`);
}

/** tickets.search_vector's value kept in `column` by a trigger (the generated expression's job). */
async function defineTicketTrigger(q: QueryRunner, column: string): Promise<void> {
  await q.query(`
    CREATE OR REPLACE FUNCTION tickets_search_vector_fill() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' OR NEW.folio IS DISTINCT FROM OLD.folio OR NEW.subject IS DISTINCT FROM OLD.subject
         OR NEW.description IS DISTINCT FROM OLD.description OR NEW.colonia IS DISTINCT FROM OLD.colonia
         OR NEW.address IS DISTINCT FROM OLD.address THEN
        NEW.${column} := f_ticket_search_vector(NEW.folio, NEW.subject, NEW.description, NEW.colonia, NEW.address);
      END IF;
      RETURN NEW;
    END $$`);
  await q.query(`DROP TRIGGER IF EXISTS trg_tickets_search_vector ON tickets`);
  await q.query(`CREATE TRIGGER trg_tickets_search_vector BEFORE INSERT OR UPDATE OF folio, subject, description, colonia, address ON tickets
    FOR EACH ROW EXECUTE FUNCTION tickets_search_vector_fill()`);
}

/**
 * ticket_thread_tsvector() and messages_search_on_insert() (as in 1764800000500 and 1764800001200)
 * with a message's words from `fn` (f_search_tsvector), or the old unaccented-first expression.
 */
async function defineThreadSearch(q: QueryRunner, fn: 'f_search_tsvector' | null): Promise<void> {
  const words = (text: string) => (fn ? `${fn}(${text})` : `to_tsvector('spanish', f_unaccent(${text}))`);
  const kept = `public AND (meta->>'automatic') IS DISTINCT FROM 'true' AND (meta->>'automated') IS DISTINCT FROM 'true'`;
  await q.query(`
    CREATE OR REPLACE FUNCTION ticket_thread_tsvector(p_ticket_id bigint) RETURNS tsvector
    LANGUAGE sql STABLE AS $$
      SELECT coalesce(${words(`left(string_agg(coalesce(body_new, body_text, ''), ' ' ORDER BY id), 500000)`)}, ''::tsvector)
      FROM messages WHERE ticket_id = p_ticket_id AND ${kept}
    $$`);
  await q.query(`
    CREATE OR REPLACE FUNCTION messages_search_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      added tsvector;
    BEGIN
      IF NEW.public AND (NEW.meta->>'automatic') IS DISTINCT FROM 'true' AND (NEW.meta->>'automated') IS DISTINCT FROM 'true' THEN
        added := ${fn ? `f_thread_search_vector(coalesce(NEW.body_new, NEW.body_text, ''))` : words(`left(coalesce(NEW.body_new, NEW.body_text, ''), 100000)`)};
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
