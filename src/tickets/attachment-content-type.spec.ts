import { attachmentDisposition, safeContentType } from './attachment-content-type';

describe('safeContentType', () => {
  it.each([
    ['image/jpeg', 'image/jpeg'],
    ['IMAGE/PNG; name="x.png"', 'image/png'],
    ['application/pdf', 'application/pdf'],
    ['text/plain', 'text/plain; charset=utf-8'],
    ['text/html', 'application/octet-stream'],
    ['image/svg+xml', 'application/octet-stream'],
    ['application/javascript', 'application/octet-stream'],
    ['', 'application/octet-stream'],
    [null, 'application/octet-stream'],
  ])('%s → %s', (input, expected) => {
    expect(safeContentType(input)).toBe(expected);
  });
});

describe('attachmentDisposition', () => {
  it('always says attachment, with an ASCII fallback and the UTF-8 name', () => {
    expect(attachmentDisposition('foto del bache ñ.jpg')).toBe(`attachment; filename="foto del bache n.jpg"; filename*=UTF-8''foto%20del%20bache%20%C3%B1.jpg`);
  });
  it('cuts a long name by character, never inside an emoji (that threw and the download failed)', () => {
    const name = `${'a'.repeat(199)}📷.jpg`;
    expect(attachmentDisposition(name)).toBe(`attachment; filename="${'a'.repeat(150)}"; filename*=UTF-8''${'a'.repeat(199)}%F0%9F%93%B7`);
    expect(attachmentDisposition('foto\ud83d.jpg')).toMatch(/filename\*=UTF-8''foto\.jpg$/);
  });
  it('cannot break out of the quoted name', () => {
    expect(attachmentDisposition('a"b\\c.txt')).toMatch(/^attachment; filename="a_b_c.txt";/);
  });
});
