/* eslint-disable */
// Starts a throw-away Dovecot IMAP server for the e2e tests, and says what it did.
// - installs Debian's dovecot-imapd with apt-get when `dovecot` is missing and we are root;
// - writes a config into .test-services/dovecot-<pid>-<n>/ (own base_dir, so several can run);
// - listens on 127.0.0.1 on a free port, plaintext auth, ANY user name with the password
//   DOVECOT_PASSWORD (a static passdb): each test file logs in as its own user and so gets its own
//   empty mailbox (INBOX, Procesados, Fallidos);
// - started with stdio ignored (dovecot daemonises; inherited pipes would hang the caller).
// Used by test/support/global-setup.js (one shared instance per `npm test` run, described to the
// test files in TEST_IMAP_HOST / TEST_IMAP_PORT) and by the bench.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const DOVECOT_PASSWORD = 'secreto123';
let counter = 0;

function log(msg) {
  process.stderr.write(`[test-services] ${msg}\n`);
}

function which(cmd) {
  for (const dir of (process.env.PATH || '').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = path.join(dir, cmd);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

function installDovecot() {
  if (!process.getuid || process.getuid() !== 0) return false;
  if (!which('apt-get')) return false;
  log('dovecot is not installed: installing dovecot-imapd with apt-get (~25 s)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-q', 'dovecot-imapd'], { stdio: 'ignore', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore', env });
    r = spawnSync('apt-get', ['install', '-y', '-q', 'dovecot-imapd'], { stdio: 'ignore', env });
  }
  return r.status === 0;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function waitForPort(port, timeoutMs) {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const sock = net.connect(port, '127.0.0.1');
      sock.once('data', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > until) reject(new Error(`dovecot did not answer on port ${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

function config(dir, port) {
  return `instance_name = enlace-test-${path.basename(dir)}
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
mail_max_userip_connections = 200
passdb {
  driver = static
  args = password=${DOVECOT_PASSWORD}
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${dir}/mail/%d/%n
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
  mailbox Procesados {
    auto = create
  }
  mailbox Fallidos {
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
  process_min_avail = 1
}
service imap {
  process_limit = 1024
}
`;
}

/** Starts a Dovecot; resolves to { host, port, password, dir, stop() }. */
async function startDovecot() {
  let bin = which('dovecot');
  if (!bin) {
    if (!installDovecot() || !(bin = which('dovecot'))) {
      throw new Error('Dovecot is needed by the IMAP e2e tests: install Debian\'s dovecot-imapd (apt-get install -y dovecot-imapd), or run the tests as root so the set-up installs it');
    }
  }
  const dir = path.join(ROOT, '.test-services', `dovecot-${process.pid}-${++counter}`);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const sub of ['run', 'state', 'mail']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  spawnSync('chown', ['-R', 'nobody:nogroup', path.join(dir, 'mail')], { stdio: 'ignore' });
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const conf = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(conf, config(dir, port));
  const child = spawn(bin, ['-c', conf], { stdio: 'ignore', detached: true });
  await new Promise((resolve) => child.once('exit', resolve));
  child.unref();
  try {
    await waitForPort(port, 15000);
  } catch (err) {
    const tail = fs.existsSync(path.join(dir, 'dovecot.log')) ? fs.readFileSync(path.join(dir, 'dovecot.log'), 'utf8').slice(-2000) : '';
    throw new Error(`${err.message}\n${tail}`);
  }
  log(`started Dovecot (IMAP on 127.0.0.1:${port}, config ${conf}; any user, password "${DOVECOT_PASSWORD}")`);
  return {
    host: '127.0.0.1',
    port,
    password: DOVECOT_PASSWORD,
    dir,
    stop() {
      spawnSync(bin, ['-c', conf, 'stop'], { stdio: 'ignore' });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { startDovecot, DOVECOT_PASSWORD };
