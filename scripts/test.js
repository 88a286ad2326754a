#!/usr/bin/env node
/* eslint-disable */
// `npm test`: brings up what the tests need (PostgreSQL; see test/support/*-server.js), then runs jest.
// Extra arguments go to jest, e.g. `npm test -- --selectProjects unit` or `npm test -- test/e2e/auth`.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { ensurePostgres } = require('../test/support/postgres-server');

(async () => {
  try {
    process.env.TEST_PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL || (await ensurePostgres());
  } catch (err) {
    console.error(`\n${err.message}\n`);
    process.exit(1);
  }
  const jest = path.join(__dirname, '..', 'node_modules', 'jest', 'bin', 'jest.js');
  const r = spawnSync(process.execPath, ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', jest, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: process.env,
  });
  process.exit(r.status ?? 1);
})();
