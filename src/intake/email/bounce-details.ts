/**
 * What a bounce (DSN) says, read from its raw text and from its decoded text and parts (a base64
 * body, an attached message/rfc822 or text/rfc822-headers part, as mailparser gives them): the
 * failed recipients (`Final-Recipient`/`Original-Recipient`/`X-Failed-Recipients`, or the
 * "<address>:" lines of a qmail or other text-only report) and the Message-IDs it mentions (of the
 * returned message, in its headers part). Works on the many non-standard formats too.
 */
export interface BounceDetails {
  /** the recipients it reports as failed */
  recipients: string[];
  referencedIds: string[];
  /**
   * whether it reports a failure: a DSN whose recipients were only delayed, relayed or delivered
   * (`Action: delayed|delivered|relayed|expanded`, status 2.x/4.x) or a read receipt is not one
   */
  failed: boolean;
}

/** The decoded forms of a bounce (parse-inbound-email.ts): its text, and its text/message parts. */
export interface DecodedBounce {
  text?: string | null;
  parts?: readonly string[];
}

const EMAIL = /[^\s<>;"'(),]+@[^\s<>;"'(),]+\.[^\s<>;"'(),]+/;
const MAX_CHARS = 2_000_000;
/** where a text-only report starts quoting the returned message (qmail, exim, sendmail, Exchange) */
const COPY_FOLLOWS = /^\s*-{2,}\s*(Below this line is a copy of the message|This is a copy of the message|Original message follows|Mensaje original|The original message was received|Enclosed is a copy)/im;
/** qmail ("<ana@x.mx>:" and the reason on the next lines), Postfix and others in their text part */
const TEXT_RECIPIENT = /^<([^\s<>@]+@[^\s<>@]+)>:/gm;
/**
 * A text-only delay warning (Exim's "has not yet been delivered … after more than 24 hours on the
 * queue", Exchange's and Gmail's "delivery delayed", their Spanish forms): the server still tries —
 * nothing failed, no address is marked.
 */
const DELAY_NOTICE =
  /has not yet been delivered|delivery (?:to (?:the following|these) recipients? )?(?:has been |is |was )?(?:delayed|pending)|\bdelivery delayed\b|will (?:continue to |keep )?(?:retry|try)|no action is required on your part|a[uú]n no (?:ha sido|se ha) entregado|no se ha entregado todav[ií]a|(?:la )?entrega (?:se ha |ha sido )?retrasad[ao]|retraso en la entrega|seguir[aá] intentando/i;

export function extractBounceDetails(raw: string, ownMessageId: string | null, decoded: DecodedBounce = {}): BounceDetails {
  const sources = [raw, decoded.text ?? '', ...(decoded.parts ?? [])].filter((s) => s.length > 0);
  let text = '';
  for (const s of sources) {
    if (text.length >= MAX_CHARS) break;
    text += (text ? '\n\n' : '') + s.slice(0, MAX_CHARS - text.length);
  }
  const recipients = new Set<string>();
  const add = (value: string) => {
    for (const part of value.split(',')) {
      const e = EMAIL.exec(part);
      if (e) recipients.add(e[0].toLowerCase().replace(/[.>]+$/, ''));
    }
  };
  // X-Failed-Recipients (Exim) names failed ones only
  for (const m of text.matchAll(/^X-Failed-Recipients\s*:\s*([^\r\n]+)/gim)) add(m[1]);
  // a DSN's per-recipient groups (RFC 3464): a recipient counts when its group's Action is failed
  // (or, in reports without any Action field, when nothing says otherwise)
  const actions = [...text.matchAll(/^Action\s*:\s*([a-z]+)/gim)].map((m) => m[1].toLowerCase());
  const statuses = [...text.matchAll(/^Status\s*:\s*([245])\.\d{1,3}\.\d{1,3}/gim)].map((m) => m[1]);
  const readReceipt = /report-type\s*=\s*"?disposition-notification/i.test(text);
  let groups = 0;
  for (const group of text.split(/\r?\n\s*\r?\n/)) {
    const recipient = /^(?:Final-Recipient|Original-Recipient)\s*:\s*(?:rfc822\s*;)?\s*([^\r\n]+)/im.exec(group);
    if (!recipient) continue;
    groups++;
    const action = /^Action\s*:\s*([a-z]+)/im.exec(group)?.[1].toLowerCase();
    const status = /^Status\s*:\s*([245])\./im.exec(group)?.[1];
    const failedHere = action ? action === 'failed' : status ? status === '5' : actions.length === 0 && !readReceipt;
    if (failedHere) add(recipient[1]);
  }
  // a text-only report (qmail's "Hi. This is the qmail-send program…", a base64 body): its
  // "<address>:" lines, before the copy of the returned message. Never next to a DSN's fields (a
  // Postfix delay warning says "<address>: connect to … timed out" in its text part)
  const structured = groups > 0 || actions.length > 0 || statuses.length > 0 || readReceipt;
  // a text-only delay warning before the copy of our message (X-Failed-Recipients only comes with a failure)
  if (!structured && recipients.size === 0) {
    const report = [decoded.text ?? '', raw.slice(0, MAX_CHARS)].map((s) => { const copy = COPY_FOLLOWS.exec(s); return copy ? s.slice(0, copy.index) : s; }).join('\n');
    if (DELAY_NOTICE.test(report)) return { recipients: [], referencedIds: referencedIds(text, ownMessageId), failed: false };
  }
  if (!structured) {
    for (const s of [raw, decoded.text ?? '']) {
      const report = s.slice(0, MAX_CHARS);
      const copy = COPY_FOLLOWS.exec(report);
      for (const m of (copy ? report.slice(0, copy.index) : report).matchAll(TEXT_RECIPIENT)) add(m[1]);
    }
  }
  const failed =
    recipients.size > 0 || (!readReceipt && (actions.length ? actions.includes('failed') : statuses.length ? statuses.includes('5') : true));
  return { recipients: [...recipients], referencedIds: referencedIds(text, ownMessageId), failed };
}

/** The Message-IDs the report quotes (of the returned message: ours), other than its own. */
function referencedIds(text: string, ownMessageId: string | null): string[] {
  const ids = new Set<string>();
  const idRe = /^(?:Message-ID|In-Reply-To|References)\s*:\s*((?:[^\r\n]*(?:\r?\n[ \t]+[^\r\n]*)*))/gim;
  for (const m of text.matchAll(idRe)) {
    for (const id of m[1].match(/<[^<>\s]+>/g) ?? []) {
      if (id !== ownMessageId) ids.add(id);
    }
  }
  return [...ids];
}
