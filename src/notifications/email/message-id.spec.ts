import { parseMailbox, domainOf } from './mail-address';
import { generateMessageId, normalizeMessageId } from './message-id';

describe('generateMessageId', () => {
  it('builds <enlace.{random}@{domain}>', () => {
    expect(generateMessageId('SanLuis.gob.mx', 'abc123')).toBe('<enlace.abc123@sanluis.gob.mx>');
  });
  it('is random by default and a valid msg-id', () => {
    const a = generateMessageId('sanluis.gob.mx');
    const b = generateMessageId('sanluis.gob.mx');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^<enlace\.[0-9a-f]{32}@sanluis\.gob\.mx>$/);
    expect(normalizeMessageId(a)).toBe(a);
  });
  it('never lets odd characters of a domain into the header', () => {
    expect(generateMessageId('bad>\r\nX: y', 'r')).toBe('<enlace.r@badxy>');
  });
});

describe('normalizeMessageId', () => {
  it.each([
    ['<a.b@c.d>', '<a.b@c.d>'],
    ['  a.b@c.d ', '<a.b@c.d>'],
    ['capture:1234', null],
    ['sha256:abcdef', null],
    ['<a b@c>', null],
    ['', null],
    [null, null],
  ])('%p → %p', (input, expected) => {
    expect(normalizeMessageId(input)).toBe(expected);
  });
});

describe('parseMailbox', () => {
  it('splits a display name and lower-cases the address', () => {
    expect(parseMailbox('Atención Ciudadana <Atencion@SanLuis.gob.mx>')).toEqual({
      name: 'Atención Ciudadana',
      address: 'atencion@sanluis.gob.mx',
    });
    expect(parseMailbox('"Atención, SLP" <a@b.mx>')).toEqual({
      name: 'Atención, SLP',
      address: 'a@b.mx',
    });
    expect(parseMailbox('a@b.mx')).toEqual({ name: null, address: 'a@b.mx' });
  });
  it('gives the domain of an address', () => {
    expect(domainOf('a@SanLuis.gob.mx')).toBe('sanluis.gob.mx');
  });
});
