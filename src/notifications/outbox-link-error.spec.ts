import { redactLinkError } from './outbox-worker';
import { credentialForms } from '../common/credential-forms';

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

describe('redactLinkError with the worker\'s secrets (credentialForms)', () => {
  it('cuts an echoed SASL PLAIN blob of a short password and a recipient\'s local part', () => {
    const secrets = ['rosa.martinez.lopez@correo.mx', 'rosa.martinez.lopez', ...credentialForms('enlace', 'Rosa$2026')];
    const plain = Buffer.from('\0enlace\0Rosa$2026').toString('base64'); // 24 characters: AGVubGFjZQBSb3NhJDIwMjY=
    expect(redactLinkError(`535 5.7.8 bad credentials for ${plain}`, secrets)).toBe('535 5.7.8 bad credentials for [redacted]');
    expect(redactLinkError('452 4.2.2 rosa.martinez.lopez: mailbox full', secrets)).toBe('452 4.2.2 [redacted]: mailbox full');
  });
});
