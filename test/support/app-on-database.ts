import { createApp, RunningApp } from '../../src/bootstrap';
import { loadAppConfig } from '../../src/config/app-config';
import { TEST_ADMIN, TEST_JWT_SECRET } from './test-app';

/**
 * Another app instance on an existing database (e.g. the one of a startTestApp()): two instances
 * sharing one database, or a restart with a different configuration. The caller closes it; the
 * database belongs to whoever created it.
 */
export async function startAppOnDatabase(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<RunningApp> {
  const config = loadAppConfig({
    DATABASE_URL: databaseUrl,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ADMIN_EMAIL: TEST_ADMIN.email,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    PUBLIC_BASE_URL: 'https://enlace.test',
    LOGIN_RATE_LIMIT: '1000',
    ...env,
  });
  return createApp(config);
}
