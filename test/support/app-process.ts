import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** how often a child that found its port taken is started again on another one */
const START_TRIES = 3;

/**
 * A port the kernel found free on 127.0.0.1 just now. Another process may take it before the
 * child listens on it: startAppProcess then starts the child again on a new one.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface AppProcess {
  port: number;
  base: string;
  child: ChildProcess;
  output(): string;
  /** sends `signal` and resolves when the process has exited (however long that takes) */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /**
   * SIGTERM, and waits up to `graceMs` for the process to exit by itself. If it does not, it is
   * SIGKILLed (no orphan is left behind) and this rejects: a shutdown that hangs fails the test.
   */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

class PortTakenError extends Error {}

/**
 * Runs `src/main.ts` in a child process (TypeScript compiled on the fly), waits for /health/ready.
 * For tests that kill the app or run several instances on one database.
 */
export async function startAppProcess(env: Record<string, string>, opts: { readyTimeoutMs?: number } = {}): Promise<AppProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(env, await freePort(), opts.readyTimeoutMs ?? 60_000);
    } catch (err) {
      if (!(err instanceof PortTakenError) || attempt >= START_TRIES) throw err;
    }
  }
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

async function startOnce(env: Record<string, string>, port: number, readyTimeoutMs: number): Promise<AppProcess> {
  let out = '';
  const child = spawn(process.execPath, ['-r', join(ROOT, 'test/support/ts-register.js'), join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  let ready = false;
  while (!ready && Date.now() < deadline) {
    if (exited(child)) {
      await exit; // the rest of its output
      if (/EADDRINUSE/.test(out)) throw new PortTakenError(`port ${port} was taken before the app listened on it`);
      throw new Error(`app process exited (${child.exitCode ?? child.signalCode}):\n${out.slice(-2000)}`);
    }
    try {
      const r = await fetch(`${base}/health/ready`);
      ready = r.ok;
    } catch {
      /* not listening yet */
    }
    if (!ready) await new Promise((r) => setTimeout(r, 200));
  }
  if (!ready) {
    child.kill('SIGKILL');
    await exit;
    throw new Error(`app process not ready in time:\n${out.slice(-2000)}`);
  }
  const kill = (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!exited(child)) child.kill(signal);
    return exit;
  };
  return {
    port,
    base,
    child,
    output: () => out,
    kill,
    async stop(graceMs = 30_000) {
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([
        kill('SIGTERM').then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
      ]);
      clearTimeout(timer);
      if (!inTime) {
        await kill('SIGKILL');
        throw new Error(`app process still running ${graceMs / 1000} s after SIGTERM: SIGKILLed\n${out.slice(-2000)}`);
      }
      return { code: child.exitCode, signal: child.signalCode };
    },
  };
}
