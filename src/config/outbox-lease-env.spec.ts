import { loadAppConfig } from './app-config';
import { EnvironmentError } from './env.validation';

/**
 * The outbox worker gives a send half of OUTBOX_LEASE_SECONDS; nodemailer's socket timeout is
 * twice SMTP_TIMEOUT_MS. The lease must leave room for it, or sends are abandoned while in flight.
 */
describe('outbox lease against the SMTP timeout', () => {
  const smtp = { SMTP_HOST: 'smtp.sanluis.gob.mx', MAIL_FROM: 'atencion@sanluis.gob.mx' };

  it('accepts the defaults (lease 300 s, SMTP timeout 30 s)', () => {
    const cfg = loadAppConfig(smtp);
    expect(cfg.outbox.leaseSeconds).toBe(300);
    expect(cfg.smtp?.timeoutMs).toBe(30000);
  });

  it.each([
    ['a short lease with the default SMTP timeout', { OUTBOX_LEASE_SECONDS: '120' }],
    ['a long SMTP timeout with the default lease', { SMTP_TIMEOUT_MS: '75000' }],
    ['both set, lease too short', { OUTBOX_LEASE_SECONDS: '3', SMTP_TIMEOUT_MS: '5000' }],
  ])('rejects %s, naming both variables', (_, env) => {
    expect(() => loadAppConfig({ ...smtp, ...env })).toThrow(EnvironmentError);
    expect(() => loadAppConfig({ ...smtp, ...env })).toThrow(/OUTBOX_LEASE_SECONDS.*SMTP_TIMEOUT_MS/);
  });

  it('accepts a lease whose half is longer than twice the SMTP timeout', () => {
    expect(loadAppConfig({ ...smtp, OUTBOX_LEASE_SECONDS: '121' }).outbox.leaseSeconds).toBe(121);
    const cfg = loadAppConfig({ ...smtp, OUTBOX_LEASE_SECONDS: '5', SMTP_TIMEOUT_MS: '1000' });
    expect(cfg.outbox.leaseSeconds).toBe(5);
    expect(cfg.smtp?.timeoutMs).toBe(1000);
  });

  it('does not apply without SMTP (SMTP_TIMEOUT_MS is then unused)', () => {
    expect(loadAppConfig({ OUTBOX_LEASE_SECONDS: '1' }).outbox.leaseSeconds).toBe(1);
  });
});
