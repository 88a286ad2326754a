/** "2021-11" → the instants where that month starts and ends in the city's time zone. */
export function monthBounds(month: string, timeZone: string): { start: Date; end: Date } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new RangeError(`Invalid month ${month}`);
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return { start: localMidnight(year, index, timeZone), end: localMidnight(year, index + 1, timeZone) };
}

/** 00:00 local time on day 1 of (year, monthIndex) in `timeZone`, as a UTC instant. */
export function localMidnight(year: number, monthIndex: number, timeZone: string): Date {
  return localWallClock(Date.UTC(year, monthIndex, 1), timeZone);
}

/**
 * A wall-clock time in `timeZone`, given as the ms of that same reading in UTC
 * (`Date.UTC(y, m, d, h, min, s, ms)`), as a UTC instant.
 */
export function localWallClock(wall: number, timeZone: string): Date {
  // the offset at the guess, then again at the corrected instant (a DST change in between)
  let instant = wall - offsetMs(new Date(wall), timeZone);
  instant = wall - offsetMs(new Date(instant), timeZone);
  return new Date(instant);
}

/** The zone's offset from UTC at `at` (local wall clock − UTC), in ms. */
export function offsetMs(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}
