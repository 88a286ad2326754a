import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { TEST_ADMIN, TEST_JWT_SECRET } from './test-app';

export interface AppProcess {
  child: ChildProcess;
  /** SIGKILL: no shutdown hooks, no goodbye — a crash */
  kill(): Promise<void>;
  /** whatever it wrote to stderr (for failure messages) */
  stderr(): string;
}

/** Starts the app in a child process on `databaseUrl` and resolves once it is up. */
export async function startAppProcess(
  databaseUrl: string,
  env: Record<string, string>,
): Promise<AppProcess> {
  const child = spawn(
    process.execPath,
    ['-r', join(__dirname, 'ts-register.js'), join(__dirname, 'app-child-main.ts')],
    {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: databaseUrl,
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
        ADMIN_EMAIL: TEST_ADMIN.email,
        ADMIN_PASSWORD: TEST_ADMIN.password,
        PUBLIC_BASE_URL: 'https://enlace.test',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`app process did not start in time: ${err}`)),
      45000,
    );
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`app process exited with ${code}: ${err}`));
    });
  });
  return {
    child,
    stderr: () => err,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
