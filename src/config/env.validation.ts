import { plainToInstance, Transform } from 'class-transformer';
import { parseTrustProxy } from './trust-proxy';
import { IsBoolean, IsEmail, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength, validateSync } from 'class-validator';

/**
 * Whole numbers in decimal digits only. Unset, empty or only blanks = unset (the default), as an
 * empty value always was: Number(' ') is 0 and Number('0x10') is 16, so Number() alone turned a
 * blank PORT into a random port and a blank interval or limit into "off". Anything else that is
 * not digits stays a string and fails @IsInt, naming the variable.
 */
const toInt = ({ value }: { value: unknown }) => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text === '') return undefined;
  return /^\d+$/.test(text) ? Number(text) : value;
};
const toBool = ({ value }: { value: unknown }) => {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value.trim() : value;
  if (text === '') return undefined;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  return value;
};
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** Every environment variable the service reads, validated once at boot (SPEC §8). */
export class EnvironmentVariables {
  @Transform(toInt) @IsOptional() @IsInt() @Min(1) @Max(65535)
  PORT?: number;

  @Transform(emptyToUndefined) @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  DATA_DIR?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters long' })
  JWT_SECRET?: string;

  @Transform(emptyToUndefined) @IsOptional() @Matches(/^0*[1-9]\d*[smhd]$/, { message: 'JWT_EXPIRES_IN must be a duration above zero like 8h, 30m or 1d' })
  JWT_EXPIRES_IN?: string;

  @Transform(emptyToUndefined) @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'PUBLIC_BASE_URL must be an http(s) URL' })
  PUBLIC_BASE_URL?: string;

  @Transform(emptyToUndefined) @IsOptional()
  @Matches(/^[A-Z]{2,6}$/, { message: 'FOLIO_PREFIX must be 2 to 6 capital letters' })
  FOLIO_PREFIX?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  TZ_CITY?: string;

  @Transform(toInt) @IsOptional() @IsInt() @Min(0) @Max(3650)
  REOPEN_WINDOW_DAYS?: number;

  @Transform(toInt) @IsOptional() @IsInt() @Min(1) @Max(365)
  AUTO_CLOSE_DAYS?: number;

  @Transform(toInt) @IsOptional() @IsInt() @Min(1024) @Max(100 * 1024 * 1024)
  ATTACHMENT_MAX_BYTES?: number;

  @Transform(toInt) @IsOptional() @IsInt() @Min(1) @Max(36500)
  RETENTION_DAYS?: number;

  @Transform(emptyToUndefined) @IsOptional() @IsEmail({}, { message: 'ADMIN_EMAIL must be an email address' })
  ADMIN_EMAIL?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  @MinLength(10, { message: 'ADMIN_PASSWORD must be at least 10 characters long' })
  @Matches(/\S/, { message: 'ADMIN_PASSWORD must not be only blanks' })
  ADMIN_PASSWORD?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  @Transform(toBool) @IsOptional() @IsBoolean()
  LOG_PRETTY?: boolean;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  CORS_ORIGINS?: string;

  @Transform(toInt) @IsOptional() @IsInt() @Min(1) @Max(10000)
  LOGIN_RATE_LIMIT?: number;

  @Transform(toInt) @IsOptional() @IsInt() @Min(1) @Max(100000)
  PUBLIC_RATE_LIMIT?: number;

  @Transform(toInt) @IsOptional() @IsInt() @Min(1) @Max(10_000_000)
  WEBHOOK_RATE_LIMIT?: number;

  /** which proxies' X-Forwarded-For names the client (rate limits, login lockout): false, loopback, 1-10 hops, or IPs/CIDRs; see trust-proxy.ts */
  @Transform(emptyToUndefined) @IsOptional() @IsString()
  TRUST_PROXY?: string;

  /** how often the overdue-notice and auto-close jobs run; 0 = never (tests run them by hand) */
  @Transform(toInt) @IsOptional() @IsInt() @Min(0) @Max(86400)
  SLA_JOBS_INTERVAL_SECONDS?: number;

  // --- outbound email and the outbox (SPEC §4, §8) ---
  @Transform(emptyToUndefined) @IsOptional() @IsString()
  @Matches(/^[A-Za-z0-9.:-]+$/, { message: 'SMTP_HOST must be a host name or IP address' })
  SMTP_HOST?: string;

  @Transform(toInt) @IsOptional() @IsInt() @Min(1) @Max(65535)
  SMTP_PORT?: number;

  @Transform(toBool) @IsOptional() @IsBoolean()
  SMTP_SECURE?: boolean;

  /** STARTTLS before the login, or no send; default: on with SMTP_USER to a host other than this machine */
  @Transform(toBool) @IsOptional() @IsBoolean()
  SMTP_REQUIRE_TLS?: boolean;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  SMTP_USER?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  SMTP_PASSWORD?: string;

  @Transform(toInt) @IsOptional() @IsInt() @Min(1000) @Max(600000)
  SMTP_TIMEOUT_MS?: number;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  @Matches(/^(?:[^<>\r\n]*<[^<>@\s]+@[A-Za-z0-9.-]+>|[^<>@\s]+@[A-Za-z0-9.-]+)$/, {
    message: 'MAIL_FROM must be an address, optionally with a display name: "Atención Ciudadana <atencion@example.gob.mx>"',
  })
  MAIL_FROM?: string;

  /** Reply-To of citizen emails; unset = IMAP_USER when IMAP is on and it is an address, else MAIL_FROM's address */
  @Transform(emptyToUndefined) @IsOptional() @IsEmail({}, { message: 'MAIL_REPLY_TO must be an email address' })
  MAIL_REPLY_TO?: string;

  /** SMTP envelope sender (where bounces go); default MAIL_FROM's address */
  @Transform(emptyToUndefined) @IsOptional() @IsEmail({}, { message: 'MAIL_RETURN_PATH must be an email address' })
  MAIL_RETURN_PATH?: string;

  @Transform(toInt) @IsOptional() @IsInt() @Min(0) @Max(1000)
  MAIL_ACK_RATE_LIMIT?: number;

  /** how citizens reach the office besides email (phone, address, hours), one line, shown to them */
  /** when set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>` (Prometheus: bearer_token) */
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters long' })
  METRICS_TOKEN?: string;

  @IsOptional() @IsString() @MaxLength(300) @Matches(/^[^\r\n<>]*$/, { message: 'CITIZEN_CONTACT must be one line without < or >' })
  CITIZEN_CONTACT?: string;

  @Transform(toBool) @IsOptional() @IsBoolean()
  OUTBOX_WORKER?: boolean;

  /** false = this instance serves HTTP only: no queue workers, mailbox reader or scheduled jobs. */
  @Transform(toBool) @IsOptional() @IsBoolean()
  BACKGROUND_WORKERS?: boolean;

  @Transform(toInt) @IsOptional() @IsInt() @Min(10) @Max(600000)
  OUTBOX_POLL_MS?: number;

  @Transform(toInt) @IsOptional() @IsInt() @Min(1) @Max(1000)
  OUTBOX_BATCH_SIZE?: number;

  @Transform(toInt) @IsOptional() @IsInt() @Min(1) @Max(50)
  OUTBOX_CONCURRENCY?: number;

  @Transform(toInt) @IsOptional() @IsInt() @Min(1) @Max(86400)
  OUTBOX_LEASE_SECONDS?: number;

  @Transform(toInt) @IsOptional() @IsInt() @Min(10) @Max(86400000)
  OUTBOX_RETRY_BASE_MS?: number;

  @Transform(toInt) @IsOptional() @IsInt() @Min(10) @Max(86400000)
  OUTBOX_RETRY_MAX_MS?: number;

  @Transform(toInt) @IsOptional() @IsInt() @Min(1) @Max(10000)
  OUTBOX_MAX_ATTEMPTS?: number;

  // Email intake over IMAP (SPEC §3.1); off when IMAP_HOST is unset
  @Transform(emptyToUndefined) @IsOptional() @IsString()
  IMAP_HOST?: string;

  @Transform(toInt) @IsOptional() @IsInt() @Min(1) @Max(65535)
  IMAP_PORT?: number;

  @Transform(toBool) @IsOptional() @IsBoolean()
  IMAP_SECURE?: boolean;

  /** STARTTLS before the login, or no connection; default: on for a host other than this machine */
  @Transform(toBool) @IsOptional() @IsBoolean()
  IMAP_REQUIRE_TLS?: boolean;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  IMAP_USER?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  IMAP_PASSWORD?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  IMAP_MAILBOX?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  IMAP_PROCESSED_MAILBOX?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  IMAP_FAILED_MAILBOX?: string;

  @Transform(toInt) @IsOptional() @IsInt() @Min(5) @Max(86400)
  IMAP_RECONCILE_SECONDS?: number;

  /** mails of one batch committed side by side (lanes keep each sender's mails in order) */
  @Transform(toInt) @IsOptional() @IsInt() @Min(1) @Max(16)
  IMAP_INTAKE_CONCURRENCY?: number;

  /** the largest mail fetched whole; a larger one is fetched part by part (big parts omitted) */
  @Transform(toInt) @IsOptional() @IsInt() @Min(1048576) @Max(1073741824)
  IMAP_MAX_MESSAGE_BYTES?: number;

  // Social webhooks (SPEC §3.2). Each platform is off until its secret is set.
  @Transform(emptyToUndefined) @IsOptional() @IsString() @MinLength(8, { message: 'META_APP_SECRET must be at least 8 characters long' })
  META_APP_SECRET?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString() @MinLength(8, { message: 'META_VERIFY_TOKEN must be at least 8 characters long' })
  META_VERIFY_TOKEN?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  META_ACCESS_TOKEN?: string;

  @Transform(emptyToUndefined) @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'META_GRAPH_URL must be an http(s) URL such as https://graph.facebook.com/v21.0' })
  META_GRAPH_URL?: string;

  @Transform(emptyToUndefined) @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,256}$/, { message: 'TELEGRAM_SECRET_TOKEN must be 1-256 characters A-Z, a-z, 0-9, _ or -' })
  TELEGRAM_SECRET_TOKEN?: string;

  @Transform(emptyToUndefined) @IsOptional() @Matches(/^\d+:[\w-]+$/, { message: 'TELEGRAM_BOT_TOKEN must look like 123456:ABC-def' })
  TELEGRAM_BOT_TOKEN?: string;

  @Transform(emptyToUndefined) @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'TELEGRAM_API_URL must be an http(s) URL such as https://api.telegram.org' })
  TELEGRAM_API_URL?: string;
}

export class EnvironmentError extends Error {}

const PUBLISHED_PLACEHOLDERS = new Set(['cambie-este-secreto-por-uno-largo-y-aleatorio-0123456789', 'cambie-esta-contrasena']);

export function validateEnvironment(raw: Record<string, string | undefined>): EnvironmentVariables {
  const env = plainToInstance(EnvironmentVariables, raw, { excludeExtraneousValues: false });
  const errors = validateSync(env, { skipMissingProperties: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const constraints = Object.values(e.constraints ?? {}).join('; ');
      return `  ${e.property}: ${constraints}`;
    });
    throw new EnvironmentError(`Invalid environment configuration:\n${lines.join('\n')}`);
  }
  if (env.IMAP_HOST && (!env.IMAP_USER || !env.IMAP_PASSWORD)) {
    throw new EnvironmentError(`Invalid environment configuration:\n  IMAP_USER/IMAP_PASSWORD: required when IMAP_HOST is set`);
  }
  if (env.IMAP_PROCESSED_MAILBOX && !env.IMAP_FAILED_MAILBOX) {
    // processed mail leaves the folder, so it is read whole on every pass: a mail that cannot be
    // processed must leave it too, or it is quarantined again every IMAP_RECONCILE_SECONDS
    throw new EnvironmentError(
      'Invalid environment configuration:\n  IMAP_FAILED_MAILBOX: required when IMAP_PROCESSED_MAILBOX is set (mail that cannot be processed must leave the folder as well)',
    );
  }
  try {
    parseTrustProxy(env.TRUST_PROXY);
  } catch (err) {
    throw new EnvironmentError(`Invalid environment configuration:\n  TRUST_PROXY: ${(err as Error).message}`);
  }
  if (env.TZ_CITY && !isValidTimeZone(env.TZ_CITY)) {
    throw new EnvironmentError(`Invalid environment configuration:\n  TZ_CITY: unknown time zone "${env.TZ_CITY}"`);
  }
  // the example values an earlier docker-compose.yml carried: public, so anyone could sign a session
  // or log in as the first admin of a deployment that kept them
  if (env.JWT_SECRET && PUBLISHED_PLACEHOLDERS.has(env.JWT_SECRET)) {
    throw new EnvironmentError('Invalid environment configuration:\n  JWT_SECRET: still the published example value; set a long random secret (openssl rand -base64 48)');
  }
  if (env.ADMIN_PASSWORD && PUBLISHED_PLACEHOLDERS.has(env.ADMIN_PASSWORD)) {
    throw new EnvironmentError('Invalid environment configuration:\n  ADMIN_PASSWORD: still the published example value; choose the first admin\'s own password');
  }
  if (env.DATABASE_URL && !env.JWT_SECRET) {
    // on a shared database any number of instances may serve the API: a secret made up by each
    // would reject the others' sessions (and every restart would log everyone out)
    throw new EnvironmentError(
      'Invalid environment configuration:\n  JWT_SECRET: required when DATABASE_URL is set (every instance must sign sessions with the same secret, at least 32 characters)',
    );
  }
  if (env.PUBLIC_BASE_URL) {
    // citizen links are PUBLIC_BASE_URL + a path: a query or fragment would swallow the path, and
    // credentials would be handed to every citizen (browsers refuse or strip them anyway)
    let url: URL | null = null;
    try {
      url = new URL(env.PUBLIC_BASE_URL);
    } catch {
      /* refused below */
    }
    if (!url || /[?#]/.test(env.PUBLIC_BASE_URL) || url.username || url.password || /^[a-z]+:\/\/[^/]*@/i.test(env.PUBLIC_BASE_URL)) {
      throw new EnvironmentError(
        'Invalid environment configuration:\n  PUBLIC_BASE_URL: must be only scheme, host, port and path, without a query (?), a fragment (#) or user:password@ (citizen links are built by appending paths to it)',
      );
    }
  }
  if (env.SMTP_HOST?.trim() && env.SMTP_PASSWORD && !env.SMTP_USER?.trim()) {
    // the SMTP login needs both; the password alone was silently ignored (mail sent without login).
    // With SMTP off (no SMTP_HOST) a leftover password does nothing and stops nothing
    throw new EnvironmentError('Invalid environment configuration:\n  SMTP_PASSWORD: set without SMTP_USER (the SMTP login needs both)');
  }
  if (env.SMTP_SECURE === undefined && env.SMTP_PORT === 465) {
    // 465 is SMTP over TLS (as 993 is IMAP over TLS, see app-config.ts): a plain greeting wait there
    // hangs every send until the timeout. SMTP_SECURE=false still wins.
    env.SMTP_SECURE = true;
  }
  if (env.SMTP_HOST && !env.MAIL_FROM) {
    throw new EnvironmentError('Invalid environment configuration:\n  MAIL_FROM: required when SMTP_HOST is set (the sender of citizen emails)');
  }
  // effective values (defaults as in app-config.ts: 30000 and 3600000 ms): a maximum below the base
  // alone would retry every few milliseconds
  if ((env.OUTBOX_RETRY_MAX_MS ?? 3600000) < (env.OUTBOX_RETRY_BASE_MS ?? 30000)) {
    throw new EnvironmentError(
      `Invalid environment configuration:\n  OUTBOX_RETRY_MAX_MS: must not be smaller than OUTBOX_RETRY_BASE_MS (${env.OUTBOX_RETRY_BASE_MS ?? 30000} ms${env.OUTBOX_RETRY_BASE_MS ? '' : ', its default'})`,
    );
  }
  const readFolder = (env.IMAP_MAILBOX ?? 'INBOX').trim();
  const sameFolder = (a: string) => a.trim() === readFolder || (a.trim().toUpperCase() === 'INBOX' && readFolder.toUpperCase() === 'INBOX');
  for (const [name, value] of [['IMAP_PROCESSED_MAILBOX', env.IMAP_PROCESSED_MAILBOX], ['IMAP_FAILED_MAILBOX', env.IMAP_FAILED_MAILBOX]] as const) {
    // mail moved into the folder being read comes back and is read again, for ever
    if (value && sameFolder(value)) {
      throw new EnvironmentError(`Invalid environment configuration:\n  ${name}: must differ from the folder that is read (IMAP_MAILBOX = ${readFolder})`);
    }
  }
  if (env.SMTP_HOST) {
    // the outbox worker gives a send half the lease; nodemailer's own socket timeout (twice
    // SMTP_TIMEOUT_MS) must end a stalled send before that, or the worker abandons sends still in
    // flight (defaults as in app-config.ts: 300 s, 30000 ms)
    const leaseSeconds = env.OUTBOX_LEASE_SECONDS ?? 300;
    const smtpTimeoutMs = env.SMTP_TIMEOUT_MS ?? 30000;
    if ((leaseSeconds * 1000) / 2 <= 2 * smtpTimeoutMs) {
      throw new EnvironmentError(
        `Invalid environment configuration:\n  OUTBOX_LEASE_SECONDS/SMTP_TIMEOUT_MS: half the lease (${leaseSeconds / 2} s, the most a send may take) must be longer than the SMTP socket timeout (twice SMTP_TIMEOUT_MS: ${(2 * smtpTimeoutMs) / 1000} s); raise OUTBOX_LEASE_SECONDS above ${(4 * smtpTimeoutMs) / 1000} or lower SMTP_TIMEOUT_MS`,
      );
    }
  }
  if (env.BACKGROUND_WORKERS === false && env.OUTBOX_WORKER === true) {
    throw new EnvironmentError('Invalid environment configuration:\n  OUTBOX_WORKER: cannot be true when BACKGROUND_WORKERS is false (a web-only instance runs no worker)');
  }
  return env;
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
