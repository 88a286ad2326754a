import { redactLinkError } from './outbox-worker';

describe('redactLinkError (what /health/ready shows of a failed send)', () => {
  const secrets = ['rosa@correo.mx', 'enlace@sanluis.gob.mx', 'clave-SMTP-2026'];

  it('keeps the code, the answer and the server address', () => {
    expect(redactLinkError('535 5.7.8 Authentication credentials invalid (AUTH PLAIN) [EAUTH]', secrets)).toBe(
      '535 5.7.8 Authentication credentials invalid (AUTH PLAIN) [EAUTH]',
    );
    expect(redactLinkError('connect ECONNREFUSED 192.168.100.200:587 (CONN) [ESOCKET]', secrets)).toBe(
      'connect ECONNREFUSED 192.168.100.200:587 (CONN) [ESOCKET]',
    );
  });

  it('drops addresses, the login, the password (also base64, as AUTH LOGIN sends it) and phone numbers', () => {
    const b64 = Buffer.from('clave-SMTP-2026').toString('base64');
    const text = redactLinkError(
      `535 5.7.8 login ENLACE@sanluis.gob.mx failed for juan.perez@correo.mx, pass clave-smtp-2026 / ${b64}; call +52 (444) 123-4567 or 4441234567`,
      secrets,
    );
    expect(text).toBe('535 5.7.8 login [address] failed for [address], pass [redacted] / [redacted]; call [number] or [number]');
  });

  it('replaces a recipient that is not an address (a platform id) and cuts long answers', () => {
    expect(redactLinkError('HTTP 400: chat 987654321 not found', ['987654321'])).toBe('HTTP 400: chat [redacted] not found');
    expect(redactLinkError('x'.repeat(10) + ' ' + 'y '.repeat(300), []).length).toBeLessThanOrEqual(200);
    expect(redactLinkError(`token ${'A'.repeat(40)} expired`, [])).toBe('token [redacted] expired');
  });
});
