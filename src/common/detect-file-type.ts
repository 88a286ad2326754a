import { fileTypeFromBuffer } from 'file-type/core';

export interface UploadCheck {
  ok: boolean;
  /** the type the bytes say (never the client's Content-Type or file name) */
  mime: string | null;
  ext: string | null;
  reason?: string;
}

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/heic', 'image/heif'] as const;

/** Markup a browser could run if a file were ever served inline: refused whatever the magic bytes say. */
const ACTIVE_CONTENT = /<\s*(script|html|svg|iframe|object|embed|body|img[^>]+on\w+\s*=)|<\?php|javascript:/i;
/** Where a polyglot hides its second personality: the first and last this many bytes are scanned. */
const SCAN_BYTES = 65536;

export const ACTIVE_CONTENT_REASON = 'el archivo contiene código o marcado activo';

/**
 * The polyglot check, for every file that arrives from outside (staff uploads here; platform media
 * and press screenshots too): HTML or script in the first or last 64 KiB, read as text — a valid
 * image header followed by markup (GIFAR-style) that a sniffing browser, or the file opened
 * locally under a name like `foto.html`, would run. Check the magic bytes first; this is the
 * second step.
 */
export function hasActiveContent(content: Buffer): boolean {
  const head = content.subarray(0, SCAN_BYTES).toString('latin1');
  const tail = content.length > SCAN_BYTES ? content.subarray(-SCAN_BYTES).toString('latin1') : '';
  return ACTIVE_CONTENT.test(head) || ACTIVE_CONTENT.test(tail);
}

/**
 * Checks an upload by its content (magic bytes via `file-type`), not by what the client claims.
 * Accepts only `allowed` types, and refuses polyglots: a valid image header followed by HTML or
 * script (GIFAR-style files that a sniffing browser would run). Store and serve the returned
 * `mime`, always with `Content-Disposition: attachment` and `X-Content-Type-Options: nosniff`.
 */
export async function checkUploadContent(content: Buffer, allowed: readonly string[] = IMAGE_TYPES): Promise<UploadCheck> {
  const detected = await fileTypeFromBuffer(content);
  if (!detected) return { ok: false, mime: null, ext: null, reason: 'tipo de archivo no reconocido' };
  if (!allowed.includes(detected.mime)) return { ok: false, mime: detected.mime, ext: detected.ext, reason: `tipo ${detected.mime} no permitido` };
  if (hasActiveContent(content)) return { ok: false, mime: detected.mime, ext: detected.ext, reason: ACTIVE_CONTENT_REASON };
  return { ok: true, mime: detected.mime, ext: detected.ext };
}
