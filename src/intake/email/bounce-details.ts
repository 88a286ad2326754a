/**
 * What a bounce (DSN) says, read from its raw text: the failed recipients
 * (`Final-Recipient`/`Original-Recipient`/`X-Failed-Recipients`) and the Message-IDs it mentions
 * (of the returned message, in its headers part). Works on the many non-standard formats too.
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

const EMAIL = /[^\s<>;"'(),]+@[^\s<>;"'(),]+\.[^\s<>;"'(),]+/;

export function extractBounceDetails(raw: string, ownMessageId: string | null): BounceDetails {
  const text = raw.length > 2_000_000 ? raw.slice(0, 2_000_000) : raw;
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
  for (const group of text.split(/\r?\n\s*\r?\n/)) {
    const recipient = /^(?:Final-Recipient|Original-Recipient)\s*:\s*(?:rfc822\s*;)?\s*([^\r\n]+)/im.exec(group);
    if (!recipient) continue;
    const action = /^Action\s*:\s*([a-z]+)/im.exec(group)?.[1].toLowerCase();
    const status = /^Status\s*:\s*([245])\./im.exec(group)?.[1];
    const failedHere = action ? action === 'failed' : status ? status === '5' : actions.length === 0 && !readReceipt;
    if (failedHere) add(recipient[1]);
  }
  const failed =
    recipients.size > 0 || (!readReceipt && (actions.length ? actions.includes('failed') : statuses.length ? statuses.includes('5') : true));
  const ids = new Set<string>();
  const idRe = /^(?:Message-ID|In-Reply-To|References)\s*:\s*((?:[^\r\n]*(?:\r?\n[ \t]+[^\r\n]*)*))/gim;
  for (const m of text.matchAll(idRe)) {
    for (const id of m[1].match(/<[^<>\s]+>/g) ?? []) {
      if (id !== ownMessageId) ids.add(id);
    }
  }
  return { recipients: [...recipients], referencedIds: [...ids], failed };
}
