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
