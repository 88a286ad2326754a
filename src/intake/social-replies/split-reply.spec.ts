import { PLATFORM_TEXT_LIMITS, splitReply, splitText } from './split-reply';

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');
/** what was cut away: only whitespace at the cuts */
const squash = (s: string) => s.replace(/\s+/g, '');

describe('splitReply', () => {
  it('leaves a text within the limit alone', () => {
    expect(splitReply('Gracias, su reporte fue turnado.', 'messenger')).toEqual(['Gracias, su reporte fue turnado.']);
    expect(splitReply('x'.repeat(2000), 'messenger')).toEqual(['x'.repeat(2000)]);
    expect(splitReply('x'.repeat(4096), 'whatsapp')).toHaveLength(1);
  });

  it('cuts at paragraph breaks first, keeping order and every word', () => {
    const paragraph = (n: number) => `Párrafo ${n}. ${'Se revisó la zona y se programó la reparación. '.repeat(12).trim()}`;
    const text = [1, 2, 3, 4, 5, 6].map(paragraph).join('\n\n');
    const parts = splitReply(text, 'messenger');
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(2000);
    expect(parts.every((p) => p.startsWith('Párrafo '))).toBe(true);
    expect(parts.join('\n\n')).toBe(text);
  });

  it('cuts a long paragraph at a sentence end, then at a space', () => {
    const sentence = 'La cuadrilla de alumbrado público revisará el poste mañana temprano. ';
    const parts = splitText(sentence.repeat(10).trim(), 300, 'utf16');
    expect(parts.every((p) => p.endsWith('temprano.') && p.length <= 300)).toBe(true);
    expect(parts.join(' ')).toBe(sentence.repeat(10).trim());
    const words = 'palabra '.repeat(100).trim();
    const byWord = splitText(words, 50, 'utf16');
    expect(byWord.every((p) => p.length <= 50 && /^palabra( palabra)*$/.test(p))).toBe(true);
    expect(byWord.join(' ')).toBe(words);
  });

  it('cuts an unbroken run at the limit, never inside a character', () => {
    const parts = splitText('😀'.repeat(30), 9, 'utf16');
    expect(parts.every((p) => p.length <= 9 && !/[\ud800-\udbff]$/.test(p))).toBe(true);
    expect(parts.join('')).toBe('😀'.repeat(30));
    expect(splitText('a'.repeat(25), 10, 'utf16')).toEqual(['a'.repeat(10), 'a'.repeat(10), 'a'.repeat(5)]);
  });

  it('counts bytes on Instagram (1000 bytes of UTF-8)', () => {
    const text = 'Atención a la petición número 123: ñandú, acción, corazón. '.repeat(60);
    const parts = splitReply(text, 'instagram');
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(utf8(p)).toBeLessThanOrEqual(PLATFORM_TEXT_LIMITS.instagram.max);
    expect(squash(parts.join(''))).toBe(squash(text));
  });

  it('splits the longest reply an agent may write (20,000 characters) within every platform limit', () => {
    const text = Array.from({ length: 400 }, (_, i) => `Punto ${i + 1}: se atendió el reporte de la calle ${i}.${i % 5 === 4 ? '\n' : ' '}`)
      .join('')
      .padEnd(20000, ' fin')
      .slice(0, 20000);
    for (const channel of ['whatsapp', 'telegram', 'messenger', 'instagram'] as const) {
      const parts = splitReply(text, channel);
      const { max, unit } = PLATFORM_TEXT_LIMITS[channel];
      for (const p of parts) expect(unit === 'utf8' ? utf8(p) : p.length).toBeLessThanOrEqual(max);
      expect(squash(parts.join(''))).toBe(squash(text));
      expect(splitReply(text, channel)).toEqual(parts); // the same parts every time
    }
  });
});
