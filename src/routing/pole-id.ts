/**
 * The number Alumbrado Público paints on each street-light pole, when the citizen wrote it:
 * "poste AP-10231", "poste número 4512", "luminaria No. 88-301", or a bare "AP-10231".
 * Returns it upper-cased, or null.
 */
export function extractPoleId(text: string): string | null {
  const afterWord = /\b(?:poste|luminaria|l[aá]mpara|arbotante)\s*(?:n[uú]m(?:ero)?\.?|no\.?|#|:)?\s*(?:#\s*)?([A-Za-z]{0,4}-?\d{2,10}(?:-\d{1,6})?)\b/i.exec(text);
  if (afterWord) return afterWord[1].toUpperCase().slice(0, 40);
  const bare = /\b(AP-?\d{3,10})\b/i.exec(text);
  return bare ? bare[1].toUpperCase() : null;
}
