import { isEmail } from 'class-validator';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { EnvironmentVariables, validateEnvironment } from './env.validation';
import { parseTrustProxy, type TrustProxySetting } from './trust-proxy';
import { parseMailbox } from '../notifications/email/mail-address';

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
  /** requests per minute per client address on public pages (status page, privacy notice) */
  publicRateLimit!: number;
  /** requests per minute per client address on webhook endpoints */
  webhookRateLimit!: number;
  /**
   * TRUST_PROXY: Express's `trust proxy` — the proxies whose X-Forwarded-For names the client address
   * the rate limits and the login lockout count by (default: a reverse proxy on the same host)
   */
  trustProxy!: TrustProxySetting;
  slaJobsIntervalSeconds!: number;
  /**
   * false = a web-only instance (BACKGROUND_WORKERS=false): it serves HTTP and stores webhook
   * deliveries, but runs no social-event worker, outbox worker, mailbox reader nor the SLA,
   * auto-close and retention jobs; another instance with workers on does that work.
   */
  backgroundWorkers!: boolean;
  /** SMTP server for citizen emails; undefined = SMTP off (mails stay queued in the outbox). */
  smtp?: SmtpConfig;
  /** From header of citizen emails (its domain names our Message-IDs). */
  mailFrom!: string;
  /**
   * Reply-To address: the institutional mailbox citizens' answers must reach. MAIL_REPLY_TO, else
   * IMAP_USER when IMAP is configured and IMAP_USER is an email address (the mailbox the reader
   * reads), else undefined (MAIL_FROM's address is used).
   */
  mailReplyTo?: string;
  /**
   * SMTP envelope sender (Return-Path), where bounces of our mails go: MAIL_RETURN_PATH, else
   * MAIL_FROM's address. Bounces are recorded only if they reach the mailbox the reader reads.
   */
  mailReturnPath!: string;
  /** Acknowledgements per recipient address per hour (0 = none). */
  mailAckRateLimit!: number;
  /** CITIZEN_CONTACT: phone, address, hours — shown in citizen emails and pages; null = none */
  citizenContact!: string | null;
  /** METRICS_TOKEN: bearer token /metrics requires; null = open (restrict it at the network edge) */
  metricsToken!: string | null;
  outbox!: OutboxConfig;
  /** IMAP intake; undefined when IMAP_HOST is unset (intake off) */
  imap?: ImapConfig;
}

export interface SmtpConfig {
  host: string;
  port: number;
  secure: boolean;
  /**
   * without `secure`: STARTTLS is required before the login (a server that does not offer it, or
   * someone on the path who strips the offer, gets no password and no mail)
   */
  requireTls: boolean;
  user?: string;
  password?: string;
  timeoutMs: number;
}

export interface OutboxConfig {
  /** this instance sends from the outbox (several instances may) */
  workerEnabled: boolean;
  pollMs: number;
  batchSize: number;
  concurrency: number;
  /** a claimed row is re-claimed after this long if its worker died mid-send */
  leaseSeconds: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** temporary message-level failures give up after this many attempts (server unreachable never does) */
  maxAttempts: number;
}

export interface ImapConfig {
  host: string;
  port: number;
  secure: boolean;
  /** without `secure`: STARTTLS is required before the login (see SmtpConfig.requireTls) */
  requireTls: boolean;
  user: string;
  password: string;
  mailbox: string;
  processedMailbox?: string;
  failedMailbox?: string;
  reconcileSeconds: number;
  /** transactions one batch of mails is split into, by sender (1 with the embedded database) */
  concurrency: number;
  /** IMAP_MAX_MESSAGE_BYTES: larger mails are fetched part by part, their big parts recorded as omitted */
  maxMessageBytes: number;
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
  cfg.publicRateLimit = env.PUBLIC_RATE_LIMIT ?? 60;
  cfg.webhookRateLimit = env.WEBHOOK_RATE_LIMIT ?? 600;
  cfg.trustProxy = parseTrustProxy(env.TRUST_PROXY);
  cfg.slaJobsIntervalSeconds = env.SLA_JOBS_INTERVAL_SECONDS ?? 300;
  cfg.backgroundWorkers = env.BACKGROUND_WORKERS ?? true;
  const smtpSecure = env.SMTP_SECURE ?? false;
  cfg.smtp = env.SMTP_HOST
    ? {
        host: env.SMTP_HOST,
        port: env.SMTP_PORT ?? (smtpSecure ? 465 : 587),
        secure: smtpSecure,
        requireTls: !smtpSecure && (env.SMTP_REQUIRE_TLS ?? (Boolean(env.SMTP_USER) && !isLoopbackHost(env.SMTP_HOST))),
        user: env.SMTP_USER,
        password: env.SMTP_PASSWORD,
        timeoutMs: env.SMTP_TIMEOUT_MS ?? 30000,
      }
    : undefined;
  cfg.mailFrom = env.MAIL_FROM ?? `Atención Ciudadana <atencionciudadana@${new URL(cfg.publicBaseUrl).hostname || 'localhost'}>`;
  const imapUser = env.IMAP_USER?.trim();
  cfg.mailReplyTo =
    env.MAIL_REPLY_TO?.toLowerCase() ?? (env.IMAP_HOST && imapUser && isEmail(imapUser) ? imapUser.toLowerCase() : undefined);
  cfg.mailReturnPath = (env.MAIL_RETURN_PATH ?? parseMailbox(cfg.mailFrom).address).toLowerCase();
  cfg.mailAckRateLimit = env.MAIL_ACK_RATE_LIMIT ?? 5;
  cfg.citizenContact = env.CITIZEN_CONTACT?.trim() || null;
  cfg.metricsToken = env.METRICS_TOKEN ?? null;
  cfg.outbox = {
    workerEnabled: cfg.backgroundWorkers && (env.OUTBOX_WORKER ?? true),
    pollMs: env.OUTBOX_POLL_MS ?? 1000,
    batchSize: env.OUTBOX_BATCH_SIZE ?? 20,
    concurrency: env.OUTBOX_CONCURRENCY ?? 4,
    leaseSeconds: env.OUTBOX_LEASE_SECONDS ?? 300,
    retryBaseMs: env.OUTBOX_RETRY_BASE_MS ?? 30000,
    retryMaxMs: env.OUTBOX_RETRY_MAX_MS ?? 3600000,
    maxAttempts: env.OUTBOX_MAX_ATTEMPTS ?? 48,
  };
  if (env.IMAP_HOST) {
    const secure = env.IMAP_SECURE ?? (env.IMAP_PORT ?? 993) === 993;
    cfg.imap = {
      host: env.IMAP_HOST,
      port: env.IMAP_PORT ?? (secure ? 993 : 143),
      secure,
      requireTls: !secure && (env.IMAP_REQUIRE_TLS ?? !isLoopbackHost(env.IMAP_HOST)),
      user: env.IMAP_USER ?? '',
      password: env.IMAP_PASSWORD ?? '',
      mailbox: env.IMAP_MAILBOX ?? 'INBOX',
      processedMailbox: env.IMAP_PROCESSED_MAILBOX,
      failedMailbox: env.IMAP_FAILED_MAILBOX,
      reconcileSeconds: env.IMAP_RECONCILE_SECONDS ?? 60,
      concurrency: env.IMAP_INTAKE_CONCURRENCY ?? 4,
      maxMessageBytes: env.IMAP_MAX_MESSAGE_BYTES ?? 25 * 1024 * 1024,
    };
  }
  return cfg;
}

/**
 * This machine's own addresses: a login sent there in clear never crosses a network (a local
 * relay or a test server), so STARTTLS is not required by default. Everything else is.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Start-up warnings for a mail login that may cross the network unencrypted (an explicit opt-out). */
export function cleartextLoginWarnings(cfg: AppConfig): string[] {
  const warnings: string[] = [];
  if (cfg.smtp?.user && !cfg.smtp.secure && !cfg.smtp.requireTls && !isLoopbackHost(cfg.smtp.host)) {
    warnings.push(`SMTP_REQUIRE_TLS=false: the SMTP login to ${cfg.smtp.host} is sent in clear when STARTTLS is not offered (or stripped on the way)`);
  }
  if (cfg.imap && !cfg.imap.secure && !cfg.imap.requireTls && !isLoopbackHost(cfg.imap.host)) {
    warnings.push(`IMAP_REQUIRE_TLS=false: the mailbox login to ${cfg.imap.host} is sent in clear when STARTTLS is not offered (or stripped on the way)`);
  }
  return warnings;
}

export function loadAppConfig(
  raw: Record<string, string | undefined> = process.env,
): AppConfig {
  return buildAppConfig(validateEnvironment(raw));
}
