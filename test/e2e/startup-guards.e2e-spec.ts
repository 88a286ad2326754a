import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppProcess, type AppProcess } from '../support/app-process';
import { adminUrl } from '../support/test-database';

const ROOT = join(__dirname, '..', '..');

/**
 * Runs `src/main.ts` in a child process with exactly `env` (plus PATH/HOME) and waits for it to
 * exit by itself: these starts must be refused, quickly, with one line naming what is wrong.
 */
function runMainUntilExit(env: Record<string, string>, timeoutMs = 45_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn(process.execPath, ['-r', join(ROOT, 'test/support/ts-register.js'), join(ROOT, 'src/main.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`main.ts still running after ${timeoutMs / 1000} s (it should have refused to start):\n${output.slice(-2000)}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      // the pipes may still hold the last line
      setImmediate(() => resolve({ code, output }));
    });
  });
}

/** SPEC §8: "Invalid values stop the start with a message naming the variable". */
describe('startup guards: invalid configuration stops the start naming the variable', () => {
  // an accepted configuration would start the embedded database here (the test then times out)
  const dataDir = mkdtempSync(join(tmpdir(), 'enlace-guards-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    ['PORT', { PORT: '0x10' }],
    ['PORT', { PORT: '0' }],
    ['JWT_EXPIRES_IN', { JWT_EXPIRES_IN: '0s' }],
    ['ADMIN_PASSWORD', { ADMIN_PASSWORD: '            ' }],
    ['SMTP_PASSWORD', { SMTP_HOST: 'smtp.sanluis.gob.mx', MAIL_FROM: 'atencion@sanluis.gob.mx', SMTP_PASSWORD: 'secreto' }],
    ['PUBLIC_BASE_URL', { PUBLIC_BASE_URL: 'https://enlace.sanluis.gob.mx/?origen=correo' }],
    ['PUBLIC_BASE_URL', { PUBLIC_BASE_URL: 'https://admin:secreto@enlace.sanluis.gob.mx' }],
  ])('refuses a bad %s with exit code 78 (EX_CONFIG)', async (name, env) => {
    const { code, output } = await runMainUntilExit({ DATA_DIR: dataDir, ...env });
    expect(output).toMatch(new RegExp(`^Invalid environment configuration:\\n  ${name}: `));
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
    expect(code).toBe(78);
  }, 60_000);
});

/**
 * A "PostgreSQL server" that refuses every login with 28P01 (the test server trusts everyone, so
 * a wrong password cannot be shown against it).
 */
async function refusingPasswordServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.once('data', function answer(data: Buffer) {
      if (data.length >= 8 && data.readInt32BE(4) === 80877103) {
        socket.write('N'); // SSLRequest: no TLS here; the startup message follows
        socket.once('data', answer);
        return;
      }
      const fields = Buffer.from('SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user "enlace"\0\0');
      const head = Buffer.alloc(5);
      head.write('E', 0);
      head.writeInt32BE(fields.length + 4, 1);
      socket.end(Buffer.concat([head, fields]));
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** A DATABASE_URL that cannot be used ended the start with a raw stack trace not naming the variable. */
describe('startup guards: an unusable DATABASE_URL stops the start with one line naming it', () => {
  const PASSWORD = 'Sekret-0f-the-db';
  let fake: { server: Server; port: number };
  beforeAll(async () => (fake = await refusingPasswordServer()));
  afterAll(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));

  const onTestServer = (database: string, user = 'postgres') => {
    const u = new URL(adminUrl());
    u.username = user;
    u.password = PASSWORD;
    u.pathname = `/${database}`;
    return u.toString();
  };

  it.each([
    ['host not found', () => `postgres://enlace:${PASSWORD}@no-such-host.invalid:5432/enlace`, /host (not found|name lookup failed) \(no-such-host\.invalid/],
    ['connection refused', () => `postgres://enlace:${PASSWORD}@127.0.0.1:1/enlace`, /connection refused \(nothing listens on 127\.0\.0\.1:1\)/],
    ['database does not exist', () => onTestServer('enlace_no_existe'), /database "enlace_no_existe" does not exist/],
    ['unknown role', () => onTestServer('postgres', 'nadie_por_aqui'), /authentication failed \(.*nadie_por_aqui/],
    ['wrong password', () => `postgres://enlace:${PASSWORD}@127.0.0.1:${fake.port}/enlace`, /authentication failed \(wrong password for user "enlace"\)/],
    ['not a URL', () => `postgres://enlace:${PASSWORD}@db.example:99999/enlace`, /not a valid URL/],
  ])('%s', async (_case, url, reason) => {
    const { code, output } = await runMainUntilExit({ DATABASE_URL: url(), JWT_SECRET: 'startup-guards-secret-0123456789-abcdefgh' });
    expect(output).toMatch(/^Enlace Ciudadano failed to start: DATABASE_URL: [^\n]+\n$/);
    expect(output).toMatch(reason);
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toMatch(/\n\s+at /);
    expect(code).toBe(69);
  }, 60_000);
});

/**
 * Two processes on one embedded database (no DATABASE_URL, same DATA_DIR) both answered tickets
 * with folio SLP-2026-000001, and after a restart one ticket was gone: DATA_DIR is locked.
 */
describe('startup guards: one process per embedded database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'enlace-datadir-'));
  const env = { DATA_DIR: dir, LOG_LEVEL: 'silent', JWT_SECRET: 'datadir-lock-secret-0123456789-abcdefgh', ADMIN_EMAIL: 'admin@bloqueo.mx', ADMIN_PASSWORD: 'Bloqueo-2026-seguro' };
  let first: AppProcess | undefined;
  afterAll(async () => {
    await first?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const newTicket = async (app: AppProcess) => {
    const login = await fetch(`${app.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const r = await fetch(`${app.base}/api/v1/tickets`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'Bache', description: 'Bache profundo en la avenida Carranza', channel: 'phone' }),
    });
    expect(r.status).toBe(201);
    return ((await r.json()) as { folio: string }).folio;
  };

  it('refuses a second process on the same DATA_DIR, naming the pid that holds it; the first keeps serving', async () => {
    first = await startAppProcess(env, { readyTimeoutMs: 120_000 });
    // the second one used to open the database as well, and serve from it
    const second = await runMainUntilExit({ ...env, PORT: String(first.port + 1) }, 60_000);
    expect(second.output).toBe(`Enlace Ciudadano failed to start: DATA_DIR ${dir} is in use by pid ${first.child.pid}: the embedded database serves one process only (stop that process, or set another DATA_DIR; several instances need DATABASE_URL)\n`);
    expect(second.code).toBe(75);
    const lockFile = join(dir, '.enlace-ciudadano.lock');
    expect(readFileSync(lockFile, 'utf8').split('\n')[0]).toBe(String(first.child.pid));

    const folio1 = await newTicket(first);
    expect((await fetch(`${first.base}/health/ready`)).status).toBe(200);

    // a clean stop frees DATA_DIR; the next process opens it and sees the first one's ticket
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    expect(existsSync(lockFile)).toBe(false);
    first = await startAppProcess(env, { readyTimeoutMs: 120_000 });
    const folio2 = await newTicket(first);
    expect(Number(folio2.split('-')[2])).toBe(Number(folio1.split('-')[2]) + 1);

    // killed (no clean stop): the lock stays, stale; the next start takes it over
    await first.kill('SIGKILL');
    expect(existsSync(lockFile)).toBe(true);
    first = await startAppProcess(env, { readyTimeoutMs: 120_000 });
    expect(readFileSync(lockFile, 'utf8').split('\n')[0]).toBe(String(first.child.pid));
    expect((await fetch(`${first.base}/health/ready`)).status).toBe(200);
  }, 400_000);
});
