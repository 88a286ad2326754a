/**
 * Lower case, accents removed, punctuation turned into spaces, spaces collapsed:
 * "¡No hay LUZ en la calle Álvaro!" → "no hay luz en la calle alvaro". The ñ stays an n.
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9*]+/g, ' ')
    .trim();
}
