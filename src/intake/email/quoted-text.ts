/**
 * The new text of a reply without the quoted history (SPEC §3.1): cuts at the first attribution
 * line of the common clients, Spanish and English, or at the first block of "> " lines.
 */
const CUT_MARKERS: RegExp[] = [
  // Gmail / Apple Mail, Spanish: "El lun, 3 nov 2025 a las 10:15, Juan <j@x.mx> escribió:" (may wrap)
  /^\s*El\s[^\n]{0,300}?(\n[^\n]{0,200}?)?escribi[óo]\s*:\s*$/im,
  // Gmail / Apple, English: "On Mon, Nov 3, 2025 at 10:15 AM Juan <j@x.com> wrote:"
  /^\s*On\s[^\n]{0,300}?(\n[^\n]{0,200}?)?wrote\s*:\s*$/im,
  // Outlook, Spanish and English header blocks
  /^\s*\**De:\**\s.+\n\s*\**(Enviado|Enviado el|Fecha):\**\s/im,
  /^\s*\**From:\**\s.+\n\s*\**(Sent|Date):\**\s/im,
  /^\s*-{2,}\s*(Mensaje original|Original Message|Mensaje reenviado|Forwarded message)\s*-{2,}/im,
  /^\s*_{10,}\s*$/m,
  // Apple Mail (Spanish): "El 3 nov 2025, a las 10:15, Juan <j@x.mx> escribió:" matched above; iOS "Enviado desde mi iPhone" kept
];

export function stripQuotedText(text: string): string {
  const normalised = text.replace(/\r\n?/g, '\n');
  let cut = normalised.length;
  for (const re of CUT_MARKERS) {
    const m = re.exec(normalised);
    if (m && m.index < cut) cut = m.index;
  }
  // a run of quoted lines ("> ...") ends the new text too
  const quoted = /^(>[^\n]*\n?){2,}/m.exec(normalised);
  if (quoted && quoted.index < cut) cut = quoted.index;
  const result = normalised.slice(0, cut).replace(/\s+$/, '');
  // never return nothing when there was something: a mail that is only a quote keeps its text
  return result.trim() ? result : normalised.trim();
}
