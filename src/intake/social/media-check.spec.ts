import { inspectMedia, isAllowedPlatformMime, isImageMime } from './media-check';

// smallest valid-looking headers for the magic-byte sniffing
export const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4f00000000049454e44ae426082', 'hex');
const PDF = Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n', 'latin1');

describe('inspectMedia', () => {
  it('recognises a PNG by its bytes', async () => {
    await expect(inspectMedia(PNG, isImageMime)).resolves.toEqual({ ok: true, mime: 'image/png', ext: 'png' });
  });
  it('allows a PDF from a platform but not as a screenshot', async () => {
    await expect(inspectMedia(PDF, isAllowedPlatformMime)).resolves.toEqual(expect.objectContaining({ ok: true, mime: 'application/pdf' }));
    await expect(inspectMedia(PDF, isImageMime)).resolves.toEqual({ ok: false, reason: 'tipo de archivo no permitido (application/pdf)' });
  });
  it('refuses text pretending to be an image, and empty files', async () => {
    await expect(inspectMedia(Buffer.from('<script>alert(1)</script>'), isImageMime)).resolves.toEqual({ ok: false, reason: 'tipo de archivo no reconocido' });
    await expect(inspectMedia(Buffer.alloc(0), isImageMime)).resolves.toEqual({ ok: false, reason: 'archivo vacío' });
  });
  it('refuses polyglots, as staff uploads are: a valid header followed by HTML or script', async () => {
    const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
    const gifHtml = Buffer.concat([gif, Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>')]);
    await expect(inspectMedia(gifHtml, isAllowedPlatformMime)).resolves.toEqual({ ok: false, reason: 'el archivo contiene código o marcado activo' });
    await expect(inspectMedia(Buffer.concat([PNG, Buffer.from('<svg onload=alert(1)>')]), isImageMime)).resolves.toEqual({
      ok: false,
      reason: 'el archivo contiene código o marcado activo',
    });
    await expect(inspectMedia(Buffer.concat([PDF, Buffer.from('<script>app.alert(1)</script>')]), isAllowedPlatformMime)).resolves.toEqual({
      ok: false,
      reason: 'el archivo contiene código o marcado activo',
    });
    await expect(inspectMedia(gif, isAllowedPlatformMime)).resolves.toEqual({ ok: true, mime: 'image/gif', ext: 'gif' });
  });
});
