import { createHash } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import sanitizeHtml from 'sanitize-html';
import { leftCodePoints } from '../../common/code-points';
import type { InboundAttachment } from '../inbound-message';
import { extractBounceDetails, type BounceDetails } from './bounce-details';
import { classifyEmail, type EmailClassification } from './email-classifier';
import { stripQuotedText } from './quoted-text';

/** Caps so one hostile mail cannot exhaust memory or the database (SPEC §3.1, huge bodies capped). */
export const MAX_TEXT_CHARS = 200_000;
export const MAX_HTML_CHARS = 400_000;
export const MAX_ATTACHMENTS = 50;

export interface ParsedInboundEmail {
  /** RFC Message-ID as written (`<…>`), null when absent */
  messageId: string | null;
  /** Message-ID, or `sha256:<hex>` of the raw message when it has none (stable across redeliveries) */
  externalId: string;
  fromAddress: string | null;
  fromName: string | null;
  subject: string | null;
  /** In-Reply-To first, then References (newest last), deduplicated */
  references: string[];
  text: string;
  html: string | null;
  textNew: string;
  attachments: InboundAttachment[];
  classification: EmailClassification;
  bounce: BounceDetails | null;
  /** set when the mail was above IMAP_MAX_MESSAGE_BYTES and only the parts that fit were read */
  oversizedBytes?: number;
}

export interface ParseOptions {
  attachmentMaxBytes: number;
  ownAddresses: readonly string[];
}

const NUL = String.fromCharCode(0);
const clean = (s: string) => s.split(NUL).join('');

export function messageIdsIn(value: string | string[] | undefined): string[] {
  const joined = Array.isArray(value) ? value.join(' ') : (value ?? '');
  // no control characters (a NUL cannot be stored, and no real Message-ID has one)
  // eslint-disable-next-line no-control-regex
  return joined.match(/<[^<>\s\x00-\x1f\x7f]{1,900}>/g) ?? [];
}

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'span', 'font', 'center'],
  allowedAttributes: { a: ['href', 'title'], img: ['src', 'alt', 'width', 'height'], td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan'] },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  // inline images only by reference to the mail's own parts: no remote trackers
  allowedSchemesByTag: { img: ['cid'] },
  disallowedTagsMode: 'discard',
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow', target: '_blank' }) },
};

/** A Content-ID as `cid:` URLs name it: no angle brackets, printable, bounded. */
export function contentIdOf(cid: string | undefined | null): string | null {
  // eslint-disable-next-line no-control-regex
  const id = leftCodePoints((cid ?? '').replace(/^<|>$/g, '').replace(/[\x00-\x20\x7f"<>]/g, ''), 255);
  return id || null;
}

function rawHeaders(parsed: ParsedMail): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines ?? []) {
    if (out[key] !== undefined) continue;
    const idx = line.indexOf(':');
    out[key] = line.slice(idx + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
  }
  return out;
}

/** A bounce's decoded text and message parts (the returned message, its headers, a delivery-status part mailparser kept apart). */
function bounceParts(parsed: ParsedMail): string[] {
  const parts: string[] = [];
  for (const a of parsed.attachments ?? []) {
    if (parts.length >= 10) break;
    const type = (a.contentType ?? '').toLowerCase();
    if (!a.content || !(type.startsWith('message/') || type.startsWith('text/'))) continue;
    parts.push(a.content.subarray(0, 500_000).toString('utf8'));
  }
  return parts;
}

export async function parseInboundEmail(raw: Buffer, opts: ParseOptions): Promise<ParsedInboundEmail> {
  const parsed = await simpleParser(raw, { skipTextToHtml: true, skipImageLinks: true, maxHtmlLengthToParse: MAX_HTML_CHARS });
  const headers = rawHeaders(parsed);
  const from = parsed.from?.value?.find((a) => a.address) ?? parsed.from?.value?.[0];
  // every cut by code points (common/code-points.ts): half an emoji breaks the JSON PostgreSQL gets
  const fromAddress = from?.address ? leftCodePoints(clean(from.address).trim().toLowerCase(), 320) : null;
  const subject = parsed.subject ? leftCodePoints(clean(parsed.subject).replace(/\s+/g, ' ').trim(), 500) : null;
  const messageId = messageIdsIn(parsed.messageId)[0] ?? null;
  const externalId = messageId && messageId.length <= 900 ? messageId : `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  const references = [...new Set([...messageIdsIn(parsed.inReplyTo), ...messageIdsIn(parsed.references).reverse()])];

  const htmlRaw = typeof parsed.html === 'string' ? leftCodePoints(parsed.html, MAX_HTML_CHARS) : null;
  const html = htmlRaw ? clean(sanitizeHtml(htmlRaw, SANITIZE)) || null : null;
  let text = clean(parsed.text ?? '');
  if (!text.trim() && htmlRaw) text = clean(sanitizeHtml(htmlRaw, { allowedTags: [], allowedAttributes: {} })).replace(/\n{3,}/g, '\n\n');
  text = leftCodePoints(text, MAX_TEXT_CHARS);
  const classification = classifyEmail({ headers, fromAddress, subject, ownAddresses: opts.ownAddresses });
  // a bounce is read from its raw text and, decoded, from its text and parts (a base64 body, an
  // attached returned message or its headers)
  const bounce = classification.kind === 'bounce' ? extractBounceDetails(raw.toString('latin1'), messageId, { text: parsed.text ?? null, parts: bounceParts(parsed) }) : null;

  const attachments: InboundAttachment[] = [];
  if (classification.kind !== 'bounce') {
    for (const [i, a] of (parsed.attachments ?? []).entries()) {
      const size = a.size ?? a.content?.length ?? 0;
      const omittedReason =
        i >= MAX_ATTACHMENTS ? 'demasiados adjuntos en un mensaje' : size > opts.attachmentMaxBytes ? 'supera el tamaño máximo permitido' : null;
      attachments.push({
        filename: leftCodePoints(clean(a.filename ?? '').replace(/[\\/\r\n]/g, '_').trim(), 255) || `adjunto-${i + 1}`,
        contentType: leftCodePoints((a.contentType || 'application/octet-stream').toLowerCase(), 127),
        size,
        content: omittedReason ? null : a.content,
        omittedReason,
        inline: a.related === true || a.contentDisposition === 'inline',
        contentId: contentIdOf(a.cid),
      });
    }
  }
  return {
    messageId,
    externalId,
    fromAddress,
    fromName: from?.name ? leftCodePoints(clean(from.name).trim(), 200) || null : null,
    subject,
    references,
    text,
    html,
    textNew: stripQuotedText(text),
    attachments,
    classification,
    bounce,
  };
}

/** Adds the parts of an oversized mail that were not fetched, as omitted attachments (none on a bounce). */
export function withOmitted(parsed: ParsedInboundEmail, omitted: InboundAttachment[], sizeBytes: number): ParsedInboundEmail {
  const room = Math.max(0, MAX_ATTACHMENTS - parsed.attachments.length);
  const attachments = parsed.classification.kind === 'bounce' ? parsed.attachments : [...parsed.attachments, ...omitted.slice(0, room)];
  return { ...parsed, attachments, oversizedBytes: sizeBytes };
}
