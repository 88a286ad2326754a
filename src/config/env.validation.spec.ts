import { loadAppConfig } from './app-config';
import { EnvironmentError } from './env.validation';

describe('environment validation', () => {
  it('accepts an empty environment with defaults', () => {
    const cfg = loadAppConfig({});
    expect(cfg.port).toBe(3000);
    expect(cfg.folioPrefix).toBe('SLP');
    expect(cfg.cityTimeZone).toBe('America/Mexico_City');
    expect(cfg.reopenWindowDays).toBe(30);
    expect(cfg.autoCloseDays).toBe(7);
    expect(cfg.jwtSecretGenerated).toBe(true);
    expect(cfg.jwtSecret.length).toBeGreaterThanOrEqual(32);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['JWT_SECRET', 'short'],
    ['FOLIO_PREFIX', 'slp-1'],
    ['TZ_CITY', 'Mars/Olympus'],
    ['REOPEN_WINDOW_DAYS', '-1'],
    ['AUTO_CLOSE_DAYS', 'x'],
    ['ATTACHMENT_MAX_BYTES', '12'],
    ['ADMIN_EMAIL', 'not-an-email'],
    ['PUBLIC_BASE_URL', 'ftp//nope'],
    ['CITIZEN_CONTACT', 'Tel. 444\n<script>'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => loadAppConfig({ [name]: value })).toThrow(EnvironmentError);
    expect(() => loadAppConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it('requires JWT_SECRET with a shared database (several instances must agree on it), not with the embedded one', () => {
    expect(() => loadAppConfig({ DATABASE_URL: 'postgres://u@db/enlace' })).toThrow(/JWT_SECRET: required when DATABASE_URL is set/);
    expect(loadAppConfig({ DATABASE_URL: 'postgres://u@db/enlace', JWT_SECRET: 'y'.repeat(40) }).jwtSecretGenerated).toBe(false);
    expect(loadAppConfig({}).jwtSecretGenerated).toBe(true);
  });

  it('requires a failed folder when processed mail is moved out (a poison mail would be quarantined again on every pass)', () => {
    const imap = { IMAP_HOST: 'imap.slp.gob.mx', IMAP_USER: 'atencion@slp.gob.mx', IMAP_PASSWORD: 'secreto' };
    expect(() => loadAppConfig({ ...imap, IMAP_PROCESSED_MAILBOX: 'Procesados' })).toThrow(/IMAP_FAILED_MAILBOX: required when IMAP_PROCESSED_MAILBOX is set/);
    expect(() => loadAppConfig({ ...imap, IMAP_PROCESSED_MAILBOX: 'Procesados', IMAP_FAILED_MAILBOX: 'Fallidos' })).not.toThrow();
    expect(() => loadAppConfig({ ...imap })).not.toThrow();
  });

  it('reads typed values', () => {
    const cfg = loadAppConfig({
      PORT: '8080',
      FOLIO_PREFIX: 'SLPX',
      JWT_SECRET: 'x'.repeat(40),
      PUBLIC_BASE_URL: 'https://enlace.sanluis.gob.mx/',
      CORS_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(cfg.port).toBe(8080);
    expect(cfg.folioPrefix).toBe('SLPX');
    expect(cfg.jwtSecretGenerated).toBe(false);
    expect(cfg.publicBaseUrl).toBe('https://enlace.sanluis.gob.mx');
    expect(cfg.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });
});

describe('BACKGROUND_WORKERS', () => {
  it('defaults to true, with the outbox worker following OUTBOX_WORKER', () => {
    expect(loadAppConfig({}).backgroundWorkers).toBe(true);
    expect(loadAppConfig({}).outbox.workerEnabled).toBe(true);
    expect(loadAppConfig({ OUTBOX_WORKER: 'false' }).outbox.workerEnabled).toBe(false);
  });

  it('false makes a web-only instance: the outbox worker is off too', () => {
    const cfg = loadAppConfig({ BACKGROUND_WORKERS: 'false' });
    expect(cfg.backgroundWorkers).toBe(false);
    expect(cfg.outbox.workerEnabled).toBe(false);
    expect(loadAppConfig({ BACKGROUND_WORKERS: 'false', OUTBOX_WORKER: 'false' }).outbox.workerEnabled).toBe(false);
  });

  it('rejects a value that is not a boolean, and OUTBOX_WORKER=true on a web-only instance', () => {
    expect(() => loadAppConfig({ BACKGROUND_WORKERS: 'web' })).toThrow(/BACKGROUND_WORKERS/);
    expect(() => loadAppConfig({ BACKGROUND_WORKERS: 'false', OUTBOX_WORKER: 'true' })).toThrow(/OUTBOX_WORKER/);
  });
});

describe('blank and malformed values (a blank integer was 0: PORT=" " listened on a random port)', () => {
  it.each([' ', '\t', '  \n'])('treats %j as unset, like an empty value: the default applies', (blank) => {
    const cfg = loadAppConfig({
      PORT: blank,
      SLA_JOBS_INTERVAL_SECONDS: blank,
      MAIL_ACK_RATE_LIMIT: blank,
      REOPEN_WINDOW_DAYS: blank,
      SMTP_PORT: blank,
      LOG_PRETTY: blank,
    });
    expect(cfg.port).toBe(3000);
    expect(cfg.publicBaseUrl).toBe('http://localhost:3000');
    expect(cfg.slaJobsIntervalSeconds).toBe(300);
    expect(cfg.mailAckRateLimit).toBe(5);
    expect(cfg.reopenWindowDays).toBe(30);
    expect(cfg.logPretty).toBe(false);
    expect(loadAppConfig({ SMTP_HOST: 'smtp.x.mx', MAIL_FROM: 'a@x.mx', SMTP_PORT: ' ' }).smtp?.port).toBe(587);
  });

  it('reads digits with surrounding blanks, and an explicit 0 where 0 means off', () => {
    expect(loadAppConfig({ PORT: ' 8080 ' }).port).toBe(8080);
    expect(loadAppConfig({ SLA_JOBS_INTERVAL_SECONDS: '0' }).slaJobsIntervalSeconds).toBe(0);
    expect(loadAppConfig({ MAIL_ACK_RATE_LIMIT: '0' }).mailAckRateLimit).toBe(0);
    expect(loadAppConfig({ REOPEN_WINDOW_DAYS: '0' }).reopenWindowDays).toBe(0);
  });

  it.each([
    ['PORT', '0x10'],
    ['PORT', '0'],
    ['PORT', '1e3'],
    ['PORT', '80.0'],
    ['PORT', '+80'],
    ['SLA_JOBS_INTERVAL_SECONDS', '0b11'],
    ['MAIL_ACK_RATE_LIMIT', '1_000'],
    ['REOPEN_WINDOW_DAYS', '-0'],
    ['JWT_EXPIRES_IN', '0s'],
    ['JWT_EXPIRES_IN', '0m'],
    ['JWT_EXPIRES_IN', '000h'],
    ['ADMIN_PASSWORD', '            '],
    ['ADMIN_PASSWORD', '\t\t\t\t\t\t\t\t\t\t\t'],
    ['PUBLIC_BASE_URL', 'https://enlace.sanluis.gob.mx/?utm=1'],
    ['PUBLIC_BASE_URL', 'https://enlace.sanluis.gob.mx/?'],
    ['PUBLIC_BASE_URL', 'https://enlace.sanluis.gob.mx/#inicio'],
    ['PUBLIC_BASE_URL', 'https://admin:secreto@enlace.sanluis.gob.mx'],
    ['PUBLIC_BASE_URL', 'https://admin@enlace.sanluis.gob.mx/app'],
  ])('refuses %s=%j naming the variable', (name, value) => {
    expect(() => loadAppConfig({ [name]: value })).toThrow(EnvironmentError);
    expect(() => loadAppConfig({ [name]: value })).toThrow(new RegExp(`^Invalid environment configuration:\\n  ${name}`));
  });

  it('accepts a positive JWT_EXPIRES_IN and a PUBLIC_BASE_URL with a port and a path', () => {
    expect(loadAppConfig({ JWT_EXPIRES_IN: '10m' }).jwtExpiresIn).toBe('10m');
    expect(loadAppConfig({ JWT_EXPIRES_IN: '01d' }).jwtExpiresIn).toBe('01d');
    expect(loadAppConfig({ PUBLIC_BASE_URL: 'https://sanluis.gob.mx:8443/enlace/' }).publicBaseUrl).toBe('https://sanluis.gob.mx:8443/enlace');
    expect(loadAppConfig({ ADMIN_PASSWORD: 'con espacios 2026' }).adminPassword).toBe('con espacios 2026');
  });

  it('refuses SMTP_PASSWORD without SMTP_USER (the password was silently ignored)', () => {
    const smtp = { SMTP_HOST: 'smtp.sanluis.gob.mx', MAIL_FROM: 'atencion@sanluis.gob.mx' };
    expect(() => loadAppConfig({ ...smtp, SMTP_PASSWORD: 'secreto' })).toThrow(/^Invalid environment configuration:\n {2}SMTP_PASSWORD: set without SMTP_USER/);
    expect(() => loadAppConfig({ ...smtp, SMTP_PASSWORD: 'secreto', SMTP_USER: ' ' })).toThrow(/SMTP_PASSWORD/);
    expect(loadAppConfig({ ...smtp, SMTP_PASSWORD: 'secreto', SMTP_USER: 'enlace' }).smtp).toMatchObject({ user: 'enlace', password: 'secreto' });
    // mail off: a leftover password in .env changes nothing and must not stop the start
    expect(loadAppConfig({ SMTP_PASSWORD: 'secreto' }).smtp).toBeUndefined();
  });

  it('speaks TLS on SMTP_PORT=465 unless SMTP_SECURE=false says otherwise (as IMAP does on 993)', () => {
    const smtp = { SMTP_HOST: 'smtp.sanluis.gob.mx', MAIL_FROM: 'atencion@sanluis.gob.mx' };
    expect(loadAppConfig({ ...smtp, SMTP_PORT: '465' }).smtp).toMatchObject({ port: 465, secure: true });
    expect(loadAppConfig({ ...smtp, SMTP_PORT: '465', SMTP_SECURE: 'false' }).smtp).toMatchObject({ port: 465, secure: false });
    expect(loadAppConfig({ ...smtp, SMTP_PORT: '587' }).smtp).toMatchObject({ port: 587, secure: false });
    expect(loadAppConfig({ ...smtp, SMTP_PORT: '2525', SMTP_SECURE: 'true' }).smtp).toMatchObject({ port: 2525, secure: true });
    expect(loadAppConfig({ ...smtp }).smtp).toMatchObject({ port: 587, secure: false });
  });
});
