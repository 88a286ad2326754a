import type { WebhookChannel } from '../social/social-item';

/**
 * The longest text each platform's send API takes in one message: WhatsApp text body 4096
 * characters, Telegram sendMessage 4096, Messenger 2000; Instagram 1000 bytes of UTF-8. Characters
 * are counted as UTF-16 code units (an emoji counts 2), never fewer than the platforms count.
 */
export const PLATFORM_TEXT_LIMITS: Record<WebhookChannel, { max: number; unit: 'utf16' | 'utf8' }> = {
  whatsapp: { max: 4096, unit: 'utf16' },
  telegram: { max: 4096, unit: 'utf16' },
  messenger: { max: 2000, unit: 'utf16' },
  instagram: { max: 1000, unit: 'utf8' },
};

const cost = (cp: number, unit: 'utf16' | 'utf8'): number =>
  unit === 'utf16' ? (cp > 0xffff ? 2 : 1) : cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;

/** Where a part may end, best first: a blank line, a line break, the end of a sentence, a space. */
const BREAKS: RegExp[] = [/\n[ \t]*\n\s*/g, /\n\s*/g, /[.!?…]+["'»”)\]]*[ \t]+/g, /[ \t]+/g];

/**
 * Splits a reply into messages the platform takes, in order: each part within the limit, cut at
 * the last paragraph break, else line break, else sentence end, else space that leaves the part
 * at least half full (a single unbroken run is cut at the limit, never inside a character). The
 * whitespace at a cut is dropped; nothing else is changed. The same text always gives the same
 * parts, so a retry can tell which were already sent.
 */
export function splitReply(text: string, channel: WebhookChannel): string[] {
  const { max, unit } = PLATFORM_TEXT_LIMITS[channel];
  return splitText(text, max, unit);
}

export function splitText(text: string, max: number, unit: 'utf16' | 'utf8'): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest) {
    // the longest prefix within the limit, in UTF-16 units of `rest`, whole characters only
    let end = 0;
    let used = 0;
    for (const ch of rest) {
      const c = cost(ch.codePointAt(0)!, unit);
      if (used + c > max) break;
      used += c;
      end += ch.length;
    }
    if (end >= rest.length) {
      parts.push(rest);
      break;
    }
    if (end === 0) end = String.fromCodePoint(rest.codePointAt(0)!).length; // a limit below one character: never loop
    // a break that starts inside the window; the whitespace after it may run past the window
    const window = rest.slice(0, end + 1);
    let cut = -1;
    let next = -1;
    for (const re of BREAKS) {
      let best: RegExpExecArray | null = null;
      for (const m of window.matchAll(re)) if (m.index + m[0].trimEnd().length <= end) best = m;
      if (best) {
        const stop = best.index + best[0].trimEnd().length; // keep the sentence's punctuation
        if (stop >= end / 2 || re === BREAKS[BREAKS.length - 1]) {
          cut = stop;
          next = best.index + best[0].length;
          break;
        }
      }
    }
    if (cut <= 0) {
      cut = end;
      next = end;
    }
    const part = rest.slice(0, cut).trimEnd();
    if (part) parts.push(part);
    rest = rest.slice(Math.max(next, 1)).trimStart();
  }
  return parts;
}
