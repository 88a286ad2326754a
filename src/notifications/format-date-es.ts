/** A date as a citizen in the city reads it: "26 de noviembre de 2026 a las 10:08 a.m." */
export function formatDateEs(
  date: Date | string | null | undefined,
  timeZone: string,
): string | null {
  if (!date) return null;
  const d = typeof date === 'string' ? new Date(date) : date;
  if (Number.isNaN(d.getTime())) return null;
  return new Intl.DateTimeFormat('es-MX', { dateStyle: 'long', timeStyle: 'short', timeZone })
    .format(d)
    .replace(/\u202f/g, ' ');
}
