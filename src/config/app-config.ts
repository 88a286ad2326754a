import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { EnvironmentVariables, validateEnvironment } from './env.validation';

/** Typed configuration. The only place that reads process.env is `loadAppConfig`. */
export class AppConfig {
  port!: number;
  databaseUrl?: string;
  dataDir!: string;
  jwtSecret!: string;
  jwtSecretGenerated!: boolean;
  jwtExpiresIn!: string;
  publicBaseUrl!: string;
  folioPrefix!: string;
  cityTimeZone!: string;
  reopenWindowDays!: number;
  autoCloseDays!: number;
  attachmentMaxBytes!: number;
  retentionDays?: number;
  adminEmail?: string;
  adminPassword?: string;
  logLevel!: string;
  logPretty!: boolean;
  corsOrigins!: string[];
  loginRateLimit!: number;
  /** requests per minute per client address on public pages (status page, privacy notice) */
  publicRateLimit!: number;
  /** requests per minute per client address on webhook endpoints */
  webhookRateLimit!: number;
  slaJobsIntervalSeconds!: number;
}

export function buildAppConfig(env: EnvironmentVariables): AppConfig {
  const cfg = new AppConfig();
  const port = env.PORT ?? 3000;
  cfg.port = port;
  cfg.databaseUrl = env.DATABASE_URL;
  cfg.dataDir = resolve(env.DATA_DIR ?? './data');
  cfg.jwtSecretGenerated = !env.JWT_SECRET;
  cfg.jwtSecret = env.JWT_SECRET ?? randomBytes(48).toString('base64url');
  cfg.jwtExpiresIn = env.JWT_EXPIRES_IN ?? '8h';
  cfg.publicBaseUrl = (env.PUBLIC_BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  cfg.folioPrefix = env.FOLIO_PREFIX ?? 'SLP';
  cfg.cityTimeZone = env.TZ_CITY ?? 'America/Mexico_City';
  cfg.reopenWindowDays = env.REOPEN_WINDOW_DAYS ?? 30;
  cfg.autoCloseDays = env.AUTO_CLOSE_DAYS ?? 7;
  cfg.attachmentMaxBytes = env.ATTACHMENT_MAX_BYTES ?? 10 * 1024 * 1024;
  cfg.retentionDays = env.RETENTION_DAYS;
  cfg.adminEmail = env.ADMIN_EMAIL?.toLowerCase();
  cfg.adminPassword = env.ADMIN_PASSWORD;
  cfg.logLevel = env.LOG_LEVEL ?? 'info';
  cfg.logPretty = env.LOG_PRETTY ?? false;
  cfg.corsOrigins = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  cfg.loginRateLimit = env.LOGIN_RATE_LIMIT ?? 10;
  cfg.publicRateLimit = env.PUBLIC_RATE_LIMIT ?? 60;
  cfg.webhookRateLimit = env.WEBHOOK_RATE_LIMIT ?? 600;
  cfg.slaJobsIntervalSeconds = env.SLA_JOBS_INTERVAL_SECONDS ?? 300;
  return cfg;
}

export function loadAppConfig(
  raw: Record<string, string | undefined> = process.env,
): AppConfig {
  return buildAppConfig(validateEnvironment(raw));
}
