/**
 * npm run seed:scale -- --tickets 1000000 [--database-url postgres://…] [--keep]
 *
 * Fills a database with a realistic office history, set-based in SQL (no HTTP, no row-by-row):
 * tickets over 5 years with the status/channel/category mix of a real office, ~3 messages per
 * ticket of Spanish text, citizens with emails and phones, audit events, and one ticket with a
 * 300-message thread. Secondary indexes are dropped during the load and rebuilt afterwards.
 * The database is recreated unless --keep is given.
 */
import { Client } from 'pg';
import { runMigrations } from '../src/database/migrate';
import { folioSequenceName } from '../src/tickets/folio';
import { argValue, benchDatabaseUrl, ensureDatabase } from './bench-database';
import { COLONIAS, FIRST_NAMES, LAST_NAMES, REPLIES, REPORTS, STREETS } from './spanish-corpus';

const CATEGORY_WEIGHTS: Record<string, number> = {
  bache: 20, 'luminaria-apagada': 18, 'basura-no-recolectada': 15, 'fuga-de-agua': 12, drenaje: 5, 'poda-parque': 6,
  ruido: 6, 'animal-abandonado': 4, 'comercio-via-publica': 4, 'queja-servidor-publico': 3, otro: 7,
};
const CHANNEL_WEIGHTS: Record<string, number> = {
  email: 35, whatsapp: 20, messenger: 15, phone: 12, facebook: 6, walk_in: 5, telegram: 3, instagram: 2, x: 2,
};

function weighted(weights: Record<string, number>): string[] {
  return Object.entries(weights).flatMap(([k, w]) => Array<string>(w).fill(k));
}

const t0 = Date.now();
const log = (msg: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(7)}s] ${msg}\n`);

async function main() {
  const tickets = Number(argValue('tickets', '1000000'));
  if (!Number.isInteger(tickets) || tickets < 100) throw new Error('--tickets must be an integer ≥ 100');
  const years = 5;
  const url = benchDatabaseUrl();
  await ensureDatabase(url, { fresh: !process.argv.includes('--keep') });
  log(`database ${url.replace(/:[^:@/]*@/, ':***@')}; migrating`);
  await runMigrations(url, { lock: true });

  const db = new Client({ connectionString: url });
  await db.connect();
  await db.query(`SET synchronous_commit = off`);
  await db.query(`SET maintenance_work_mem = '512MB'`);
  await db.query(`SET work_mem = '64MB'`);

  // drop secondary indexes and the per-row search trigger; rebuilt at the end
  const indexes: Array<{ indexname: string; indexdef: string }> = (
    await db.query(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i
       WHERE i.schemaname = 'public' AND i.tablename IN ('tickets','messages','ticket_events','citizen_identities')
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
    )
  ).rows;
  for (const ix of indexes) await db.query(`DROP INDEX ${ix.indexname}`);
  await db.query(`ALTER TABLE messages DISABLE TRIGGER trg_messages_search_insert`);
  log(`dropped ${indexes.length} secondary indexes for the load`);

  // citizens: one for every three tickets; 60 % with an email, 50 % with a phone
  const citizens = Math.max(10, Math.floor(tickets / 3));
  await db.query(`CREATE TEMP TABLE seed_citizen (n int PRIMARY KEY, id uuid NOT NULL)`);
  await db.query(
    `WITH c AS (
       INSERT INTO citizens (name, created_at)
       SELECT ($1::text[])[1 + floor(random() * array_length($1, 1))::int] || ' ' || ($2::text[])[1 + floor(random() * array_length($2, 1))::int]
              || ' ' || ($2::text[])[1 + floor(random() * array_length($2, 1))::int],
              now() - random() * interval '${years} years'
       FROM generate_series(1, $3) RETURNING id)
     INSERT INTO seed_citizen SELECT row_number() OVER (), id FROM c`,
    [FIRST_NAMES, LAST_NAMES, citizens],
  );
  await db.query(`INSERT INTO citizen_identities (citizen_id, kind, value) SELECT id, 'email', 'ciudadano' || n || '@correo.example.mx' FROM seed_citizen WHERE n % 10 < 6`);
  await db.query(`INSERT INTO citizen_identities (citizen_id, kind, value) SELECT id, 'phone', '+52444' || lpad(n::text, 7, '0') FROM seed_citizen WHERE n % 2 = 0`);
  log(`${citizens} citizens with identities`);

  await db.query(`CREATE TEMP TABLE seed_cat (id uuid PRIMARY KEY, area_id uuid, subjects text[], descs text[], resolution_days int)`);
  for (const [code, [subjects, descs]] of Object.entries(REPORTS)) {
    await db.query(`INSERT INTO seed_cat SELECT id, area_id, $2, $3, resolution_days FROM categories WHERE code = $1`, [code, subjects, descs]);
  }
  const catIds = (await db.query(`SELECT c.code, c.id FROM categories c`)).rows as Array<{ code: string; id: string }>;
  const catPick = weighted(CATEGORY_WEIGHTS).map((code) => catIds.find((c) => c.code === code)!.id);
  const channelPick = weighted(CHANNEL_WEIGHTS);

  const now = new Date();
  const perYear = Math.ceil(tickets / years);
  let nextId = 1;
  let made = 0;
  for (let y = years - 1; y >= 0; y--) {
    const year = now.getUTCFullYear() - y;
    const n = Math.min(perYear, tickets - made);
    const start = new Date(Date.UTC(year, 0, 1, 6));
    const end = y === 0 ? now : new Date(Date.UTC(year + 1, 0, 1, 5, 59));
    await db.query('BEGIN');
    await db.query(
      `WITH g AS (
         SELECT i, ($1::uuid[])[1 + floor(random() * 100)::int] AS category_id,
                ($2::text[])[1 + floor(random() * 100)::int] AS channel,
                $3::timestamptz + random() * ($4::timestamptz - $3::timestamptz) AS created_at,
                random() AS rs, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
         FROM generate_series(1, $5) i
       ), g2 AS (SELECT g.*, row_number() OVER (ORDER BY created_at) AS seq FROM g),
       g3 AS (
         SELECT g2.*, $6::bigint + seq - 1 AS id,
           CASE WHEN now() - created_at > interval '90 days' THEN
             CASE WHEN rs < 0.85 THEN 'closed' WHEN rs < 0.93 THEN 'rejected' WHEN rs < 0.95 THEN 'resolved' WHEN rs < 0.97 THEN 'in_progress'
                  WHEN rs < 0.985 THEN 'assigned' WHEN rs < 0.993 THEN 'waiting_citizen' ELSE 'new' END
           ELSE
             CASE WHEN rs < 0.35 THEN 'closed' WHEN rs < 0.42 THEN 'rejected' WHEN rs < 0.55 THEN 'resolved' WHEN rs < 0.72 THEN 'in_progress'
                  WHEN rs < 0.85 THEN 'assigned' WHEN rs < 0.92 THEN 'waiting_citizen' ELSE 'new' END
           END AS status
         FROM g2)
       INSERT INTO tickets (id, folio, subject, description, status, priority, channel, category_id, area_id, citizen_id, colonia, address,
                            created_at, updated_at, status_changed_at, first_response_due_at, resolution_due_at, first_responded_at,
                            resolved_at, closed_at, rejection_reason, public_token, messages_search)
       OVERRIDING SYSTEM VALUE
       SELECT g3.id, 'SLP-' || $7 || '-' || lpad(g3.seq::text, 6, '0'),
              c.subjects[1 + floor(r1 * array_length(c.subjects, 1))::int],
              c.descs[1 + floor(r2 * array_length(c.descs, 1))::int] || ', en ' || ($8::text[])[1 + floor(r5 * array_length($8, 1))::int],
              g3.status,
              CASE WHEN r4 < 0.05 THEN 'urgent' WHEN r4 < 0.2 THEN 'high' WHEN r4 < 0.9 THEN 'normal' ELSE 'low' END,
              g3.channel, g3.category_id, c.area_id, sc.id,
              ($9::text[])[1 + floor(r3 * array_length($9, 1))::int],
              ($8::text[])[1 + floor(r5 * array_length($8, 1))::int] || ' ' || (1 + floor(r2 * 900))::int,
              created_at, created_at, created_at + r4 * interval '20 days',
              created_at + interval '5 days', created_at + c.resolution_days * interval '1 day',
              CASE WHEN status <> 'new' THEN created_at + r4 * interval '6 days' END,
              CASE WHEN status IN ('resolved','closed') THEN created_at + r4 * interval '45 days' END,
              CASE WHEN status = 'closed' THEN created_at + r4 * interval '45 days' + interval '7 days' END,
              CASE WHEN status = 'rejected' THEN 'fuera de la competencia municipal' END,
              md5(g3.id::text || random()::text),
              f_thread_search_vector(coalesce((SELECT string_agg(($10::text[])[1 + ((g3.id + s.i) % 8)::int], ' ')
                                               FROM generate_series(1, ((g3.id * 7919) % 5)::int) s(i) WHERE s.i <> 3), ''))
       FROM g3 JOIN seed_cat c ON c.id = g3.category_id
       JOIN seed_citizen sc ON sc.n = 1 + floor(g3.r4 * ${citizens} * 0.999)::int`,
      [catPick, channelPick, start, end, n, nextId, year, STREETS, COLONIAS, REPLIES],
    );
    const lo = nextId;
    const hi = nextId + n - 1;
    // the report itself, then 0–4 more thread entries (replies both ways; the 3rd is an internal note)
    await db.query(
      `INSERT INTO messages (ticket_id, direction, channel, author_citizen_id, subject, body_text, public, external_id, created_at)
       SELECT id, 'inbound', channel, citizen_id, subject, description, true, 'seed-' || id, created_at FROM tickets WHERE id BETWEEN $1 AND $2`,
      [lo, hi],
    );
    await db.query(
      `INSERT INTO messages (ticket_id, direction, channel, body_text, public, created_at)
       SELECT t.id, CASE WHEN s.i = 3 THEN 'note' WHEN s.i % 2 = 1 THEN 'outbound' ELSE 'inbound' END,
              CASE WHEN s.i = 3 THEN 'staff' ELSE t.channel END, ($3::text[])[1 + ((t.id + s.i) % 8)::int], s.i <> 3,
              t.created_at + s.i * interval '1 day'
       FROM tickets t CROSS JOIN LATERAL generate_series(1, ((t.id * 7919) % 5)::int) s(i) WHERE t.id BETWEEN $1 AND $2`,
      [lo, hi, REPLIES],
    );
    await db.query(
      `INSERT INTO ticket_events (ticket_id, type, actor_kind, to_status, data, created_at)
       SELECT id, 'created', 'citizen', 'new', jsonb_build_object('channel', channel), created_at FROM tickets WHERE id BETWEEN $1 AND $2`,
      [lo, hi],
    );
    await db.query(
      `INSERT INTO ticket_events (ticket_id, type, actor_kind, from_status, to_status, created_at)
       SELECT id, 'status_changed', 'system', 'new', status, status_changed_at FROM tickets WHERE id BETWEEN $1 AND $2 AND status <> 'new'`,
      [lo, hi],
    );
    // the year's folio sequence continues after the seeded folios (see TicketsService.allocateFolio)
    const sequence = folioSequenceName('SLP', year);
    await db.query(`CREATE SEQUENCE IF NOT EXISTS "${sequence}" AS bigint MINVALUE 1`);
    await db.query(`SELECT setval($1::regclass, $2)`, [sequence, n]);
    await db.query('COMMIT');
    made += n;
    nextId += n;
    log(`${year}: ${n} tickets (total ${made})`);
  }
  await db.query(`ALTER TABLE tickets ALTER COLUMN id RESTART WITH ${nextId}`);

  // one long thread: the newest open street-light ticket gets 300 more messages
  const long = await db.query(
    `SELECT t.id, t.folio FROM tickets t JOIN areas a ON a.id = t.area_id
     WHERE a.code = 'alumbrado-publico' AND t.status IN ('in_progress','assigned') ORDER BY t.created_at DESC LIMIT 1`,
  );
  if (long.rowCount) {
    await db.query(
      `INSERT INTO messages (ticket_id, direction, channel, body_text, public, created_at)
       SELECT $1, CASE WHEN i % 2 = 0 THEN 'outbound' ELSE 'inbound' END, 'email', ($2::text[])[1 + (i % 8)] || ' (' || i || ')', true, now() - (300 - i) * interval '1 hour'
       FROM generate_series(1, 300) i`,
      [long.rows[0].id, REPLIES],
    );
    log(`long thread: ${long.rows[0].folio} has 300 extra messages`);
  }

  await db.query(`ALTER TABLE messages ENABLE TRIGGER trg_messages_search_insert`);
  for (const ix of indexes) {
    await db.query(ix.indexdef);
  }
  log(`rebuilt ${indexes.length} indexes`);
  await db.query(`VACUUM ANALYZE tickets`);
  await db.query(`VACUUM ANALYZE messages`);
  await db.query(`VACUUM ANALYZE ticket_events`);
  await db.query(`ANALYZE citizens; ANALYZE citizen_identities`);
  const counts = (
    await db.query(`SELECT (SELECT count(*) FROM tickets) AS tickets, (SELECT count(*) FROM messages) AS messages,
                           (SELECT count(*) FROM ticket_events) AS events, (SELECT count(*) FROM citizens) AS citizens,
                           pg_size_pretty(pg_database_size(current_database())) AS size`)
  ).rows[0];
  log(`done: ${JSON.stringify(counts)}`);
  await db.end();
}

main().catch((err) => {
  process.stderr.write(`seed:scale failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
