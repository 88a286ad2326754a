import { cleartextLoginWarnings, loadAppConfig } from './app-config';
import { EnvironmentError } from './env.validation';

describe('outbound email and outbox settings', () => {
  it('has SMTP off by default, with a From on the public host and safe outbox defaults', () => {
    const cfg = loadAppConfig({ PUBLIC_BASE_URL: 'https://enlace.sanluis.gob.mx' });
    expect(cfg.smtp).toBeUndefined();
    expect(cfg.mailFrom).toBe('Atención Ciudadana <atencionciudadana@enlace.sanluis.gob.mx>');
    expect(cfg.mailAckRateLimit).toBe(5);
    expect(cfg.outbox).toEqual({
      workerEnabled: true,
      pollMs: 1000,
      batchSize: 20,
      concurrency: 4,
      leaseSeconds: 300,
      retryBaseMs: 30000,
      retryMaxMs: 3600000,
      maxAttempts: 48,
    });
  });

  it('reads SMTP settings (587 by default, 465 when SMTP_SECURE)', () => {
    const cfg = loadAppConfig({
      SMTP_HOST: 'smtp.sanluis.gob.mx',
      SMTP_USER: 'enlace',
      SMTP_PASSWORD: 'secreto',
      MAIL_FROM: 'Atención Ciudadana <atencionciudadana@sanluis.gob.mx>',
      MAIL_REPLY_TO: 'AtencionCiudadana@sanluis.gob.mx',
      OUTBOX_WORKER: 'false',
      OUTBOX_POLL_MS: '250',
    });
    expect(cfg.smtp).toEqual({
      host: 'smtp.sanluis.gob.mx',
      port: 587,
      secure: false,
      requireTls: true,
      user: 'enlace',
      password: 'secreto',
      timeoutMs: 30000,
    });
    expect(cfg.mailReplyTo).toBe('atencionciudadana@sanluis.gob.mx');
    expect(cfg.outbox.workerEnabled).toBe(false);
    expect(cfg.outbox.pollMs).toBe(250);
    expect(
      loadAppConfig({ SMTP_HOST: 'smtp.x.mx', SMTP_SECURE: 'true', MAIL_FROM: 'a@x.mx' }).smtp
        ?.port,
    ).toBe(465);
  });

  it('requires STARTTLS before an SMTP login that crosses the network, unless told otherwise', () => {
    const base = { MAIL_FROM: 'a@sanluis.gob.mx', SMTP_USER: 'enlace', SMTP_PASSWORD: 'secreto' };
    const requireTls = (env: Record<string, string>) => loadAppConfig({ ...base, ...env }).smtp?.requireTls;
    expect(requireTls({ SMTP_HOST: 'smtp.sanluis.gob.mx' })).toBe(true);
    expect(requireTls({ SMTP_HOST: '10.0.0.25', SMTP_PORT: '25' })).toBe(true);
    // no login to protect: opportunistic STARTTLS (nodemailer's default), no refusal
    expect(loadAppConfig({ MAIL_FROM: 'a@sanluis.gob.mx', SMTP_HOST: 'smtp.sanluis.gob.mx' }).smtp?.requireTls).toBe(false);
    // a relay on this machine: the login never leaves it
    for (const host of ['localhost', '127.0.0.1', '::1', 'relay.localhost']) expect(requireTls({ SMTP_HOST: host })).toBe(false);
    // TLS from the first byte: nothing to upgrade
    expect(requireTls({ SMTP_HOST: 'smtp.sanluis.gob.mx', SMTP_SECURE: 'true' })).toBe(false);
    // explicit settings win both ways, and the opt-out is warned about at start-up
    expect(requireTls({ SMTP_HOST: '127.0.0.1', SMTP_REQUIRE_TLS: 'true' })).toBe(true);
    const optOut = loadAppConfig({ ...base, SMTP_HOST: 'smtp.sanluis.gob.mx', SMTP_REQUIRE_TLS: 'false' });
    expect(optOut.smtp?.requireTls).toBe(false);
    expect(cleartextLoginWarnings(optOut)).toEqual([expect.stringMatching(/^SMTP_REQUIRE_TLS=false: the SMTP login to smtp\.sanluis\.gob\.mx is sent in clear/)]);
    expect(cleartextLoginWarnings(loadAppConfig({ ...base, SMTP_HOST: 'smtp.sanluis.gob.mx' }))).toEqual([]);
    expect(() => loadAppConfig({ ...base, SMTP_HOST: 'smtp.sanluis.gob.mx', SMTP_REQUIRE_TLS: 'quizá' })).toThrow(/SMTP_REQUIRE_TLS/);
  });

  it('defaults Reply-To to the mailbox the reader reads (IMAP_USER), not to the sender', () => {
    const imap = { IMAP_HOST: 'imap.sanluis.gob.mx', IMAP_PASSWORD: 'secreto' };
    const from = { MAIL_FROM: 'Atención Ciudadana <notificaciones@sanluis.gob.mx>' };
    expect(loadAppConfig({ ...from, ...imap, IMAP_USER: 'AtencionCiudadana@sanluis.gob.mx' }).mailReplyTo).toBe('atencionciudadana@sanluis.gob.mx');
    // MAIL_REPLY_TO still wins
    expect(loadAppConfig({ ...from, ...imap, IMAP_USER: 'atencionciudadana@sanluis.gob.mx', MAIL_REPLY_TO: 'buzon@sanluis.gob.mx' }).mailReplyTo).toBe('buzon@sanluis.gob.mx');
    // a login name that is no address, or no IMAP at all: MAIL_FROM's address (undefined here)
    expect(loadAppConfig({ ...from, ...imap, IMAP_USER: 'atencion' }).mailReplyTo).toBeUndefined();
    expect(loadAppConfig({ ...from, IMAP_USER: 'atencionciudadana@sanluis.gob.mx' }).mailReplyTo).toBeUndefined();
    expect(loadAppConfig(from).mailReplyTo).toBeUndefined();
  });

  it.each([
    ['SMTP_PORT', { SMTP_PORT: '99999' }],
    ['SMTP_SECURE', { SMTP_SECURE: 'quizá' }],
    ['SMTP_HOST', { SMTP_HOST: 'smtp host con espacios', MAIL_FROM: 'a@x.mx' }],
    ['MAIL_FROM', { MAIL_FROM: 'no es un correo' }],
    ['MAIL_FROM', { SMTP_HOST: 'smtp.x.mx' }],
    ['MAIL_REPLY_TO', { MAIL_REPLY_TO: 'nope' }],
    ['MAIL_ACK_RATE_LIMIT', { MAIL_ACK_RATE_LIMIT: '-1' }],
    ['OUTBOX_POLL_MS', { OUTBOX_POLL_MS: '1' }],
    ['OUTBOX_LEASE_SECONDS', { OUTBOX_LEASE_SECONDS: '0' }],
    ['OUTBOX_RETRY_MAX_MS', { OUTBOX_RETRY_BASE_MS: '5000', OUTBOX_RETRY_MAX_MS: '1000' }],
  ])('rejects a bad %s naming it', (name, env) => {
    expect(() => loadAppConfig(env)).toThrow(EnvironmentError);
    expect(() => loadAppConfig(env)).toThrow(new RegExp(name));
  });
});
