import { localWallClock, monthBounds } from './month-bounds';

describe('monthBounds', () => {
  const iso = (b: { start: Date; end: Date }) => [b.start.toISOString(), b.end.toISOString()];

  it('uses local midnight in Mexico City (UTC−6 since 2022)', () => {
    expect(iso(monthBounds('2026-11', 'America/Mexico_City'))).toEqual(['2026-11-01T06:00:00.000Z', '2026-12-01T06:00:00.000Z']);
  });
  it('crosses the year end', () => {
    expect(iso(monthBounds('2026-12', 'America/Mexico_City'))).toEqual(['2026-12-01T06:00:00.000Z', '2027-01-01T06:00:00.000Z']);
  });
  it('follows the daylight-saving time Mexico City still had in 2021', () => {
    // DST began 4 April 2021 and ended 31 October 2021
    expect(iso(monthBounds('2021-04', 'America/Mexico_City'))).toEqual(['2021-04-01T06:00:00.000Z', '2021-05-01T05:00:00.000Z']);
    expect(iso(monthBounds('2021-10', 'America/Mexico_City'))).toEqual(['2021-10-01T05:00:00.000Z', '2021-11-01T06:00:00.000Z']);
  });
  it('puts 23:30 local on the last day inside the month', () => {
    const nov = monthBounds('2021-11', 'America/Mexico_City');
    const lastEvening = new Date('2021-12-01T05:30:00.000Z'); // 30 Nov 2021 23:30 in Mexico City
    expect(lastEvening >= nov.start && lastEvening < nov.end).toBe(true);
  });
  it('works for other zones', () => {
    expect(iso(monthBounds('2026-03', 'UTC'))).toEqual(['2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z']);
    expect(iso(monthBounds('2026-03', 'America/Tijuana'))).toEqual(['2026-03-01T08:00:00.000Z', '2026-04-01T07:00:00.000Z']);
  });
  it('refuses a malformed month', () => {
    expect(() => monthBounds('2026-13', 'UTC')).toThrow(RangeError);
    expect(() => monthBounds('26-1', 'UTC')).toThrow(RangeError);
  });
});

describe('localWallClock', () => {
  it('reads a wall-clock time in the zone, with or without daylight-saving time', () => {
    expect(localWallClock(Date.UTC(2026, 10, 26, 20, 0), 'America/Mexico_City').toISOString()).toBe('2026-11-27T02:00:00.000Z');
    expect(localWallClock(Date.UTC(2021, 5, 15, 20, 0), 'America/Mexico_City').toISOString()).toBe('2021-06-16T01:00:00.000Z'); // CDT, UTC−5
    expect(localWallClock(Date.UTC(2026, 10, 26, 20, 0), 'UTC').toISOString()).toBe('2026-11-26T20:00:00.000Z');
  });
});
