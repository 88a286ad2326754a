const formats = new Map<string, Intl.DateTimeFormat>();

/** A date as a citizen in the city reads it: "26 de noviembre de 2026 a las 10:08 a.m." */
export function formatDateEs(
  date: Date | string | null | undefined,
  timeZone: string,
): string | null {
  if (!date) return null;
  const d = typeof date === 'string' ? new Date(date) : date;
  if (Number.isNaN(d.getTime())) return null;
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('es-MX', { dateStyle: 'long', timeStyle: 'short', timeZone });
    formats.set(timeZone, format);
  }
  return (
    format
      .format(d)
      .replace(/\u202f/g, ' ')
      // one o'clock is singular: "a la 1:30 p.m.", not "a las 1:30 p.m."
      .replace(/ a las 1:/, ' a la 1:')
  );
}
