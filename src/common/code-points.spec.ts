import { leftCodePoints } from './code-points';

describe('leftCodePoints', () => {
  it('keeps a text that fits, and cuts a plain one like slice', () => {
    expect(leftCodePoints('captura señal', 20)).toBe('captura señal');
    expect(leftCodePoints('captura señal', 7)).toBe('captura');
    expect(leftCodePoints('', 3)).toBe('');
  });

  it('counts an emoji as one character and never keeps half of it', () => {
    const name = `${'a'.repeat(179)}🚧 y más`;
    expect(name.slice(0, 180)).toMatch(/\ud83d$/); // what slice did: a lone high surrogate
    expect(leftCodePoints(name, 180)).toBe(`${'a'.repeat(179)}🚧`);
    expect(leftCodePoints('🚧🚧🚧', 2)).toBe('🚧🚧');
    expect(leftCodePoints('a🚧b', 2)).toBe('a🚧');
  });

  it('gives a well-formed string whatever the cut', () => {
    const text = 'Peñasco 🚧 Ñ 👩‍👩‍👧 𝔸';
    for (let n = 0; n <= Array.from(text).length; n++) {
      const cut = leftCodePoints(text, n);
      expect(Array.from(cut)).toHaveLength(n);
      expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/); // no lone surrogate
    }
  });

  it('agrees with Array.from on lone surrogates, and walks only the head of a long text', () => {
    const odd = `a\ud83db\udea7c🚧d`;
    for (let n = 0; n <= 7; n++) expect(leftCodePoints(odd, n)).toBe(Array.from(odd).slice(0, n).join(''));
    // 20 MB of emoji: the cut costs what its first characters cost (Array.from would build 10 M strings)
    const huge = '🚧'.repeat(10_000_000);
    expect(leftCodePoints(huge, 3)).toBe('🚧🚧🚧');
  });
});
