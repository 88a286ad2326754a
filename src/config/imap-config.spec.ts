import { cleartextLoginWarnings, loadAppConfig } from './app-config';
import { EnvironmentError } from './env.validation';

describe('IMAP configuration', () => {
  it('is off without IMAP_HOST', () => {
    expect(loadAppConfig({}).imap).toBeUndefined();
    expect(loadAppConfig({}).mailAckRateLimit).toBe(5);
  });

  it('defaults to TLS on 993 and the INBOX', () => {
    expect(loadAppConfig({ IMAP_HOST: 'imap.sanluis.gob.mx', IMAP_USER: 'atencion@sanluis.gob.mx', IMAP_PASSWORD: 'x' }).imap).toEqual({
      host: 'imap.sanluis.gob.mx',
      port: 993,
      secure: true,
      requireTls: false,
      user: 'atencion@sanluis.gob.mx',
      password: 'x',
      mailbox: 'INBOX',
      processedMailbox: undefined,
      failedMailbox: undefined,
      reconcileSeconds: 60,
      concurrency: 4,
      maxMessageBytes: 26214400,
    });
  });

  it('reads plain IMAP on 143 with folders', () => {
    const imap = loadAppConfig({ IMAP_HOST: 'h', IMAP_PORT: '143', IMAP_SECURE: 'false', IMAP_USER: 'u', IMAP_PASSWORD: 'p', IMAP_PROCESSED_MAILBOX: 'Procesados', IMAP_FAILED_MAILBOX: 'Fallidos' }).imap;
    expect(imap).toMatchObject({ port: 143, secure: false, requireTls: true, processedMailbox: 'Procesados', failedMailbox: 'Fallidos' });
  });

  it('requires STARTTLS before the mailbox login on plain IMAP to another machine, unless told otherwise', () => {
    const base = { IMAP_PORT: '143', IMAP_USER: 'u', IMAP_PASSWORD: 'p' };
    const imap = (env: Record<string, string>) => loadAppConfig({ ...base, ...env });
    expect(imap({ IMAP_HOST: 'imap.sanluis.gob.mx' }).imap?.requireTls).toBe(true);
    for (const host of ['localhost', '127.0.0.1', '[::1]']) expect(imap({ IMAP_HOST: host }).imap?.requireTls).toBe(false);
    expect(imap({ IMAP_HOST: '127.0.0.1', IMAP_REQUIRE_TLS: 'true' }).imap?.requireTls).toBe(true);
    const optOut = imap({ IMAP_HOST: 'imap.sanluis.gob.mx', IMAP_REQUIRE_TLS: 'false' });
    expect(optOut.imap?.requireTls).toBe(false);
    expect(cleartextLoginWarnings(optOut)).toEqual([expect.stringMatching(/^IMAP_REQUIRE_TLS=false: the mailbox login to imap\.sanluis\.gob\.mx is sent in clear/)]);
    expect(cleartextLoginWarnings(imap({ IMAP_HOST: 'imap.sanluis.gob.mx' }))).toEqual([]);
    expect(cleartextLoginWarnings(imap({ IMAP_HOST: 'localhost', IMAP_REQUIRE_TLS: 'false' }))).toEqual([]);
  });

  it.each([
    [{ IMAP_HOST: 'h' }, /IMAP_USER/],
    [{ IMAP_HOST: 'h', IMAP_USER: 'u', IMAP_PASSWORD: 'p', IMAP_PORT: '0' }, /IMAP_PORT/],
    [{ IMAP_SECURE: 'maybe' }, /IMAP_SECURE/],
    [{ MAIL_FROM: 'not-an-email' }, /MAIL_FROM/],
    [{ IMAP_RECONCILE_SECONDS: '1' }, /IMAP_RECONCILE_SECONDS/],
    [{ IMAP_INTAKE_CONCURRENCY: '0' }, /IMAP_INTAKE_CONCURRENCY/],
    [{ IMAP_INTAKE_CONCURRENCY: '64' }, /IMAP_INTAKE_CONCURRENCY/],
    [{ IMAP_MAX_MESSAGE_BYTES: '1000' }, /IMAP_MAX_MESSAGE_BYTES/],
    [{ IMAP_PROCESSED_MAILBOX: 'inbox', IMAP_FAILED_MAILBOX: 'Fallidos' }, /IMAP_PROCESSED_MAILBOX: must differ/],
    [{ IMAP_MAILBOX: 'Reportes', IMAP_PROCESSED_MAILBOX: 'Procesados', IMAP_FAILED_MAILBOX: 'Reportes' }, /IMAP_FAILED_MAILBOX: must differ/],
    [{ OUTBOX_RETRY_MAX_MS: '10' }, /OUTBOX_RETRY_MAX_MS/],
    [{ JWT_SECRET: 'cambie-este-secreto-por-uno-largo-y-aleatorio-0123456789' }, /JWT_SECRET: still the published example/],
    [{ ADMIN_PASSWORD: 'cambie-esta-contrasena' }, /ADMIN_PASSWORD: still the published example/],
    [{ PUBLIC_BASE_URL: 'ftp://reportes.sanluis.gob.mx' }, /PUBLIC_BASE_URL/],
    [{ TELEGRAM_API_URL: 'ftp://api.telegram.org' }, /TELEGRAM_API_URL/],
  ])('rejects %j naming the variable', (env, name) => {
    expect(() => loadAppConfig(env)).toThrow(EnvironmentError);
    expect(() => loadAppConfig(env)).toThrow(name);
  });
});
