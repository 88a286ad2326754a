/**
 * The forms a login travels in, which a server's error text may echo back: the password, its
 * base64, and SASL PLAIN's base64 of `\0user\0password` (also with the authorisation id). Cut out of
 * any server text shown on /health/ready (a public endpoint) or logged (IMAP reader, outbox worker).
 */
export function credentialForms(user: string | null | undefined, password: string | null | undefined): string[] {
  if (!password) return [];
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64').replace(/=+$/, '');
  const u = user ?? '';
  return [password, b64(password), b64(`\0${u}\0${password}`), b64(`${u}\0${u}\0${password}`)];
}
