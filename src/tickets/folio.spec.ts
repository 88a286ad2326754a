import { findFolioInText, folioSequenceName, folioYear, formatFolio, parseFolio } from './folio';

describe('folio', () => {
  const tz = 'America/Mexico_City';

  it('formats with six-digit zero padding', () => {
    expect(formatFolio('SLP', 2026, 1)).toBe('SLP-2026-000001');
    expect(formatFolio('SLP', 2026, 123)).toBe('SLP-2026-000123');
    expect(formatFolio('SLP', 2026, 999999)).toBe('SLP-2026-999999');
  });

  it('keeps counting past six digits without truncating', () => {
    expect(formatFolio('SLP', 2026, 1234567)).toBe('SLP-2026-1234567');
  });

  it.each([
    ['slp', 2026, 1],
    ['SLP', 2026, 0],
    ['SLP', 2026, -3],
    ['SLP', 2026, 1.5],
    ['SLP', 99, 1],
    ['TOOLONGX', 2026, 1],
  ])('rejects invalid parts %s %s %s', (p, y, n) => {
    expect(() => formatFolio(p, y, n)).toThrow(RangeError);
  });

  it('uses the year in the city time zone, not UTC', () => {
    // 2027-01-01T03:00Z is still 2026-12-31 21:00 in Mexico City
    expect(folioYear(new Date('2027-01-01T03:00:00Z'), tz)).toBe(2026);
    // 2027-01-01T06:30Z is 00:30 on 1 January in Mexico City
    expect(folioYear(new Date('2027-01-01T06:30:00Z'), tz)).toBe(2027);
    expect(folioYear(new Date('2026-06-15T12:00:00Z'), tz)).toBe(2026);
  });

  it('parses valid folios and rejects malformed ones', () => {
    expect(parseFolio('SLP-2026-000123')).toEqual({ prefix: 'SLP', year: 2026, sequence: 123 });
    expect(parseFolio(' slp-2026-000123 ')).toEqual({ prefix: 'SLP', year: 2026, sequence: 123 });
    expect(parseFolio('SLP-26-000123')).toBeNull();
    expect(parseFolio('SLP-2026-12')).toBeNull();
    expect(parseFolio("SLP-2026-000123' OR 1=1")).toBeNull();
    expect(parseFolio('')).toBeNull();
  });

  it('round-trips', () => {
    for (const n of [1, 42, 100000, 999999]) {
      const f = formatFolio('ABC', 2030, n);
      expect(parseFolio(f)).toEqual({ prefix: 'ABC', year: 2030, sequence: n });
    }
  });

  it('finds a folio in an email subject', () => {
    expect(findFolioInText('Re: Su reporte [SLP-2026-000123] fue recibido', 'SLP')).toBe('SLP-2026-000123');
    expect(findFolioInText('RE: slp-2026-000045', 'SLP')).toBe('SLP-2026-000045');
    expect(findFolioInText('Sin folio', 'SLP')).toBeNull();
    expect(findFolioInText('XSLP-2026-000123', 'SLP')).toBeNull();
  });

  it('names one sequence per prefix and year, and refuses anything that is not a valid prefix or year', () => {
    expect(folioSequenceName('SLP', 2026)).toBe('folio_slp_2026');
    expect(folioSequenceName('QRO', 2027)).toBe('folio_qro_2027');
    expect(() => folioSequenceName('slp"; DROP TABLE tickets; --', 2026)).toThrow(RangeError);
    expect(() => folioSequenceName('SLP', 26)).toThrow(RangeError);
  });
});
