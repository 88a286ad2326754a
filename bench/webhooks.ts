/**
 * `npm run bench:webhooks` — signed Meta deliveries against our webhook vs a bare endpoint that
 * only verifies the HMAC of the raw body, both in one child process with the same Node flags,
 * measured in the same run with autocannon from this (separate) process. Not a test: numbers
 * depend on the machine.
 *
 * Each topology gets its own fresh database and child process(es):
 * - `web-only` (default): the service with BACKGROUND_WORKERS=false — the endpoint itself, nothing
 *   processes the stored deliveries, so no run is slowed down by an earlier run's backlog;
 * - `single-process` (default): the service with its queue worker in the same process (turning
 *   stored deliveries into tickets on the same event loop), as a one-instance deployment runs;
 *   between runs the bench waits for the backlog to drain (BENCH_DRAIN_SECONDS, default 20) and
 *   deletes what is still pending after that, so one run's backlog does not bleed into the next;
 * - `web+worker` (opt-in): the web-only process plus a separate worker process on the same
 *   database (and the same 2 cores); backlog handled as for single-process.
 * In each: warm-up, then bare and ours at a fixed 500 req/s on a drained queue, then bare and ours
 * at maximum throughput in BENCH_ROUNDS alternating rounds (default 3; the median of each is
 * reported, so a change of the machine's load during the runs does not favour either side).
 * Every request is a distinct delivery (distinct mid and bytes). The child reports its own CPU
 * time and event-loop delay per run: CPU per request is the load-robust comparison.
 *
 * BENCH_TOPOLOGIES=web-only,single-process,web+worker  BENCH_DURATION=10  BENCH_ROUNDS=3  BENCH_CONNECTIONS=50
 * BENCH_NODE_FLAGS="--max-old-space-size=256"  BENCH_CPU_PROF=1 (profiles of the child processes
 * in ./bench-profiles, written when they exit).
 */
import autocannon, { type Request, type Result } from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { createTestDatabase } from '../test/support/test-database';
import { messengerDelivery, signed } from '../test/support/social-payloads';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensurePostgres } = require(join(__dirname, '..', '..', 'test', 'support', 'postgres-server.js')) as { ensurePostgres(): Promise<string> };

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DRAIN_SECONDS = Number(process.env.BENCH_DRAIN_SECONDS ?? 20);
const RATE = 500;
const TOPOLOGIES = (process.env.BENCH_TOPOLOGIES ?? 'web-only,single-process').split(',').map((s) => s.trim()) as Topology[];
type Topology = 'web-only' | 'single-process' | 'web+worker';

let seq = 0;
const requests: Request[] = [
  {
    method: 'POST',
    path: '/api/v1/webhooks/meta',
    setupRequest: (req: Request): Request => {
      const i = (seq += 1);
      const b = signed(messengerDelivery(`PSID-BENCH-${i % 5000}`, `Reporte de prueba ${i}`, { mid: `m_bench_${i}` }));
      return { ...req, body: b.raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': b.signature } };
    },
  },
];

function startChild(databaseUrl: string, env: Record<string, string>): { child: ChildProcess; ready: Promise<Record<string, unknown>> } {
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  if (process.env.BENCH_CPU_PROF === '1') flags.push('--cpu-prof', `--cpu-prof-dir=${resolve('bench-profiles')}`);
  const child = spawn(process.execPath, [...flags, join(__dirname, 'webhooks-server.js')], {
    env: { ...process.env, ...env, BENCH_DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = once(createInterface({ input: child.stdout }), 'line').then(([line]) => JSON.parse(line as string) as Record<string, unknown>);
  return { child, ready };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited.catch(() => undefined);
  clearTimeout(timer);
}

interface ChildStats {
  cpuMs: number;
  loopDelayMs: { p50: number; p99: number; max: number };
}
/** An autocannon result plus what the child process itself saw during the run. */
type Measured = Result & { cpuUsPerRequest: number; loopDelayMs: ChildStats['loopDelayMs'] };

/** answered 2xx per second: a 429 or 5xx is not throughput */
const okPerSecond = (r: Result) => r['2xx'] / r.duration;

const fmt = (name: string, r: Measured) =>
  `  ${name.padEnd(33)} ${okPerSecond(r).toFixed(0).padStart(6)} 2xx/s   median ${String(r.latency.p50).padStart(3)} ms   p97.5 ${String(r.latency.p97_5).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   non-2xx ${r.non2xx}   errors ${r.errors}   | process CPU ${r.cpuUsPerRequest.toFixed(0).padStart(4)} µs/req, event-loop delay p99 ${r.loopDelayMs.p99.toFixed(0)} ms max ${r.loopDelayMs.max.toFixed(0)} ms`;

interface TopologyResult {
  topology: Topology;
  bare: Measured;
  ours: Measured;
  bareAt500: Measured;
  oursAt500: Measured;
  stored: number;
  answered: number;
  notes: string[];
}

async function measure(topology: Topology): Promise<TopologyResult> {
  const db = await createTestDatabase();
  const pg = new Client({ connectionString: db.url });
  const children: ChildProcess[] = [];
  const notes: string[] = [];
  try {
    const web = startChild(db.url, { BENCH_ROLE: 'web', BENCH_BACKGROUND_WORKERS: topology === 'single-process' ? 'true' : 'false' });
    children.push(web.child);
    const ports = (await web.ready) as { ours: number; bare: number };
    if (topology === 'web+worker') {
      const worker = startChild(db.url, { BENCH_ROLE: 'worker' });
      children.push(worker.child);
      await worker.ready;
    }
    const stats = async (): Promise<ChildStats> => (await (await fetch(`http://127.0.0.1:${ports.bare}/bench/stats`)).json()) as ChildStats;
    const run = async (port: number, overallRate?: number, duration = DURATION, connections = CONNECTIONS): Promise<Measured> => {
      const before = await stats();
      const r = await autocannon({ url: `http://127.0.0.1:${port}`, connections, duration, requests, ...(overallRate ? { overallRate } : {}) });
      const after = await stats();
      return Object.assign(r, { cpuUsPerRequest: (1000 * (after.cpuMs - before.cpuMs)) / Math.max(1, r.requests.total), loopDelayMs: after.loopDelayMs });
    };
    await pg.connect();
    const q = async (sql: string) => ((await pg.query(sql)).rows[0] as { n: number }).n;
    const processes = topology !== 'web-only';
    let drainedTotal = 0;
    let clearedTotal = 0;
    /** waits for the worker(s) to drain the queue; deletes what is still pending after DRAIN_SECONDS */
    const settle = async (): Promise<void> => {
      if (!processes) return;
      const pending0 = await q(`SELECT count(*)::int AS n FROM social_events WHERE status = 'pending'`);
      const until = Date.now() + DRAIN_SECONDS * 1000;
      let pending = pending0;
      while (pending > 0 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 250));
        pending = await q(`SELECT count(*)::int AS n FROM social_events WHERE status = 'pending'`);
      }
      const cleared = pending > 0 ? (await pg.query(`DELETE FROM social_events WHERE status = 'pending'`)).rowCount ?? 0 : 0;
      drainedTotal += pending0 - pending;
      clearedTotal += cleared;
    };
    let stored = 0;
    let answered = 0;
    const oursRun = async (rate?: number): Promise<Measured> => {
      const before = await q(`SELECT coalesce(max(id), 0)::int AS n FROM social_events`);
      const r = await run(ports.ours, rate);
      await new Promise((res) => setTimeout(res, 200)); // the last group commits
      stored += await q(`SELECT count(*)::int AS n FROM social_events WHERE id > ${before}`);
      answered += r['2xx'];
      return r;
    };

    await run(ports.bare, undefined, 3); // warm-up of both (JIT, pool)
    await run(ports.ours, undefined, 3, 10);
    await settle();
    const bareAt500 = await run(ports.bare, RATE);
    const oursAt500 = await oursRun(RATE);
    await settle();
    const bareRounds: Measured[] = [];
    const oursRounds: Measured[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      bareRounds.push(await run(ports.bare));
      oursRounds.push(await oursRun());
      if (i < ROUNDS - 1) await settle();
    }
    const median = (rs: Measured[]) => [...rs].sort((a, b) => okPerSecond(a) - okPerSecond(b))[Math.floor(rs.length / 2)];
    const bare = median(bareRounds);
    const ours = median(oursRounds);
    notes.push(
      `max-throughput rounds (bare/ours 2xx/s): ${bareRounds.map((b, i) => `${okPerSecond(b).toFixed(0)}/${okPerSecond(oursRounds[i]).toFixed(0)}`).join(', ')}; medians shown`,
    );
    if (processes) {
      notes.push(
        `backlog between runs: waited up to ${DRAIN_SECONDS} s for the worker to drain it (${drainedTotal} processed meanwhile), then deleted what was still pending (${clearedTotal})`,
      );
    } else {
      notes.push('no worker on this process: stored deliveries stay pending, nothing competes with the endpoint');
    }
    return { topology, bare, ours, bareAt500, oursAt500, stored, answered, notes };
  } finally {
    await pg.end().catch(() => undefined);
    await Promise.all(children.map(stopChild));
    await db.drop().catch(() => undefined);
  }
}

const TITLES: Record<Topology, string> = {
  'web-only': 'web-only process (BACKGROUND_WORKERS=false): the endpoint itself',
  'single-process': 'single process, queue worker on (turns deliveries into tickets on the same event loop)',
  'web+worker': 'web-only process + a separate worker process (same database, same cores)',
};

async function main(): Promise<void> {
  process.env.TEST_PG_ADMIN_URL ??= await ensurePostgres();
  console.log(`bench:webhooks — ${CONNECTIONS} connections, ${DURATION} s per run, every request a distinct signed Messenger delivery`);
  console.log('order in each topology: warm-up → bare @500/s → ours @500/s (queue drained) → bare max → ours max');
  console.log('process CPU and event-loop delay are those of the child process serving both endpoints (with its worker, if any), per run');
  const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');
  console.log(`load average at start: ${load()}`);
  const results: TopologyResult[] = [];
  for (const topology of TOPOLOGIES) {
    if (!(topology in TITLES)) throw new Error(`unknown topology ${topology}`);
    const r = await measure(topology);
    results.push(r);
    console.log(`\n${TITLES[topology]}`);
    console.log(fmt('bare HMAC-only @500/s', r.bareAt500));
    console.log(fmt('our /webhooks/meta @500/s', r.oursAt500));
    console.log(fmt('bare HMAC-only (max, median)', r.bare));
    console.log(fmt('our /webhooks/meta (max, median)', r.ours));
    console.log(`  throughput ratio ours/bare: ${(okPerSecond(r.ours) / okPerSecond(r.bare)).toFixed(2)} (target ≥ 0.5); CPU-per-request ratio bare/ours at max: ${(r.bare.cpuUsPerRequest / r.ours.cpuUsPerRequest).toFixed(2)}`);
    console.log(`  our p99 at 500 req/s: ${r.oursAt500.latency.p99} ms (target ≤ 50 ms); median ${r.oursAt500.latency.p50} ms; bare p99 ${r.bareAt500.latency.p99} ms`);
    console.log(`  deliveries stored durably during the measured runs: ${r.stored} (answered 200 within the runs: ${r.answered})`);
    for (const n of r.notes) console.log(`  ${n}`);
  }
  console.log(`\nload average at end: ${load()}`);
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
