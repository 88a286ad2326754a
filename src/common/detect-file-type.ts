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
  // scan the first and last 64 KiB as text: where a polyglot hides its second personality
  const head = content.subarray(0, 65536).toString('latin1');
  const tail = content.length > 65536 ? content.subarray(-65536).toString('latin1') : '';
  if (ACTIVE_CONTENT.test(head) || ACTIVE_CONTENT.test(tail)) {
    return { ok: false, mime: detected.mime, ext: detected.ext, reason: 'el archivo contiene código o marcado activo' };
  }
  return { ok: true, mime: detected.mime, ext: detected.ext };
}
