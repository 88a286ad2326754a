import { formatDateEs } from './format-date-es';

describe('formatDateEs', () => {
  it('writes the date in Spanish in the city’s time zone', () => {
    const s = formatDateEs(new Date('2026-11-27T03:30:00Z'), 'America/Mexico_City');
    expect(s).toMatch(/^26 de noviembre de 2026/);
    expect(s).toMatch(/9:30/);
  });
  it('gives null for missing or invalid dates', () => {
    expect(formatDateEs(null, 'America/Mexico_City')).toBeNull();
    expect(formatDateEs('nope', 'America/Mexico_City')).toBeNull();
  });
});
