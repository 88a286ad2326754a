import { QueryFailedError } from 'typeorm';
import { describeImapError } from './imap-client';

const credentials = { user: 'atencion@municipio.gob.mx', password: 'Clave-Secreta-2026' };

/** What imapflow's login() rejects with when the server refuses the credentials. */
function authError(responseText: string): Error {
  return Object.assign(new Error('Command failed'), {
    responseStatus: 'NO',
    responseText,
    serverResponseCode: 'AUTHENTICATIONFAILED',
    authenticationFailed: true,
    response: `2 NO [AUTHENTICATIONFAILED] ${responseText}`,
    executedCommand: '2 LOGIN "atencion@municipio.gob.mx" "(* value hidden *)"',
  });
}

describe('describeImapError', () => {
  it('says the server refused the login, with its code and short text', () => {
    expect(describeImapError(authError('Authentication failed.'), credentials)).toBe('Error: Command failed [AUTHENTICATIONFAILED] "Authentication failed."');
  });

  it('keeps the socket or DNS code', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND imap.municipio.invalid'), { code: 'ENOTFOUND' });
    expect(describeImapError(dns, credentials)).toBe('Error: getaddrinfo ENOTFOUND imap.municipio.invalid');
    const timeout = Object.assign(new Error('Failed to establish connection in required time'), { code: 'CONNECT_TIMEOUT' });
    expect(describeImapError(timeout, credentials)).toBe('Error: Failed to establish connection in required time (CONNECT_TIMEOUT)');
    const bye = Object.assign(new Error('Connection not available'), { code: 'NoConnection', reason: 'Too many invalid commands.' });
    expect(describeImapError(bye, credentials)).toBe('Error: Connection not available (NoConnection) "Too many invalid commands."');
  });

  it('never shows the password, even when the server echoes it (also base64, as AUTHENTICATE sends it)', () => {
    const plain = Buffer.from(`\0${credentials.user}\0${credentials.password}`).toString('base64');
    const echoed = authError(`bad credentials for ${credentials.password} / ${Buffer.from(credentials.password).toString('base64')} / ${plain}`);
    const text = describeImapError(echoed, credentials);
    expect(text).toMatch(/^Error: Command failed \[AUTHENTICATIONFAILED\] "bad credentials for \[redacted\]/);
    expect(text).not.toContain(credentials.password);
    expect(text).not.toContain(Buffer.from(credentials.password).toString('base64').replace(/=+$/, ''));
    expect(text).not.toContain(plain.slice(0, 20));
  });

  it('drops the server text when the password is too short to cut out safely', () => {
    expect(describeImapError(authError('no such login: abc'), { user: 'u', password: 'abc' })).toBe('Error: Command failed [AUTHENTICATIONFAILED]');
  });

  it('keeps the server text short and on one line', () => {
    const text = describeImapError(authError(`Authentication failed.\r\n* BYE ${'palabra '.repeat(100)}`), credentials);
    expect(text).not.toMatch(/[\r\n]/);
    expect(text.length).toBeLessThanOrEqual(250);
  });

  it('withholds the message of a database error (it may quote row values)', () => {
    const driverError = Object.assign(new Error('invalid input syntax for type uuid: "maria.lopez@correo.mx"'), { code: '22P02', severity: 'ERROR' });
    const err = new QueryFailedError('SELECT 1 WHERE x = $1', ['maria.lopez@correo.mx'], driverError);
    const text = describeImapError(err, credentials);
    expect(text).toBe('QueryFailedError: database error 22P02 (message withheld: it may quote row values)');
  });

  it('copes with non-errors', () => {
    expect(describeImapError('closed', credentials)).toBe('closed');
    expect(describeImapError(undefined)).toBe('undefined');
  });
});
