#!/usr/bin/env node
/* eslint-disable */
// `npm run bench:intake [-- --count 10000]`: email intake benchmark (issue 3). Not a test.
// 1. starts Dovecot and finds PostgreSQL (the test set-up's starters), makes a fresh database;
// 2. APPENDs a backlog of mixed mails (plain, HTML, ISO-8859-1 replies, photos, auto-replies);
// 3. baseline: a bare imapflow fetch + mailparser parse of the same backlog (read-only);
// 4. ours: the app as built by `npm run build` (dist/), in a child process, ingests the backlog (commit, \Seen, MOVE); its peak RSS
//    is read from /proc/<pid>/status (VmHWM); the app runs with the heap bound the README gives for
//    production (--max-old-space-size=256); BENCH_APP_NODE_OPTIONS replaces those flags ('' = none);
// 5. latency under IDLE: single APPENDs, time until the ticket/log row is stored (p50/p95).
require('../test/support/ts-register');
const { fork } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { ImapFlow } = require('imapflow');
const { simpleParser } = require('mailparser');
const { Client } = require('pg');
const { startDovecot } = require('../test/support/dovecot-server');
const { ensurePostgres } = require('../test/support/postgres-server');
const { createTestDatabase } = require('../test/support/test-database');

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : Number(process.env[`BENCH_${name.toUpperCase()}`] ?? def);
};
const COUNT = arg('count', 10000);
/** the Node flags the README's deployment section gives the service (a bounded heap); BENCH_APP_NODE_OPTIONS='' for none */
const APP_NODE_FLAGS = (process.env.BENCH_APP_NODE_OPTIONS ?? '--max-old-space-size=256').split(' ').filter(Boolean);
const LATENCY_SAMPLES = arg('latency', 60);
const CRLF = '\r\n';

function mail(i) {
  const id = `<bench.${i}.${randomBytes(4).toString('hex')}@correo.example.mx>`;
  const head = [`From: Vecino ${i % 500} <vecino${i % 500}@correo.example.mx>`, 'To: atencion@bench.local', `Subject: Reporte ${i}: bache en la calle ${i % 97}`, `Date: ${new Date().toUTCString()}`, `Message-ID: ${id}`, 'MIME-Version: 1.0'];
  const kind = i % 20;
  if (kind === 0 || kind === 10) {
    // attachment (~40 KB photo)
    const b = `b${i}`;
    const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(40_000)]).toString('base64').replace(/.{76}/g, `$&${CRLF}`);
    return head.concat([`Content-Type: multipart/mixed; boundary="${b}"`, '', `--${b}`, 'Content-Type: text/plain; charset=utf-8', '', `Les mando foto del bache número ${i}.`, `--${b}`, 'Content-Type: image/jpeg; name="foto.jpg"', 'Content-Disposition: attachment; filename="foto.jpg"', 'Content-Transfer-Encoding: base64', '', photo, `--${b}--`, '']).join(CRLF);
  }
  if (kind === 1 || kind === 11) return head.concat(['Content-Type: text/html; charset=utf-8', '', `<html><body><p>La luminaria <b>${i}</b> está apagada en la colonia Tequisquiapan.</p><p>Gracias</p></body></html>`]).join(CRLF);
  if (kind === 2) return head.concat(['Auto-Submitted: auto-replied', 'Content-Type: text/plain; charset=utf-8', '', 'Estoy fuera de la oficina.']).join(CRLF);
  if (kind === 3) return head.concat(['Content-Type: text/plain; charset=ISO-8859-1', 'Content-Transfer-Encoding: quoted-printable', '', `Fuga de agua en la esquina, ya lleva d=EDas. Reporte ${i}.`, '', 'El lun, 3 nov 2025 a las 10:00, Enlace <n@sanluis.gob.mx> escribi=F3:', '> Recibimos su reporte']).join(CRLF);
  return head.concat(['Content-Type: text/plain; charset=utf-8', '', `Buenas tardes. Hay basura acumulada en la calle ${i % 97} desde hace una semana. Reporte ${i}.`, '', 'Saludos.']).join(CRLF);
}

/** user + system CPU of a process, in ms (Linux /proc; 0 elsewhere) */
function processCpuMs(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** CPU of every local PostgreSQL server process (the bench's database server is on this machine) */
function postgresCpuMs() {
  let total = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('postgres')) total += processCpuMs(pid);
    } catch {
      /* gone */
    }
  }
  return total;
}

/** WAL position and the row writes of every table of the bench database (statistics flushed first) */
async function tableWrites(pg, settleMs) {
  await new Promise((r) => setTimeout(r, settleMs)); // backends flush their table statistics about once a second
  const [{ lsn }] = (await pg.query(`SELECT pg_current_wal_lsn()::text AS lsn`)).rows;
  const rows = (await pg.query(`SELECT relname, n_tup_ins::bigint AS ins, n_tup_upd::bigint AS upd, n_tup_hot_upd::bigint AS hot FROM pg_stat_user_tables`)).rows;
  return { lsn, tables: Object.fromEntries(rows.map((r) => [r.relname, { ins: Number(r.ins), upd: Number(r.upd), hot: Number(r.hot) }])) };
}

function diffWrites(a, b) {
  const lsnBytes = (l) => { const [hi, lo] = l.split('/'); return parseInt(hi, 16) * 2 ** 32 + parseInt(lo, 16); };
  let inserted = 0, updated = 0, hot = 0;
  for (const [name, t] of Object.entries(b.tables)) {
    const before = a.tables[name] ?? { ins: 0, upd: 0, hot: 0 };
    inserted += t.ins - before.ins;
    updated += t.upd - before.upd;
    hot += t.hot - before.hot;
  }
  const tickets = b.tables.tickets ?? { ins: 0, upd: 0 };
  const tickets0 = a.tables.tickets ?? { ins: 0, upd: 0 };
  const newTickets = tickets.ins - tickets0.ins;
  return { walBytes: lsnBytes(b.lsn) - lsnBytes(a.lsn), inserted, updated, hot, ticketVersionsPerNew: newTickets ? (newTickets + tickets.upd - tickets0.upd) / newTickets : 0 };
}

const pct = (arr, p) => {
  const s = [...arr].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function main() {
  process.env.TEST_PG_ADMIN_URL ??= await ensurePostgres();
  const dovecot = await startDovecot();
  const user = `bench-${randomBytes(3).toString('hex')}@bench.local`;
  const db = await createTestDatabase();
  const dbUrl = db.url;
  const imapOpts = { host: dovecot.host, port: dovecot.port, secure: false, auth: { user, pass: dovecot.password }, logger: false };
  let child;
  try {
    console.log(`appending ${COUNT} mixed mails…`);
    const t0 = Date.now();
    const writers = await Promise.all(Array.from({ length: 4 }, async () => {
      const c = new ImapFlow(imapOpts);
      await c.connect();
      return c;
    }));
    let next = 0;
    let bytes = 0;
    await Promise.all(writers.map(async (c) => {
      while (next < COUNT) {
        const raw = mail(next++);
        bytes += raw.length;
        await c.append('INBOX', raw);
      }
    }));
    await Promise.all(writers.map((c) => c.logout()));
    console.log(`  ${COUNT} mails, ${(bytes / 1048576).toFixed(1)} MB, appended in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // baseline: bare fetch + parse of the same backlog
    const reader = new ImapFlow(imapOpts);
    await reader.connect();
    const lock = await reader.getMailboxLock('INBOX', { readOnly: true });
    const b0 = process.hrtime.bigint();
    let parsed = 0;
    for await (const msg of reader.fetch('1:*', { uid: true, source: true })) {
      await simpleParser(msg.source);
      parsed++;
    }
    const baseSeconds = Number(process.hrtime.bigint() - b0) / 1e9;
    lock.release();
    await reader.logout();
    const baseRate = parsed / baseSeconds;
    console.log(`baseline (imapflow fetch + mailparser parse): ${parsed} mails in ${baseSeconds.toFixed(1)} s = ${baseRate.toFixed(0)} mails/s`);

    // ours: the app in a child process
    const env = {
      ...process.env,
      DATABASE_URL: dbUrl,
      JWT_SECRET: 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz',
      LOG_LEVEL: 'silent',
      IMAP_HOST: dovecot.host,
      IMAP_PORT: String(dovecot.port),
      IMAP_SECURE: 'false',
      IMAP_USER: user,
      IMAP_PASSWORD: dovecot.password,
      IMAP_PROCESSED_MAILBOX: 'Procesados',
      IMAP_FAILED_MAILBOX: 'Fallidos',
      IMAP_RECONCILE_SECONDS: '30',
      MAIL_ACK_RATE_LIMIT: '1000',
    };
    const pg = new Client({ connectionString: dbUrl });
    child = fork(path.join(__dirname, 'intake-app.js'), [], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/wt3-prof'] : []), ...APP_NODE_FLAGS] });
    await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`app exited with ${code}`)));
    });
    // start-up is not ingestion: the clock starts when the app is ready
    await pg.connect();
    // write volume: steadier figures than the rates to compare builds on a noisy machine (the
    // migrations' few catalogue rows may still be unflushed here: a bias of < 0.1 row per mail)
    const writes0 = await tableWrites(pg, 0);
    const cpu0 = { app: processCpuMs(child.pid), pg: postgresCpuMs() };
    const i0 = Date.now();
    let done = 0;
    let lastPrint = 0;
    while (done < COUNT) {
      await new Promise((r) => setTimeout(r, 200));
      done = (await pg.query(`SELECT count(*)::int AS n FROM intake_log`)).rows[0].n;
      if (Date.now() - lastPrint > 10_000) {
        lastPrint = Date.now();
        console.log(`  … ${done}/${COUNT}`);
      }
    }
    const oursSeconds = (Date.now() - i0) / 1000;
    const oursRate = COUNT / oursSeconds;
    const appCpuPerMail = (processCpuMs(child.pid) - cpu0.app) / COUNT;
    const pgCpuPerMail = (postgresCpuMs() - cpu0.pg) / COUNT;
    const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const peakRssMb = Number(/VmHWM:\s+(\d+)/.exec(status)[1]) / 1024;
    const writes = diffWrites(writes0, await tableWrites(pg, 1200));
    const decisions = (await pg.query(`SELECT decision, count(*)::int AS n FROM intake_log GROUP BY decision ORDER BY decision`)).rows;
    console.log(`ours (parse + commit + \\Seen + MOVE): ${COUNT} mails in ${oursSeconds.toFixed(1)} s = ${oursRate.toFixed(0)} mails/s`);
    console.log(`  decisions: ${decisions.map((d) => `${d.decision}=${d.n}`).join(', ')}`);

    // latency from APPEND to stored ticket while the reader IDLEs
    const appender = new ImapFlow(imapOpts);
    await appender.connect();
    const latencies = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      await new Promise((r) => setTimeout(r, 150));
      const raw = mail(COUNT + 100 + i * 20 + 4); // plain text
      const id = /Message-ID: (<[^>]+>)/.exec(raw)[1];
      const s = process.hrtime.bigint();
      await appender.append('INBOX', raw);
      for (;;) {
        const r = await pg.query(`SELECT 1 FROM intake_log WHERE external_id = $1`, [id]);
        if (r.rows.length) break;
        await new Promise((res) => setTimeout(res, 5));
      }
      latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    await appender.logout();
    await pg.end();

    console.log('');
    console.log('== email intake benchmark');
    console.log(`mails:                  ${COUNT} mixed (plain, HTML, ISO-8859-1 replies, 10% with a 40 KB photo, 5% auto-replies)`);
    console.log(`baseline fetch+parse:   ${baseRate.toFixed(0)} mails/s`);
    console.log(`ours (ingest):          ${oursRate.toFixed(0)} mails/s`);
    console.log(`ratio ours/baseline:    ${(oursRate / baseRate).toFixed(2)}   (target ≥ 0.5)`);
    console.log(`CPU per mail:           app ${appCpuPerMail.toFixed(2)} ms, PostgreSQL ${pgCpuPerMail.toFixed(2)} ms (all its processes; includes background work during ingestion)`);
    console.log(`writes per mail:        WAL ${(writes.walBytes / COUNT / 1024).toFixed(1)} KB (whole server: other databases' writes count too); rows inserted ${(writes.inserted / COUNT).toFixed(1)}, updated ${(writes.updated / COUNT).toFixed(2)} (${(writes.hot / COUNT).toFixed(2)} HOT); tickets row versions per new ticket ${writes.ticketVersionsPerNew.toFixed(2)}`);
    console.log(`peak RSS of the app:    ${peakRssMb.toFixed(0)} MB   (target ≤ 300 MB; app's Node flags: ${APP_NODE_FLAGS.join(' ') || 'none'})`);
    console.log(`APPEND→stored (IDLE):   p50 ${pct(latencies, 50).toFixed(0)} ms, p95 ${pct(latencies, 95).toFixed(0)} ms over ${latencies.length} mails   (target p95 ≤ 2000 ms)`);
  } finally {
    if (child && child.exitCode === null) child.kill(process.env.BENCH_CPU_PROF ? 'SIGINT' : 'SIGKILL');
    await db.drop().catch(() => undefined);
    dovecot.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
