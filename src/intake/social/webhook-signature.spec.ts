import { secretMatches, signMetaBody, verifyMetaSignature } from './webhook-signature';

describe('verifyMetaSignature', () => {
  const secret = 'app-secret-123';
  const body = Buffer.from('{"object":"page","entry":[]}');

  it('accepts the HMAC of the exact raw body', () => {
    expect(verifyMetaSignature(body, signMetaBody(body, secret), secret)).toBe(true);
  });
  it('accepts upper-case hex', () => {
    expect(verifyMetaSignature(body, signMetaBody(body, secret).toUpperCase().replace('SHA256=', 'sha256='), secret)).toBe(true);
  });
  it('rejects a body modified after signing', () => {
    const signature = signMetaBody(body, secret);
    expect(verifyMetaSignature(Buffer.from('{"object":"page","entry":[1]}'), signature, secret)).toBe(false);
  });
  it('rejects a signature made with another secret', () => {
    expect(verifyMetaSignature(body, signMetaBody(body, 'other-secret'), secret)).toBe(false);
  });
  it.each([undefined, '', 'sha256=', 'sha1=abc', `sha256=${'z'.repeat(64)}`, `sha256=${'a'.repeat(63)}`, ['sha256=x'], 42])(
    'rejects a malformed header %p',
    (header) => expect(verifyMetaSignature(body, header, secret)).toBe(false),
  );
  it('rejects everything when no secret is configured or no raw body was kept', () => {
    expect(verifyMetaSignature(body, signMetaBody(body, secret), undefined)).toBe(false);
    expect(verifyMetaSignature(undefined, signMetaBody(body, secret), secret)).toBe(false);
  });
});

describe('secretMatches', () => {
  it('matches only the exact secret', () => {
    expect(secretMatches('s3cret_token-1', 's3cret_token-1')).toBe(true);
    expect(secretMatches('s3cret_token-2', 's3cret_token-1')).toBe(false);
    expect(secretMatches('s3cret_token-1 ', 's3cret_token-1')).toBe(false);
  });
  it('is false when missing, empty, not a string, or nothing is configured', () => {
    expect(secretMatches(undefined, 'x')).toBe(false);
    expect(secretMatches('', 'x')).toBe(false);
    expect(secretMatches(['x'], 'x')).toBe(false);
    expect(secretMatches('x', undefined)).toBe(false);
  });
});
