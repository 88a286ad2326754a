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
  /** IMAP intake; undefined when IMAP_HOST is unset (intake off) */
  imap?: ImapConfig;
  mailFrom?: string;
  emailAckLimitPerHour!: number;
}

export interface ImapConfig {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  password: string;
  mailbox: string;
  processedMailbox?: string;
  failedMailbox?: string;
  reconcileSeconds: number;
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
  cfg.mailFrom = env.MAIL_FROM;
  cfg.emailAckLimitPerHour = env.EMAIL_ACK_LIMIT_PER_HOUR ?? 5;
  if (env.IMAP_HOST) {
    const secure = env.IMAP_SECURE ?? (env.IMAP_PORT ?? 993) === 993;
    cfg.imap = {
      host: env.IMAP_HOST,
      port: env.IMAP_PORT ?? (secure ? 993 : 143),
      secure,
      user: env.IMAP_USER ?? '',
      password: env.IMAP_PASSWORD ?? '',
      mailbox: env.IMAP_MAILBOX ?? 'INBOX',
      processedMailbox: env.IMAP_PROCESSED_MAILBOX,
      failedMailbox: env.IMAP_FAILED_MAILBOX,
      reconcileSeconds: env.IMAP_RECONCILE_SECONDS ?? 60,
    };
  }
  return cfg;
}

export function loadAppConfig(
  raw: Record<string, string | undefined> = process.env,
): AppConfig {
  return buildAppConfig(validateEnvironment(raw));
}
