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
  meta!: { appSecret?: string; verifyToken?: string; accessToken?: string; graphUrl: string };
  telegram!: { secretToken?: string; botToken?: string; apiUrl: string };
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
  cfg.meta = {
    appSecret: env.META_APP_SECRET,
    verifyToken: env.META_VERIFY_TOKEN,
    accessToken: env.META_ACCESS_TOKEN,
    graphUrl: (env.META_GRAPH_URL ?? 'https://graph.facebook.com/v21.0').replace(/\/+$/, ''),
  };
  cfg.telegram = {
    secretToken: env.TELEGRAM_SECRET_TOKEN,
    botToken: env.TELEGRAM_BOT_TOKEN,
    apiUrl: (env.TELEGRAM_API_URL ?? 'https://api.telegram.org').replace(/\/+$/, ''),
  };
  return cfg;
}

export function loadAppConfig(
  raw: Record<string, string | undefined> = process.env,
): AppConfig {
  return buildAppConfig(validateEnvironment(raw));
}
