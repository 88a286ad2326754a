import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
