import type { FetchBodyPartQuery, MessageStructureObject } from 'imapflow';
import type { InboundAttachment } from '../inbound-message';
import { contentIdOf } from './parse-inbound-email';

/**
 * A mail larger than IMAP_MAX_MESSAGE_BYTES (a citizen's video, a scanned file) is not fetched
 * whole: the reader reads its header and BODYSTRUCTURE, fetches the text parts (the report) and
 * the attachments that fit, and rebuilds a smaller MIME message of those for the usual parser.
 * What was not fetched is recorded as an omitted attachment (name, type, approximate size), so
 * the report still becomes a ticket and the agent sees what the citizen sent (SPEC §3.1: above
 * ATTACHMENT_MAX_BYTES an attachment is recorded as omitted and the ticket still made).
 */

/** Text parts are fetched up to this many bytes (the body is capped far below it anyway). */
export const TEXT_PART_MAX_BYTES = 2 * 1024 * 1024;
const BOUNDARY = (n: number) => `=_enlace_partial_${n}_c0a8f3d2e1b4`;

export interface PartialFetchPlan {
  /** BODY sections to fetch (part contents, their `.MIME` headers, `TEXT` for a one-part mail) */
  sections: FetchBodyPartQuery[];
  /** parts of the mail left out, recorded as omitted attachments */
  omitted: InboundAttachment[];
}

interface Leaf {
  node: MessageStructureObject;
  /** section of the content: the part number, or TEXT for a mail of one part */
  key: string;
  /** section of its MIME header, or null for a mail of one part (its header is the mail's) */
  mimeKey: string | null;
}

const isContainer = (n: MessageStructureObject) => /^multipart\//i.test(n.type) && !!n.childNodes?.length;

function leaves(root: MessageStructureObject): Leaf[] {
  if (!isContainer(root)) return [{ node: root, key: 'TEXT', mimeKey: null }];
  const out: Leaf[] = [];
  const walk = (n: MessageStructureObject) => {
    if (isContainer(n)) n.childNodes!.forEach(walk);
    else if (n.part) out.push({ node: n, key: n.part, mimeKey: `${n.part}.MIME` });
  };
  walk(root);
  return out;
}

const isBodyText = (n: MessageStructureObject) => /^text\/(plain|html)$/i.test(n.type) && !/^attachment$/i.test(n.disposition ?? '');

/** Decoded size of a part from its encoded size (base64 carries 3 bytes in 4). */
const decodedSize = (n: MessageStructureObject) => Math.floor((n.size ?? 0) * (/^base64$/i.test(n.encoding ?? '') ? 0.75 : 1));

function describe(n: MessageStructureObject, index: number, reason: string): InboundAttachment {
  const name = n.dispositionParameters?.filename ?? n.parameters?.name ?? '';
  return {
    // the parameters arrive decoded by imapflow (RFC 2231 / encoded words)
    filename: name.replace(/[\\/\r\n]/g, '_').split(String.fromCharCode(0)).join('').trim().slice(0, 255) || `adjunto-${index + 1}`,
    contentType: (n.type || 'application/octet-stream').toLowerCase().slice(0, 127),
    size: decodedSize(n),
    content: null,
    omittedReason: reason,
    inline: /^inline$/i.test(n.disposition ?? '') || !!n.id,
    contentId: contentIdOf(n.id),
  };
}

/**
 * Chooses what to fetch of an oversized mail: every body text part (up to TEXT_PART_MAX_BYTES
 * each), then the other parts smallest first while each is within ATTACHMENT_MAX_BYTES and the
 * whole stays within `budgetBytes`. Everything else is omitted.
 */
export function planPartialFetch(structure: MessageStructureObject, budgetBytes: number, attachmentMaxBytes: number): PartialFetchPlan {
  const all = leaves(structure);
  const sections: FetchBodyPartQuery[] = [];
  const omitted: InboundAttachment[] = [];
  let used = 0;
  const take = (leaf: Leaf, maxLength?: number) => {
    if (leaf.mimeKey) sections.push({ key: leaf.mimeKey });
    sections.push(maxLength ? { key: leaf.key, maxLength } : { key: leaf.key });
    used += Math.min(leaf.node.size ?? 0, maxLength ?? Infinity);
  };
  const rest: Array<{ leaf: Leaf; index: number }> = [];
  all.forEach((leaf, index) => (isBodyText(leaf.node) ? take(leaf, TEXT_PART_MAX_BYTES) : rest.push({ leaf, index })));
  // an encoded part a little over the decoded limit may still decode within it
  const encodedMax = Math.ceil(attachmentMaxBytes * 1.37) + 4096;
  for (const { leaf, index } of rest.sort((a, b) => (a.leaf.node.size ?? 0) - (b.leaf.node.size ?? 0))) {
    const size = leaf.node.size ?? 0;
    if (leaf.mimeKey && size <= encodedMax && used + size <= budgetBytes) take(leaf);
    else omitted.push(describe(leaf.node, index, size > encodedMax ? 'supera el tamaño máximo permitido' : 'el mensaje completo supera el tamaño máximo permitido'));
  }
  return { sections, omitted };
}

/** Part keys as imapflow returns them (`1.mime`, `1]<0>` for a partial fetch), normalised. */
export function normalisePartKeys(parts: Map<string, Buffer> | undefined): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of parts ?? []) out.set(k.toUpperCase().replace(/\]?<\d+>$/, ''), v);
  return out;
}

const CRLF = '\r\n';

/** The header block without the fields that describe the body (they are rewritten). */
function headerWithoutBodyFields(header: Buffer): string {
  const lines = header.toString('latin1').replace(/(\r?\n)+$/, '').split(/\r?\n/);
  const kept: string[] = [];
  let skipping = false;
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      if (!skipping) kept.push(line);
      continue;
    }
    skipping = /^content-(type|transfer-encoding|disposition)\s*:/i.test(line);
    if (!skipping) kept.push(line);
  }
  return kept.join(CRLF);
}

/**
 * The smaller MIME message of what was fetched: the original header (Message-ID, From, Subject,
 * In-Reply-To… unchanged, so dedupe, threading and classification work as for any mail) and the
 * original multipart tree with only the fetched parts, each with its own MIME header, undecoded.
 */
export function rebuildMessage(header: Buffer, structure: MessageStructureObject, fetched: Map<string, Buffer>): Buffer {
  if (!isContainer(structure)) {
    const body = fetched.get('TEXT');
    if (body) return Buffer.concat([Buffer.from(header.toString('latin1').replace(/(\r?\n)+$/, '') + CRLF + CRLF, 'latin1'), body]);
    return Buffer.from(headerWithoutBodyFields(header) + CRLF + 'Content-Type: text/plain; charset=utf-8' + CRLF + CRLF, 'latin1');
  }
  let counter = 0;
  const chunks: Buffer[] = [];
  const push = (s: string) => chunks.push(Buffer.from(s, 'latin1'));
  const writeContainer = (node: MessageStructureObject) => {
    const boundary = BOUNDARY(counter++);
    push(`Content-Type: ${node.type.toLowerCase()}; boundary="${boundary}"${CRLF}${CRLF}`);
    let any = false;
    for (const child of node.childNodes!) {
      if (isContainer(child)) {
        push(`--${boundary}${CRLF}`);
        writeContainer(child);
        any = true;
        continue;
      }
      const mime = child.part ? fetched.get(`${child.part}.MIME`) : undefined;
      const content = child.part ? fetched.get(child.part) : undefined;
      if (!mime || !content) continue;
      push(`--${boundary}${CRLF}`);
      chunks.push(Buffer.from(mime.toString('latin1').replace(/(\r?\n)+$/, '') + CRLF + CRLF, 'latin1'), content);
      push(CRLF);
      any = true;
    }
    // a multipart needs one part: an empty text stands for those left out
    if (!any) push(`--${boundary}${CRLF}Content-Type: text/plain; charset=utf-8${CRLF}${CRLF}${CRLF}`);
    push(`--${boundary}--${CRLF}`);
  };
  push(headerWithoutBodyFields(header) + CRLF);
  writeContainer(structure);
  return Buffer.concat(chunks);
}
