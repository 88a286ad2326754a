/**
 * npm run bench:api [-- --database-url postgres://… --iterations 40 --only detail]
 *
 * Against a database filled by `npm run seed:scale`: each query of an agent's day is measured
 * through the HTTP API (a separate app process) and, in the same run, as the same statements
 * through `pg` directly — the floor. Prints p50/p95 of both, the API/SQL ratio, and checks with
 * EXPLAIN that no plan scans the tickets or messages table sequentially.
 *
 * Fairness: the HTTP client is node:http with a keep-alive agent (one socket, like the floor's
 * connections; undici's fetch adds its own per-request cost); the floor runs, through a pool of
 * already-open connections, the very statements the service runs for that request (shared
 * builders), with the same parallelism, including the access-trail insert of the ticket detail.
 * BENCH_CPU_PROF=1 writes a CPU profile of the app process (BENCH_CPU_PROF_DIR, default
 * /tmp/enlace-bench-api-prof).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Pool } from 'pg';
import { encodeCursor } from '../src/common/keyset-cursor';
import type { ListTicketsQuery } from '../src/tickets/dto/ticket.dto';
import { fetchTicketDetail, EVENTS_SQL, MERGED_TICKETS_SQL, THREAD_SQL, TICKET_DETAIL_SQL } from '../src/tickets/ticket-detail-query';
import { poolRunner, poolScopedQuery, SqlRunner } from '../src/database/pool-runner';
import { buildTicketListQuery, CANDIDATE_SETTINGS, COMMON_WORD_SETTINGS, fetchTicketPage, SEARCH_CANDIDATE_CAP } from '../src/tickets/ticket-list-query';
import { OPEN_STATUSES } from '../src/tickets/ticket-status';
import { argValue, benchDatabaseUrl } from './bench-database';

const ADMIN = { email: 'bench@enlace.local', password: 'Bench-Password-2026' };

interface Scenario {
  name: string;
  api: string;
  /** the statements the floor runs, for EXPLAIN */
  sql: Array<{ sql: string; params: unknown[] }>;
  /** the floor: the same work through pg directly */
  floor?: () => Promise<unknown>;
  /** a text search: its statements are planned with the settings fetchTicketPage uses */
  search?: boolean;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** One keep-alive socket, reused for every request (the floor's connections are open too). */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function http(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: body ? { ...headers, 'content-length': String(Buffer.byteLength(body)) } : headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function waitReady(port: number, child: ChildProcess) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode}`);
    try {
      const r = await http(port, 'GET', '/health/ready');
      if (r.status === 200) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('app did not become ready');
}

function planNodes(plan: Record<string, unknown>, out: Array<{ type: string; relation?: string; index?: string }> = []) {
  out.push({ type: String(plan['Node Type']), relation: plan['Relation Name'] as string | undefined, index: plan['Index Name'] as string | undefined });
  for (const child of (plan.Plans as Record<string, unknown>[] | undefined) ?? []) planNodes(child, out);
  return out;
}

async function main() {
  const url = benchDatabaseUrl();
  const iterations = Number(argValue('iterations', '40'));
  const only = argValue('only');
  // the floor's connections: a pool like the app's, opened before measuring
  const db = new Pool({ connectionString: url, max: 4 });
  await Promise.all([1, 2, 3, 4].map(async () => db.connect())).then((clients) => clients.forEach((c) => c.release()));
  const [{ n: ticketCount }] = (await db.query(`SELECT count(*)::int AS n FROM tickets`)).rows;
  const [{ n: messageCount }] = (await db.query(`SELECT count(*)::int AS n FROM messages`)).rows;
  if (ticketCount < 100) throw new Error('the bench database is empty: run `npm run seed:scale` first');

  const port = await freePort();
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR ?? '/tmp/enlace-bench-api-prof'}`] : [];
  const child = spawn(process.execPath, [...profile, join(__dirname, '..', 'src', 'main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: 'bench-secret-0123456789-0123456789-abcdef',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'warn',
      LOGIN_RATE_LIMIT: '1000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitReady(port, child);
    // the seeded database may already hold another admin: make sure ours exists
    const login = async () => http(port, 'POST', '/api/v1/auth/login', { 'content-type': 'application/json' }, JSON.stringify(ADMIN));
    let res = await login();
    if (res.status !== 200) {
      const { hashPassword } = await import('../src/auth/password-hasher');
      await db.query(
        `INSERT INTO users (email, name, role, password_hash) VALUES ($1, 'Bench', 'admin', $2)
         ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash, active = true, locked_until = NULL, failed_logins = 0`,
        [ADMIN.email, await hashPassword(ADMIN.password)],
      );
      res = await login();
    }
    const { accessToken, user } = JSON.parse(res.body.toString()) as { accessToken: string; user: { id: string } };
    const viewer = { id: user.id, role: 'admin' };
    const headers = { authorization: `Bearer ${accessToken}` };

    const one = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows[0];
    const alumbrado = (await one(`SELECT id FROM areas WHERE code = 'alumbrado-publico'`)).id as string;
    const bache = (await one(`SELECT id FROM categories WHERE code = 'bache'`)).id as string;
    const deep = await one(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts, id::text FROM tickets ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1`,
      [Math.floor(ticketCount * 0.6)],
    );
    const longThread = (await one(`SELECT t.id, t.folio FROM tickets t JOIN messages m ON m.ticket_id = t.id GROUP BY t.id ORDER BY count(*) DESC LIMIT 1`)) as { id: string; folio: string };
    const year = new Date().getUTCFullYear() - 2;

    // the floor uses the service's own pool helpers on its own pool
    const runner = poolRunner(db);
    const scoped = poolScopedQuery(db);
    const tx = async <T>(fn: (r: SqlRunner) => Promise<T>): Promise<T> => {
      const client = await db.connect();
      try {
        await client.query('BEGIN');
        const out = await fn({ query: async (sql, params) => (await client.query(sql, params as unknown[])).rows });
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      } finally {
        client.release();
      }
    };
    const list = (name: string, q: ListTicketsQuery): Scenario => {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(q)) qs.set(k, Array.isArray(v) ? v.join(',') : String(v));
      const statements = q.q
        ? [buildTicketListQuery(q, viewer, { candidates: SEARCH_CANDIDATE_CAP }), buildTicketListQuery(q, viewer)]
        : [buildTicketListQuery(q, viewer)];
      return { name, api: `/api/v1/tickets?${qs.toString()}`, sql: statements, floor: () => fetchTicketPage(runner, scoped, q, viewer), search: Boolean(q.q) };
    };
    const scenarios: Scenario[] = [
      list('queue: open tickets of an area', { areaId: alumbrado, status: [...OPEN_STATUSES] }),
      list('deep keyset page (60 % down)', { cursor: encodeCursor({ createdAt: deep.ts, id: deep.id }) }),
      list('status + category + date range', { status: ['closed'], categoryId: bache, from: `${year}-03-01T00:00:00Z`, to: `${year}-06-01T00:00:00Z` }),
      list('overdue', { overdue: true }),
      list('search common word "basura"', { q: 'basura' }),
      list('search "Tequisquiapan"', { q: 'Tequisquiapan' }),
      list('search without accent "arbol caido"', { q: 'arbol caido' }),
      list('search with accent "árbol caído"', { q: 'árbol caído' }),
      list('search thread text "cuadrilla"', { q: 'cuadrilla' }),
      list('search rare word "hidrante" (no hits)', { q: 'hidrante' }),
      {
        name: `ticket detail, long thread (${longThread.folio})`,
        api: `/api/v1/tickets/${longThread.folio}`,
        sql: [
          { sql: TICKET_DETAIL_SQL, params: [longThread.folio] },
          { sql: MERGED_TICKETS_SQL, params: [longThread.id] },
          { sql: THREAD_SQL, params: [longThread.id] },
          { sql: EVENTS_SQL, params: [longThread.id] },
        ],
        // the same reads, and the access-trail row the API writes alongside the thread reads
        floor: () =>
          fetchTicketDetail(runner, longThread.folio, () => true, (t) =>
            db.query(
              `INSERT INTO personal_data_access (user_id, citizen_id, action, folio, request_id)
               SELECT $1, x.citizen_id, $2, x.folio, $3 FROM unnest($4::uuid[], $5::varchar[]) AS x(citizen_id, folio)`,
              [viewer.id, 'ticket_detail', 'bench-floor', [t.citizen_id], [t.folio]],
            ),
          ),
      },
    ];

    const rows: string[] = [];
    let seqScans = 0;
    const header = `${'query'.padEnd(46)} ${'API p50'.padStart(8)} ${'API p95'.padStart(8)} ${'SQL p50'.padStart(8)} ${'SQL p95'.padStart(8)} ${'ratio50'.padStart(8)} ${'ratio95'.padStart(8)}  plan`;
    process.stdout.write(`\nEnlace Ciudadano bench:api — ${ticketCount.toLocaleString('en')} tickets, ${messageCount.toLocaleString('en')} messages, ${iterations} iterations each (ms)\n${header}\n`);
    for (const s of scenarios) {
      if (only && !s.name.includes(only)) continue;
      // plan check
      const nodes: Array<{ type: string; relation?: string; index?: string }> = [];
      for (const q of s.sql) {
        // the search statements run with the planner settings fetchTicketPage uses
        const isCandidates = /LIMIT \d+$/.test(q.sql.trim()) && !/ORDER BY/.test(q.sql);
        const plan = await tx(async (r) => {
          const settings = !s.search ? [] : isCandidates ? CANDIDATE_SETTINGS : COMMON_WORD_SETTINGS;
          for (const setting of settings) await r.query(`SET LOCAL ${setting}`);
          return ((await r.query(`EXPLAIN (FORMAT JSON) ${q.sql}`, q.params)) as Array<{ 'QUERY PLAN': Array<{ Plan: Record<string, unknown> }> }>)[0]['QUERY PLAN'][0].Plan;
        });
        nodes.push(...planNodes(plan));
      }
      const bad = nodes.filter((n) => n.type === 'Seq Scan' && (n.relation === 'tickets' || n.relation === 'messages'));
      seqScans += bad.length;
      const used = [...new Set(nodes.filter((n) => n.index).map((n) => n.index))].join(',');

      const api: number[] = [];
      const sql: number[] = [];
      for (let i = 0; i < iterations + 5; i++) {
        let t = process.hrtime.bigint();
        const r = await http(port, 'GET', s.api, headers);
        if (r.status !== 200) throw new Error(`${s.name}: HTTP ${r.status}`);
        const apiMs = Number(process.hrtime.bigint() - t) / 1e6;
        t = process.hrtime.bigint();
        if (s.floor) await s.floor();
        else for (const q of s.sql) await db.query(q.sql, q.params);
        const sqlMs = Number(process.hrtime.bigint() - t) / 1e6;
        if (i >= 5) {
          api.push(apiMs);
          sql.push(sqlMs);
        }
      }
      const [a50, a95, s50, s95] = [pct(api, 50), pct(api, 95), pct(sql, 50), pct(sql, 95)];
      const line = `${s.name.slice(0, 46).padEnd(46)} ${a50.toFixed(2).padStart(8)} ${a95.toFixed(2).padStart(8)} ${s50.toFixed(2).padStart(8)} ${s95.toFixed(2).padStart(8)} ${(a50 / s50).toFixed(2).padStart(8)} ${(a95 / s95).toFixed(2).padStart(8)}  ${bad.length ? 'SEQ SCAN!' : 'ok'} ${used}`;
      rows.push(line);
      process.stdout.write(`${line}\n`);
    }
    // the fixed costs, for reading the ratios: an HTTP round trip without the database, an
    // authenticated one with one small read, and one database round trip
    const fixed: string[] = [];
    for (const [label, run] of [
      ['GET /health/live (no database)', () => http(port, 'GET', '/health/live')],
      ['GET /api/v1/auth/me (guard + one row)', () => http(port, 'GET', '/api/v1/auth/me', headers)],
      ['SELECT 1 through pg', () => db.query('SELECT 1')],
    ] as Array<[string, () => Promise<unknown>]>) {
      const xs: number[] = [];
      for (let i = 0; i < iterations + 5; i++) {
        const t = process.hrtime.bigint();
        await run();
        if (i >= 5) xs.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      fixed.push(`${label}: p50 ${pct(xs, 50).toFixed(2)}, p95 ${pct(xs, 95).toFixed(2)}`);
    }
    process.stdout.write(`\nfixed costs (ms): ${fixed.join('; ')}\n`);
    process.stdout.write(`sequential scans of tickets/messages in plans: ${seqScans}\n`);
    process.exitCode = seqScans > 0 ? 1 : 0;
  } finally {
    agent.destroy();
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    if (profile.length) await exited; // the profile is written as the app exits
    await db.end();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:api failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
