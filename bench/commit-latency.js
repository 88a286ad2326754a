#!/usr/bin/env node
/* eslint-disable */
// `npm run bench:commit-latency`: the floor under the webhook's p99 (issue 5). A durable webhook
// answers only after its row is committed, so its tail can be no better than this machine's
// PostgreSQL INSERT + COMMIT at the same rate. Single-row INSERTs of a 600-byte body, 5 every
// 10 ms (~500/s) for 10 s, through a pool of 10, in a throw-away table of a throw-away database.
require('../test/support/ts-register');
const { Pool } = require('pg');
const { createTestDatabase } = require('../test/support/test-database');
const { ensurePostgres } = require('../test/support/postgres-server');

async function main() {
  process.env.TEST_PG_ADMIN_URL ??= await ensurePostgres();
  const db = await createTestDatabase();
  const pool = new Pool({ connectionString: db.url, max: 10 });
  try {
    await pool.query('CREATE TABLE probe (id bigserial PRIMARY KEY, body bytea NOT NULL, sha varchar(64) NOT NULL UNIQUE)');
    const body = Buffer.alloc(600, 7);
    const lat = [];
    const failures = [];
    let n = 0;
    const t0 = Date.now();
    await new Promise((done) => {
      const timer = setInterval(() => {
        for (let k = 0; k < 5; k++) {
          const s = process.hrtime.bigint();
          pool.query('INSERT INTO probe (body, sha) VALUES ($1, $2)', [body, `${t0}-${n++}`]).then(
            () => lat.push(Number(process.hrtime.bigint() - s) / 1e6),
            (err) => failures.push(err.message),
          );
        }
        if (Date.now() - t0 >= 10_000) {
          clearInterval(timer);
          setTimeout(done, 1000);
        }
      }, 10);
    });
    if (failures.length) console.log(`${failures.length} INSERTs failed, first: ${failures[0]}`);
    lat.sort((a, b) => a - b);
    const p = (q) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))].toFixed(1);
    const load = require('node:os').loadavg().map((x) => x.toFixed(2)).join(' ');
    console.log(`INSERT + COMMIT, one row each, ~500/s for 10 s: ${lat.length} commits; p50 ${p(0.5)} ms, p97.5 ${p(0.975)} ms, p99 ${p(0.99)} ms, max ${lat[lat.length - 1].toFixed(1)} ms (load average ${load})`);
  } finally {
    await pool.end();
    await db.drop().catch(() => undefined);
  }
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
