import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA_DIR_LOCK_FILE, DataDirInUseError, lockDataDir } from './embedded-postgres';

const ROOT = join(__dirname, '..', '..');

/** a pid that ran and is gone */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

/**
 * Two PGlite instances on one DATA_DIR overwrote each other (both gave out folio SLP-2026-000001;
 * after a restart a ticket was gone): DATA_DIR is locked by the process that opened it.
 */
describe('DATA_DIR lock of the embedded database', () => {
  let dir: string;
  const lockPath = () => join(dir, DATA_DIR_LOCK_FILE);
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'enlace-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the pid while open, refuses a second opening, and is gone once released', async () => {
    const release = await lockDataDir(dir);
    expect(readFileSync(lockPath(), 'utf8').split('\n')[0]).toBe(String(process.pid));
    await expect(lockDataDir(dir)).rejects.toThrow(new DataDirInUseError(dir, process.pid).message);
    release();
    expect(existsSync(lockPath())).toBe(false);
    (await lockDataDir(dir))();
  });

  it('refuses while another live process holds it, naming that pid', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      writeFileSync(lockPath(), `${other.pid}\n\n`);
      const err = await lockDataDir(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataDirInUseError);
      expect((err as Error).message).toMatch(new RegExp(`^DATA_DIR ${dir} is in use by pid ${other.pid}`));
      expect(readFileSync(lockPath(), 'utf8')).toBe(`${other.pid}\n\n`); // left alone
    } finally {
      other.kill('SIGKILL');
    }
  });

  it.each([
    ['a process that is gone (crash, kill -9)', () => `${deadPid()}\n\n`],
    ['an earlier process with our pid (PID 1 of a restarted container)', () => `${process.pid}\n\n`],
    ['a live pid that is another process than the one that wrote it (pid reused)', () => `${process.ppid}\n1\n`],
  ])('takes over a stale lock left by %s', async (_case, content) => {
    writeFileSync(lockPath(), content());
    const release = await lockDataDir(dir);
    expect(readFileSync(lockPath(), 'utf8').split('\n')[0]).toBe(String(process.pid));
    release();
  });

  it('takes over an old lock file without a pid, but waits for one being written', async () => {
    writeFileSync(lockPath(), '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPath(), old, old);
    (await lockDataDir(dir))();

    writeFileSync(lockPath(), ''); // just created by another process, pid not yet written
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      setTimeout(() => writeFileSync(lockPath(), `${other.pid}\n\n`), 300);
      await expect(lockDataDir(dir)).rejects.toThrow(`is in use by pid ${other.pid}`);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('lets exactly one of several processes take over a stale lock at once', async () => {
    writeFileSync(lockPath(), `${deadPid()}\n\n`);
    const script = `require(${JSON.stringify(join(ROOT, 'src/database/embedded-postgres.ts'))})
      .lockDataDir(${JSON.stringify(dir)})
      .then(() => console.log('locked'), (e) => console.log(e.constructor.name))`;
    const children: ChildProcess[] = [];
    try {
      const results = await Promise.all(
        Array.from({ length: 5 }, () => {
          const child = spawn(process.execPath, ['-r', join(ROOT, 'test/support/ts-register.js'), '-e', `${script}; setInterval(() => {}, 1000)`], {
            cwd: ROOT,
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          children.push(child);
          return new Promise<string>((resolve) => child.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim())));
        }),
      );
      expect(results.sort()).toEqual(['DataDirInUseError', 'DataDirInUseError', 'DataDirInUseError', 'DataDirInUseError', 'locked']);
    } finally {
      await Promise.all(children.map((c) => new Promise((resolve) => (c.once('exit', resolve), c.kill('SIGKILL')))));
    }
  }, 60_000);
});
