import { formatDateEs } from './format-date-es';

describe('formatDateEs', () => {
  it('writes the date in Spanish in the city’s time zone', () => {
    const s = formatDateEs(new Date('2026-11-27T03:30:00Z'), 'America/Mexico_City');
    expect(s).toMatch(/^26 de noviembre de 2026/);
    expect(s).toMatch(/9:30/);
  });
  it('says "a la 1" for one o\'clock and "a las" otherwise', () => {
    expect(formatDateEs(new Date('2026-11-26T19:30:00Z'), 'America/Mexico_City')).toMatch(/ a la 1:30 p\.\s?m\.$/);
    expect(formatDateEs(new Date('2026-11-26T07:05:00Z'), 'America/Mexico_City')).toMatch(/ a la 1:05 a\.\s?m\.$/);
    expect(formatDateEs(new Date('2026-11-26T20:30:00Z'), 'America/Mexico_City')).toMatch(/ a las 2:30 p\.\s?m\.$/);
    expect(formatDateEs(new Date('2026-11-26T17:10:00Z'), 'America/Mexico_City')).toMatch(/ a las 11:10 a\.\s?m\.$/);
  });
  it('gives null for missing or invalid dates', () => {
    expect(formatDateEs(null, 'America/Mexico_City')).toBeNull();
    expect(formatDateEs('nope', 'America/Mexico_City')).toBeNull();
  });
});
