/* eslint-disable */
// Finds or starts the PostgreSQL server the tests run against, and says what it did.
// Order: TEST_DATABASE_URL / DATABASE_URL → a server on 127.0.0.1:5432 → a throw-away cluster of
// our own (initdb into .test-services/pg, started as the `postgres` user) → apt-get install
// postgresql when running as root on Debian/Ubuntu → a clear message of what is missing.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { Client } = require('pg');

const ROOT = path.resolve(__dirname, '..', '..');
const OWN_DIR = path.join(ROOT, '.test-services', 'pg');
const OWN_PORT = 54329;

async function canConnect(url) {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function log(msg) {
  process.stderr.write(`[test-services] ${msg}\n`);
}

function pgBinDir() {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return null;
  const versions = fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(base, versions[0], 'bin') : null;
}

function installPostgres() {
  if (process.getuid && process.getuid() !== 0) return false;
  if (spawnSync('which', ['apt-get']).status !== 0) return false;
  log('no PostgreSQL found: installing it with apt-get (postgresql postgresql-contrib)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-q', 'postgresql', 'postgresql-contrib'], { stdio: 'ignore', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore', env });
    r = spawnSync('apt-get', ['install', '-y', '-q', 'postgresql', 'postgresql-contrib'], { stdio: 'ignore', env });
  }
  return r.status === 0;
}

function asPostgresUser(cmd, args) {
  const isRoot = process.getuid && process.getuid() === 0;
  if (!isRoot) return spawnSync(cmd, args, { stdio: 'ignore' });
  // run as the postgres system user (the server refuses to run as root)
  return spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'ignore' });
}

/** The data directory of the server answering at `url` (we connect as its superuser), or null. */
async function dataDirectoryAt(url) {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const r = await client.query('SHOW data_directory');
    return r.rows[0].data_directory;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

function samePath(a, b) {
  const real = (p) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

/**
 * initdb (once) and start a private cluster in `dir` on `port`; returns its URL. A server already
 * answering on the port is used only if it is this very cluster (its data directory is `dir`):
 * any other one is refused, never taken over. When the port is taken, the error has
 * code 'EADDRINUSE' (the caller may pick another port and try again).
 */
async function startCluster(bin, dir, port) {
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const portTaken = (what) =>
    Object.assign(new Error(`port ${port} is taken by ${what}: refusing to use it for the cluster in ${dir}`), { code: 'EADDRINUSE' });
  if (await canConnect(url)) {
    const running = await dataDirectoryAt(url);
    if (running && samePath(running, dir)) return url;
    throw portTaken(`another PostgreSQL server (data directory ${running ?? 'unknown'})`);
  }
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const isRoot = process.getuid && process.getuid() === 0;
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    fs.mkdirSync(dir, { recursive: true });
    if (isRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
    const r = asPostgresUser(path.join(bin, 'initdb'), ['-D', dir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8']);
    if (r.status !== 0) throw new Error(`initdb failed in ${dir}`);
  }
  const logFile = path.join(dir, 'server.log');
  const logSize = () => {
    try {
      return fs.statSync(logFile).size;
    } catch {
      return 0;
    }
  };
  const logFrom = logSize();
  // the server daemonises: no pipes to us (see STACK.md)
  const r = asPostgresUser(path.join(bin, 'pg_ctl'), [
    '-D', dir, '-l', logFile, '-w', '-t', '30',
    '-o', `-p ${port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`, 'start',
  ]);
  if (r.status !== 0) {
    const running = await dataDirectoryAt(url);
    if (running && samePath(running, dir)) return url; // it was already starting
    let log = '';
    try {
      log = fs.readFileSync(logFile).subarray(logFrom).toString('utf8');
    } catch {
      /* no log */
    }
    // TCP port in use, or the Unix socket's lock file of that port number held by another server
    if (running || /Address already in use|could not bind|lock file "[^"]*\.s\.PGSQL\.\d+\.lock" already exists/i.test(log)) {
      throw portTaken(running ? `another PostgreSQL server (data directory ${running})` : 'another process');
    }
    throw new Error(`could not start PostgreSQL in ${dir} (see server.log there)`);
  }
  return url;
}

function stopCluster(bin, dir) {
  const r = asPostgresUser(path.join(bin, 'pg_ctl'), ['-D', dir, '-m', 'fast', '-w', '-t', '30', 'stop']);
  if (r.status !== 0) throw new Error(`could not stop PostgreSQL in ${dir}`);
}

function startOwnCluster(bin) {
  return startCluster(bin, OWN_DIR, OWN_PORT);
}

/** Returns a URL of a server where we may CREATE DATABASE. */
async function ensurePostgres() {
  const given = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (given) {
    if (!(await canConnect(given))) throw new Error(`TEST_DATABASE_URL/DATABASE_URL is set but does not answer: ${given.replace(/:[^:@/]*@/, ':***@')}`);
    log('using the PostgreSQL server given in TEST_DATABASE_URL/DATABASE_URL');
    return given;
  }
  for (const url of ['postgres://postgres@127.0.0.1:5432/postgres', `postgres://postgres@127.0.0.1:${OWN_PORT}/postgres`]) {
    if (await canConnect(url)) {
      log(`using the PostgreSQL server already running at ${url}`);
      return url;
    }
  }
  let bin = pgBinDir();
  if (!bin && installPostgres()) bin = pgBinDir();
  if (!bin) {
    throw new Error(
      'No PostgreSQL server for the tests. Either set TEST_DATABASE_URL=postgres://user@host:port/db (a role allowed to CREATE DATABASE), ' +
        'run a server on 127.0.0.1:5432 with trust auth for 127.0.0.1, or install PostgreSQL (Debian/Ubuntu: apt-get install postgresql postgresql-contrib) so the tests can start their own.',
    );
  }
  log(`starting a throw-away PostgreSQL cluster in ${OWN_DIR} on port ${OWN_PORT}`);
  return startOwnCluster(bin);
}

module.exports = { ensurePostgres, canConnect, pgBinDir, installPostgres, startCluster, stopCluster };
