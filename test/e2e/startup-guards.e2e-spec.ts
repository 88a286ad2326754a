import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
