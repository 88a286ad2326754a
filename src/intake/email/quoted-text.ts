/**
 * The new text of a reply without the quoted history (SPEC §3.1), Spanish and English clients:
 *  - attribution lines ("El … escribió:", "On … wrote:", wrapped over up to three lines) with their
 *    "> " quote blocks are dropped, and what the citizen wrote between or after them is kept
 *    (bottom-posted and interleaved replies);
 *  - an attribution without a quote block under it, an Outlook header block ("De: … Enviado: …",
 *    "From: … Sent: …", with the separator line above it) or "-----Mensaje original-----" quoting
 *    one of our own mails ends the new text (everything under it is history);
 *  - a forward ("---------- Mensaje reenviado ---------", "Begin forwarded message:", …) is the
 *    report itself: the whole text is kept;
 *  - nothing new (a reply that is only a quote) is '' (the full text stays in the message's body).
 */

const QUOTED = /^[ \t]*>/;
const BLANK = /^\s*$/;

// forwards, whatever client: "---------- Forwarded message ---------" (Gmail), "-------- Mensaje
// reenviado --------" (Thunderbird), "----- Forwarded Message -----" (Yahoo), Apple Mail's sentence
const FORWARD_MARKERS: RegExp[] = [
  /^[ \t]*-{2,}[ \t]*(Forwarded message|Mensaje reenviado|Correo reenviado)[ \t]*-{2,}[ \t]*$/i,
  /^[ \t]*(Begin forwarded message|Inicio del mensaje reenviado|Comienzo del mensaje reenviado)[ \t]*:[ \t]*$/i,
];
// classic Outlook writes this over a reply and over a forward alike
const ORIGINAL_MESSAGE = /^[ \t]*-{2,}[ \t]*(Mensaje original|Original Message)[ \t]*-{2,}[ \t]*$/i;
// the <hr> of Outlook (web) over its header block, as text
const SEPARATOR = /^[ \t]*[-_]{10,}[ \t]*$/;
const OUTLOOK_FROM = /^[ \t]*\**(De|From):\**\s+\S/i;
const OUTLOOK_SENT = /^[ \t]*\**(Enviado|Enviado el|Fecha|Sent|Date):\**\s/i;
// "Les reenvío la queja de mi vecina": a header block the citizen introduces as a forward
const FORWARD_INTRO = /\b(reenv[íi](o|a|amos|ando|ar)|te paso|les paso|forward(ing)?|fwd)\b/i;

/** Our own notifications: sender name, "[FOLIO] …" subject, status link with its token. */
const OURS_SENDER = /\b(Enlace|Atenci[óo]n[ \t]+Ciudadana)\b/i;
const OURS_SUBJECT = /^[ \t]*\**(Asunto|Subject):\**.*\[[A-Z][A-Z0-9]*-\d{4}-\d+\]/i;
const OURS_LINK = /[?&]token=|\/seguimiento\//i;

/** Lines of the attribution starting at `i` (1 to 3, as clients wrap it), or 0. */
function attributionAt(lines: string[], i: number): number {
  if (!/^[ \t]*(El|On)\s/i.test(lines[i])) return 0;
  for (let k = 1; k <= 3 && i + k <= lines.length; k++) {
    const part = lines.slice(i, i + k);
    if (part.some((l) => BLANK.test(l) || QUOTED.test(l))) return 0;
    const joined = part.join(' ');
    if (joined.length > 500) return 0;
    if (/(escribi[óo]|wrote)\s*:\s*$/i.test(part[k - 1])) {
      // a wrapped one carries the date ("El lun, 3 nov 2025 a las 10:00, …"): not a sentence of the citizen's
      return k === 1 || /\d/.test(joined) ? k : 0;
    }
  }
  return 0;
}

function nextNonBlank(lines: string[], from: number, within = lines.length): number {
  for (let j = from; j < lines.length && j < from + within; j++) if (!BLANK.test(lines[j])) return j;
  return -1;
}

function isOutlookHeader(lines: string[], i: number): boolean {
  return OUTLOOK_FROM.test(lines[i]) && i + 1 < lines.length && OUTLOOK_SENT.test(lines[i + 1]);
}

/** Whether the history from line `i` on quotes one of our own mails (then it is a reply, not a forward). */
function quotesOurMail(lines: string[], i: number): boolean {
  const header = lines.slice(i, i + 8);
  if (header.some((l) => OUTLOOK_FROM.test(l) && OURS_SENDER.test(l))) return true;
  if (header.some((l) => OURS_SUBJECT.test(l))) return true;
  return lines.slice(i).some((l) => OURS_LINK.test(l));
}

/** Whether the citizen's note above line `i` presents what follows as a forward. */
function introducedAsForward(kept: Array<string | null>, i: number): boolean {
  return kept.slice(0, i).some((line) => line !== null && FORWARD_INTRO.test(line));
}

export function stripQuotedText(text: string): string {
  const normalised = text.replace(/\r\n?/g, '\n');
  const lines = normalised.split('\n');
  const unquoted = lines.map((l) => l.replace(/^[ \t]*>[ \t]?/, ''));
  // null: a dropped line (attribution, quote)
  const kept: Array<string | null> = [...lines];
  let end = lines.length;
  let sawHistory = false;
  let sawAttribution = false; // an attribution line, header block or "Mensaje original" (not just "> " lines)
  let quoting = false; // after an attribution or a run of quoted lines every "> " line is a quote

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (QUOTED.test(line)) {
      if (quoting || (i + 1 < lines.length && QUOTED.test(lines[i + 1]))) {
        // Apple Mail quotes its attribution too: "> El 5 nov 2025, a las 9:00, … escribió:"
        if (!sawHistory && attributionAt(unquoted, i)) sawAttribution = true;
        quoting = true;
        sawHistory = true;
        kept[i] = null;
      }
      continue;
    }
    if (FORWARD_MARKERS.some((re) => re.test(line))) {
      // the forwarded mail is the report: nothing of it is history
      if (!sawHistory) return finish(lines);
      break;
    }
    if (ORIGINAL_MESSAGE.test(line)) {
      if (quotesOurMail(lines, i + 1)) {
        end = i;
        sawAttribution = true;
      } else if (!sawHistory) {
        return finish(lines);
      }
      break;
    }
    // a separator line counts when a header block's "De:" / "From:" line follows it
    const header = SEPARATOR.test(line) ? nextNonBlank(lines, i + 1, 3) : isOutlookHeader(lines, i) ? i : -1;
    if (header >= 0 && OUTLOOK_FROM.test(lines[header])) {
      if (!sawHistory && introducedAsForward(kept, i) && !quotesOurMail(lines, header)) {
        return finish(lines);
      }
      end = i;
      sawAttribution = true;
      break;
    }
    const attribution = attributionAt(lines, i);
    if (attribution) {
      sawHistory = true;
      sawAttribution = true;
      const next = nextNonBlank(lines, i + attribution);
      if (next < 0 || !QUOTED.test(lines[next])) {
        // top-posted, the history under it unquoted (or nothing under it)
        end = i;
        break;
      }
      for (let j = i; j < next; j++) kept[j] = null;
      quoting = true;
      i = next - 1;
    }
  }

  const result = finish(kept.slice(0, end), true);
  // a mail that is only "> " lines, with nothing that says it quotes a mail, is kept as written
  if (!result && !sawAttribution) return normalised.trim();
  return result;
}

/**
 * The kept lines as text: one blank line where a block was dropped, no blank lines at either end
 * (nor, after a cut, the separator lines left over it).
 */
function finish(kept: Array<string | null>, cut = false): string {
  const out: string[] = [];
  for (let i = 0; i < kept.length; ) {
    const line = kept[i];
    if (line !== null && !BLANK.test(line)) {
      out.push(line);
      i++;
      continue;
    }
    // a run of blank and dropped lines: as written, or one blank line when something was dropped
    let j = i;
    while (j < kept.length && (kept[j] === null || BLANK.test(kept[j] as string))) j++;
    const run = kept.slice(i, j);
    if (run.some((l) => l === null)) out.push('');
    else out.push(...(run as string[]));
    i = j;
  }
  while (out.length && (BLANK.test(out[out.length - 1]) || (cut && SEPARATOR.test(out[out.length - 1])))) out.pop();
  while (out.length && BLANK.test(out[0])) out.shift();
  return out.join('\n').replace(/\s+$/, '');
}
