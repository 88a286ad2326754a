/**
 * What a bounce (DSN) says, read from its raw text: the failed recipients
 * (`Final-Recipient`/`Original-Recipient`/`X-Failed-Recipients`) and the Message-IDs it mentions
 * (of the returned message, in its headers part). Works on the many non-standard formats too.
 */
export interface BounceDetails {
  recipients: string[];
  referencedIds: string[];
}

const EMAIL = /[^\s<>;"'(),]+@[^\s<>;"'(),]+\.[^\s<>;"'(),]+/;

export function extractBounceDetails(raw: string, ownMessageId: string | null): BounceDetails {
  const text = raw.length > 2_000_000 ? raw.slice(0, 2_000_000) : raw;
  const recipients = new Set<string>();
  const recipientRe = /^(?:Final-Recipient|Original-Recipient|X-Failed-Recipients)\s*:\s*(?:rfc822\s*;)?\s*([^\r\n]+)/gim;
  for (const m of text.matchAll(recipientRe)) {
    for (const part of m[1].split(',')) {
      const e = EMAIL.exec(part);
      if (e) recipients.add(e[0].toLowerCase().replace(/[.>]+$/, ''));
    }
  }
  const ids = new Set<string>();
  const idRe = /^(?:Message-ID|In-Reply-To|References)\s*:\s*((?:[^\r\n]*(?:\r?\n[ \t]+[^\r\n]*)*))/gim;
  for (const m of text.matchAll(idRe)) {
    for (const id of m[1].match(/<[^<>\s]+>/g) ?? []) {
      if (id !== ownMessageId) ids.add(id);
    }
  }
  return { recipients: [...recipients], referencedIds: [...ids] };
}
