import { fileTypeFromBuffer } from 'file-type';
import { ACTIVE_CONTENT_REASON, hasActiveContent } from '../../common/detect-file-type';

export type MediaCheck = { ok: true; mime: string; ext: string } | { ok: false; reason: string };

/** What a platform message may carry: images, audio, video, PDF (by content, never by the claimed type). */
export const isAllowedPlatformMime = (mime: string) => /^(image|audio|video)\//.test(mime) || mime === 'application/pdf';
/** Press-office screenshots: images only. */
export const isImageMime = (mime: string) => mime.startsWith('image/') && mime !== 'image/svg+xml';

/**
 * Identifies a file by its magic bytes with `file-type` and checks it against an allow-list, then
 * refuses polyglots — markup or script behind a valid header — as staff uploads are
 * (hasActiveContent, shared with checkUploadContent). The client's or platform's Content-Type is
 * never trusted.
 */
export async function inspectMedia(content: Buffer, allowed: (mime: string) => boolean): Promise<MediaCheck> {
  if (content.length === 0) return { ok: false, reason: 'archivo vacío' };
  const type = await fileTypeFromBuffer(content);
  if (!type) return { ok: false, reason: 'tipo de archivo no reconocido' };
  if (!allowed(type.mime)) return { ok: false, reason: `tipo de archivo no permitido (${type.mime})` };
  if (hasActiveContent(content)) return { ok: false, reason: ACTIVE_CONTENT_REASON };
  return { ok: true, mime: type.mime, ext: type.ext };
}
