import type { ListTicketsQuery } from './dto/ticket.dto';
import { buildTicketListQuery, cityTimeBound, classifySearch, FIRST_FOLIO_YEAR, overdueSql } from './ticket-list-query';

const viewer = { id: '6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b', role: 'agent' };
const iso = (d: Date) => d.toISOString();

describe('cityTimeBound', () => {
  const MX = 'America/Mexico_City';
  it('reads a date as local midnight in the city, not UTC midnight', () => {
    expect(iso(cityTimeBound('2026-11-26', 'from', MX))).toBe('2026-11-26T06:00:00.000Z');
  });
  it('takes in the whole local day for a date-only `to` (and the whole month or year)', () => {
    expect(iso(cityTimeBound('2026-11-26', 'to', MX))).toBe('2026-11-27T06:00:00.000Z');
    expect(iso(cityTimeBound('2026-11-30', 'to', MX))).toBe('2026-12-01T06:00:00.000Z');
    expect(iso(cityTimeBound('2026-11', 'to', MX))).toBe('2026-12-01T06:00:00.000Z');
    expect(iso(cityTimeBound('2026', 'to', MX))).toBe('2027-01-01T06:00:00.000Z');
    expect(iso(cityTimeBound('2026-11', 'from', MX))).toBe('2026-11-01T06:00:00.000Z');
  });
  it('reads a date-time without offset as wall-clock time in the city, whatever the server zone', () => {
    expect(iso(cityTimeBound('2026-11-26T20:00', 'from', MX))).toBe('2026-11-27T02:00:00.000Z');
    expect(iso(cityTimeBound('2026-11-26T20:00:30.5', 'to', MX))).toBe('2026-11-27T02:00:30.500Z');
    expect(iso(cityTimeBound('2026-11-26 20:00:00', 'to', MX))).toBe('2026-11-27T02:00:00.000Z');
    // daylight-saving time Mexico City still had in 2021 (UTC−5)
    expect(iso(cityTimeBound('2021-06-15', 'from', MX))).toBe('2021-06-15T05:00:00.000Z');
    expect(iso(cityTimeBound('2026-11-26', 'from', 'UTC'))).toBe('2026-11-26T00:00:00.000Z');
  });
  it('keeps a value with Z or an offset as the instant it names', () => {
    expect(iso(cityTimeBound('2026-11-26T20:00:00Z', 'from', MX))).toBe('2026-11-26T20:00:00.000Z');
    expect(iso(cityTimeBound('2026-11-26T20:00:00-05:00', 'to', MX))).toBe('2026-11-27T01:00:00.000Z');
    expect(iso(cityTimeBound('2026-11-26T20:00+01:00', 'to', MX))).toBe('2026-11-26T19:00:00.000Z');
  });
});

describe('buildTicketListQuery', () => {
  /** the Clock's instant the queue judges `overdue` at (a test's moved clock) */
  const NOW = new Date('2031-05-04T03:02:01.000Z');
  const build = (q: ListTicketsQuery, timeZone?: string) => buildTicketListQuery(q, viewer, timeZone ? { timeZone, now: NOW } : { now: NOW });

  it('binds date-only from/to as the local days in the city zone (default America/Mexico_City)', () => {
    const { sql, params } = build({ from: '2026-11-26', to: '2026-11-26' });
    expect(sql).toContain('t.created_at >= $1');
    expect(sql).toContain('t.created_at < $2');
    expect(params.map((p) => iso(p as Date))).toEqual(['2026-11-26T06:00:00.000Z', '2026-11-27T06:00:00.000Z', iso(NOW)]);
    expect(build({ from: '2026-11-26' }, 'America/Tijuana').params.map((p) => iso(p as Date))).toEqual(['2026-11-26T08:00:00.000Z', iso(NOW)]);
  });

  it('takes "me" and "none" in any case, as the DTO does', () => {
    for (const me of ['me', 'ME', 'Me']) {
      const { sql, params } = build({ assignee: me });
      expect(sql).toContain('t.assignee_id = $1');
      expect(params).toEqual([viewer.id, NOW]);
    }
    for (const none of ['none', 'NONE', 'None']) {
      const { sql, params } = build({ assignee: none });
      expect(sql).toContain('t.assignee_id IS NULL');
      expect(params).toEqual([NOW]);
    }
    const other = '0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D';
    expect(build({ assignee: other }).params).toEqual([other.toLowerCase(), NOW]);
  });

  it("judges `overdue` (filter and column) at the given instant, one bound parameter, never the database's now()", () => {
    for (const overdue of [true, false]) {
      const { sql, params } = build({ overdue, assignee: 'none' });
      expect(sql).not.toMatch(/now\(\)/);
      expect(params).toEqual([NOW]);
      expect(sql).toContain(`${overdue ? '' : 'NOT '}${overdueSql('$1::timestamptz')}`);
      expect(sql).toContain(`${overdueSql('$1::timestamptz')} AS overdue`);
    }
    // the column alone, after the other parameters
    const { sql, params } = build({ areaId: '3' });
    expect(params).toEqual(['3', NOW]);
    expect(sql).toContain(`${overdueSql('$2::timestamptz')} AS overdue`);
    // a text search's first phase selects no `overdue`: no instant bound
    expect(buildTicketListQuery({ q: 'bache' }, viewer, { candidates: 10, now: NOW }).params).toEqual(['bache']);
  });

  it('overdueSql() puts the given instant in both due-date comparisons', () => {
    expect(overdueSql('$7')).toMatch(/resolution_due_at < \$7 OR \(t\.first_responded_at IS NULL AND t\.first_response_due_at < \$7\)/);
  });
});

describe('classifySearch', () => {
  const NOW = new Date('2026-03-10T18:00:00.000Z');
  const read = (q: string, prefix = 'SLP') => classifySearch(q, prefix, NOW, 'America/Mexico_City');
  const folio = (...folios: string[]) => ({ kind: 'folio', folios });

  it('reads a folio with or without its prefix, its zeros, its case or a #', () => {
    for (const q of ['SLP-2025-000001', 'slp-2025-000001', '#SLP-2025-000001', ' # slp-2025-000001 ', 'SLP-2025-1', 'slp-2025-01', '2025-000001', '2025-1', '#2025-1']) {
      expect({ q, read: read(q) }).toEqual({ q, read: folio('SLP-2025-000001') });
    }
    expect(read('2025-1', 'SLPX')).toEqual(folio('SLPX-2025-000001'));
    expect(read('QRO-2024-12')).toEqual(folio('QRO-2024-000012')); // another prefix as typed
    expect(read('2025-1234567')).toEqual(folio('SLP-2025-1234567'));
  });

  it('reads a bare six-digit number as that folio number in every year up to the current one', () => {
    const r = read('000123');
    expect(r.kind).toBe('folio');
    const folios = (r as { folios: string[] }).folios;
    expect(folios[0]).toBe('SLP-2026-000123');
    expect(folios[folios.length - 1]).toBe(`SLP-${FIRST_FOLIO_YEAR}-000123`);
    expect(folios).toHaveLength(2026 - FIRST_FOLIO_YEAR + 1);
  });

  it('keeps a bare year, a short number and words as a text search', () => {
    for (const q of ['2025', '1', '15', '12345', 'bache 2025-1', 'Av. Juárez 120', 'Rosa Martínez', 'inundaciones']) {
      expect(read(q)).toEqual({ kind: 'text', text: q });
    }
  });

  it("reads an email or a Mexican phone number as a citizen's contact", () => {
    expect(read(' Rosa.Martinez@Correo.MX ')).toEqual({ kind: 'contact', identityKinds: ['email'], value: 'rosa.martinez@correo.mx' });
    for (const q of ['444 123 4567', '(444) 123-4567', '+52 444 123 4567', '4441234567', '444-123-4567', '+52 1 444 123 4567']) {
      expect({ q, read: read(q) }).toEqual({ q, read: { kind: 'contact', identityKinds: ['phone', 'whatsapp'], value: '+524441234567' } });
    }
  });

  it('builds a folio lookup on the folio index, a contact lookup on the identities and a text search with both word forms', () => {
    const byFolio = buildTicketListQuery({ q: '2025-1' }, viewer, { now: NOW, folioPrefix: 'SLP' });
    expect(byFolio.sql).toContain('t.folio = $1');
    expect(byFolio.params[0]).toBe('SLP-2025-000001');
    const byContact = buildTicketListQuery({ q: '(444) 123-4567' }, viewer, { now: NOW });
    expect(byContact.sql).toMatch(/citizen_identities i JOIN citizens c/);
    expect(byContact.params.slice(0, 2)).toEqual([['phone', 'whatsapp'], '+524441234567']);
    const byText = buildTicketListQuery({ q: 'inundaciones' }, viewer, { now: NOW, candidates: 10 });
    expect(byText.sql).toContain('t.search_vector @@ f_search_tsquery($1) OR t.messages_search @@ f_search_tsquery($1)');
  });
});
