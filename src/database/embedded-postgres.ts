import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Extension, PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** The lock file in DATA_DIR that keeps a second process off the embedded database. */
export const DATA_DIR_LOCK_FILE = '.enlace-ciudadano.lock';

/** Another live process (or this one) has the embedded database in DATA_DIR open. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `DATA_DIR ${dataDir} is in use by pid ${pid}: the embedded database serves one process only (stop that process, or set another DATA_DIR; several instances need DATABASE_URL)`,
    );
  }
}

/** data dirs this process holds: a second start in the same process is refused as well */
const held = new Set<string>();

/** Linux: when a process started (clock ticks since boot), to tell a live holder from a reused pid. */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count from the last ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

interface Holder {
  raw: string;
  pid: number | null;
  startTime: string | null;
}

function readHolder(lockPath: string): Holder | null {
  let raw: string;
  try {
    raw = readFileSync(lockPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const [pidLine, startLine] = raw.split('\n');
  const pid = /^\d+$/.test(pidLine ?? '') ? Number(pidLine) : null;
  return { raw, pid, startTime: startLine || null };
}

/** The holder still runs: its pid is alive and, where /proc tells, it is the same process that wrote the file. */
function holderRuns(dataDir: string, holder: Holder): boolean {
  if (holder.pid === null) return false;
  // our own pid: held by this process, or left by an earlier process that had the same pid (PID 1
  // of a restarted container)
  if (holder.pid === process.pid) return held.has(dataDir);
  if (!isAlive(holder.pid)) return false;
  const started = processStartTime(holder.pid);
  return !(holder.startTime && started && started !== holder.startTime);
}

/**
 * Takes DATA_DIR for this process: a lock file created with O_EXCL, holding the pid. A lock left
 * by a process that is gone (crash, SIGKILL, power loss) is stale and taken over; concurrent
 * takeovers are serialised by a second, short-lived file. Returns the release.
 */
export async function lockDataDir(dataDir: string): Promise<() => void> {
  const lockPath = join(dataDir, DATA_DIR_LOCK_FILE);
  const takeoverPath = `${lockPath}.takeover`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (held.has(dataDir)) throw new DataDirInUseError(dataDir, process.pid);
    let fd: number | null = null;
    try {
      fd = openSync(lockPath, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (fd !== null) {
      try {
        writeSync(fd, `${process.pid}\n${processStartTime(process.pid) ?? ''}\n`);
      } finally {
        closeSync(fd);
      }
      held.add(dataDir);
      return releaser(dataDir, lockPath);
    }
    const holder = readHolder(lockPath);
    if (holder && holderRuns(dataDir, holder)) throw new DataDirInUseError(dataDir, holder.pid as number);
    if (Date.now() > deadline) {
      throw new Error(`DATA_DIR ${dataDir}: could not take the lock file ${lockPath} (remove it if no process uses the embedded database)`);
    }
    if (holder && holder.pid === null && Date.now() - mtimeMs(lockPath) < 2000) {
      await sleep(50); // just created by another process, which is writing its pid
      continue;
    }
    if (holder) await removeStale(lockPath, takeoverPath, holder.raw);
  }
}

function mtimeMs(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Removes the stale lock file, unless another process replaced it meanwhile. */
async function removeStale(lockPath: string, takeoverPath: string, staleRaw: string): Promise<void> {
  let guard: number;
  try {
    guard = openSync(takeoverPath, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // another process is taking over; a guard left by one that died while doing so expires
    if (Date.now() - mtimeMs(takeoverPath) > 5000) unlinkQuietly(takeoverPath);
    await sleep(50);
    return;
  }
  try {
    // under the guard: the file is still the stale one we judged, not a fresh lock
    if (readHolder(lockPath)?.raw === staleRaw) unlinkQuietly(lockPath);
  } finally {
    closeSync(guard);
    unlinkQuietly(takeoverPath);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function releaser(dataDir: string, lockPath: string): () => void {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    held.delete(dataDir);
    // only our own lock: never one another process took after ours was judged stale
    try {
      if (readHolder(lockPath)?.pid === process.pid) unlinkSync(lockPath);
    } catch {
      /* gone already */
    }
  };
  // an exit without stop() (process.exit on a fatal error) frees DATA_DIR too; a kill -9 leaves
  // the file, which the next start finds stale
  process.once('exit', release);
  return release;
}

/**
 * The embedded default (no DATABASE_URL): PostgreSQL compiled to WASM (PGlite), persisted in a
 * folder and served on a loopback port so the normal `pg` driver and TypeORM use it unchanged.
 * All connections share one backend session, so the app uses a pool of one connection with it.
 * One process at a time: two PGlite instances on one folder overwrite each other's pages (both
 * handed out the same folios, and a restart lost tickets), so DATA_DIR is locked while open.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
    readonly dataDir: string,
    private readonly unlock: () => void,
  ) {}

  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    mkdirSync(dataDir, { recursive: true });
    const unlock = await lockDataDir(dataDir);
    let db: PGlite | undefined;
    try {
      const { PGlite } = await import('@electric-sql/pglite');
      // contrib subpath exports are not visible to TypeScript's node10 resolution; load them by name
      const contrib = (name: string): Promise<Record<string, Extension>> => import(`@electric-sql/pglite/contrib/${name}`);
      const { unaccent } = await contrib('unaccent');
      const { pg_trgm } = await contrib('pg_trgm');
      const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
      db = await PGlite.create({ dataDir, extensions: { unaccent, pg_trgm } });
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 50 });
      await server.start();
      const address = server.getServerConn();
      const url = `postgres://postgres@${address}/postgres`;
      return new EmbeddedPostgres(db, server, url, dataDir, unlock);
    } catch (err) {
      await db?.close().catch(() => undefined);
      unlock();
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    // not when closing failed: the database may still be open; the process's exit frees DATA_DIR
    this.unlock();
  }
}
