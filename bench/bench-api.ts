/**
 * npm run bench:api [-- --database-url postgres://… --iterations 40]
 *
 * Against a database filled by `npm run seed:scale`: each query of an agent's day is measured
 * through the HTTP API (a separate app process) and, in the same run, as the same SQL through `pg`
 * directly — the floor. Prints p50/p95 of both, the API/SQL ratio, and checks with EXPLAIN that
 * no plan scans the tickets or messages table sequentially.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { encodeCursor } from '../src/common/keyset-cursor';
import type { ListTicketsQuery } from '../src/tickets/dto/ticket.dto';
import { buildTicketListQuery, fetchTicketPage, SEARCH_CANDIDATE_CAP, SqlRunner } from '../src/tickets/ticket-list-query';
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

async function waitReady(base: string, child: ChildProcess) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${base}/health/ready`);
      if (r.ok) return;
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
  const db = new Client({ connectionString: url });
  await db.connect();
  const [{ n: ticketCount }] = (await db.query(`SELECT count(*)::int AS n FROM tickets`)).rows;
  const [{ n: messageCount }] = (await db.query(`SELECT count(*)::int AS n FROM messages`)).rows;
  if (ticketCount < 100) throw new Error('the bench database is empty: run `npm run seed:scale` first');

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [join(__dirname, '..', 'src', 'main.js')], {
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
    await waitReady(base, child);
    // the seeded database may already hold another admin: make sure ours exists
    const login = async () =>
      fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    let res = await login();
    if (!res.ok) {
      const { hashPassword } = await import('../src/auth/password-hasher');
      await db.query(
        `INSERT INTO users (email, name, role, password_hash) VALUES ($1, 'Bench', 'admin', $2)
         ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash, active = true, locked_until = NULL, failed_logins = 0`,
        [ADMIN.email, await hashPassword(ADMIN.password)],
      );
      res = await login();
    }
    const { accessToken, user } = (await res.json()) as { accessToken: string; user: { id: string } };
    const viewer = { id: user.id, role: 'admin' };
    const headers = { Authorization: `Bearer ${accessToken}` };

    const one = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows[0];
    const alumbrado = (await one(`SELECT id FROM areas WHERE code = 'alumbrado-publico'`)).id as string;
    const bache = (await one(`SELECT id FROM categories WHERE code = 'bache'`)).id as string;
    const deep = await one(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts, id::text FROM tickets ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1`,
      [Math.floor(ticketCount * 0.6)],
    );
    const longThread = (await one(`SELECT t.id, t.folio FROM tickets t JOIN messages m ON m.ticket_id = t.id GROUP BY t.id ORDER BY count(*) DESC LIMIT 1`)) as { id: string; folio: string };
    const year = new Date().getUTCFullYear() - 2;

    const runner: SqlRunner = { query: async (sql, params) => (await db.query(sql, params as unknown[])).rows };
    const tx = async <T>(fn: (r: SqlRunner) => Promise<T>): Promise<T> => {
      await db.query('BEGIN');
      try {
        const out = await fn(runner);
        await db.query('COMMIT');
        return out;
      } catch (err) {
        await db.query('ROLLBACK');
        throw err;
      }
    };
    const list = (name: string, q: ListTicketsQuery): Scenario => {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(q)) qs.set(k, Array.isArray(v) ? v.join(',') : String(v));
      const statements = q.q
        ? [buildTicketListQuery(q, viewer, { candidates: SEARCH_CANDIDATE_CAP }), buildTicketListQuery(q, viewer)]
        : [buildTicketListQuery(q, viewer)];
      return { name, api: `/api/v1/tickets?${qs.toString()}`, sql: statements, floor: () => fetchTicketPage(runner, tx, q, viewer) };
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
          {
            sql: `SELECT t.*, c.*, a.*, u.id, u.name, ci.*, i.* FROM tickets t LEFT JOIN categories c ON c.id = t.category_id
                  LEFT JOIN areas a ON a.id = t.area_id LEFT JOIN users u ON u.id = t.assignee_id LEFT JOIN citizens ci ON ci.id = t.citizen_id
                  LEFT JOIN citizen_identities i ON i.citizen_id = ci.id WHERE t.folio = $1`,
            params: [longThread.folio],
          },
          { sql: `SELECT id, folio, citizen_id, subject FROM tickets WHERE merged_into_id = $1`, params: [longThread.id] },
          {
            sql: `SELECT * FROM messages WHERE ticket_id = ANY(ARRAY(SELECT d.id FROM tickets d WHERE d.merged_into_id = $1) || $1::bigint) ORDER BY created_at, id LIMIT 1000`,
            params: [longThread.id],
          },
          { sql: `SELECT a.id, a.filename FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.ticket_id = $1`, params: [longThread.id] },
          { sql: `SELECT * FROM ticket_events WHERE ticket_id = $1 ORDER BY created_at, id LIMIT 1000`, params: [longThread.id] },
        ],
      },
    ];

    const rows: string[] = [];
    let seqScans = 0;
    const header = `${'query'.padEnd(46)} ${'API p50'.padStart(8)} ${'API p95'.padStart(8)} ${'SQL p50'.padStart(8)} ${'SQL p95'.padStart(8)} ${'ratio50'.padStart(8)} ${'ratio95'.padStart(8)}  plan`;
    process.stdout.write(`\nEnlace Ciudadano bench:api — ${ticketCount.toLocaleString('en')} tickets, ${messageCount.toLocaleString('en')} messages, ${iterations} iterations each (ms)\n${header}\n`);
    for (const s of scenarios) {
      // plan check
      const nodes: Array<{ type: string; relation?: string; index?: string }> = [];
      for (const q of s.sql) {
        // the search statements run with the planner settings fetchTicketPage uses
        const isCandidates = /LIMIT \d+$/.test(q.sql.trim()) && !/ORDER BY/.test(q.sql);
        await db.query('BEGIN');
        if (s.floor && isCandidates) await db.query('SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off');
        else if (s.floor && s.sql.length > 1) await db.query('SET LOCAL enable_bitmapscan = off');
        const plan = (await db.query(`EXPLAIN (FORMAT JSON) ${q.sql}`, q.params)).rows[0]['QUERY PLAN'][0].Plan;
        await db.query('COMMIT');
        nodes.push(...planNodes(plan));
      }
      const bad = nodes.filter((n) => n.type === 'Seq Scan' && (n.relation === 'tickets' || n.relation === 'messages'));
      seqScans += bad.length;
      const used = [...new Set(nodes.filter((n) => n.index).map((n) => n.index))].join(',');

      const api: number[] = [];
      const sql: number[] = [];
      for (let i = 0; i < iterations + 5; i++) {
        let t = process.hrtime.bigint();
        const r = await fetch(`${base}${s.api}`, { headers });
        await r.arrayBuffer();
        if (!r.ok) throw new Error(`${s.name}: HTTP ${r.status}`);
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
    process.stdout.write(`\nsequential scans of tickets/messages in plans: ${seqScans}\n`);
    process.exitCode = seqScans > 0 ? 1 : 0;
  } finally {
    child.kill('SIGTERM');
    await db.end();
  }
}

main().catch((err) => {
  process.stderr.write(`bench:api failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
