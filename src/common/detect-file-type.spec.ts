import { ACTIVE_CONTENT_REASON, checkUploadContent, hasActiveContent } from './detect-file-type';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const JPEG_HEAD = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);

describe('checkUploadContent', () => {
  it('accepts real images and reports the detected type', async () => {
    await expect(checkUploadContent(PNG)).resolves.toEqual({ ok: true, mime: 'image/png', ext: 'png' });
    await expect(checkUploadContent(GIF)).resolves.toMatchObject({ ok: true, mime: 'image/gif' });
  });

  it('refuses HTML sent as an image whatever the client claimed', async () => {
    const html = Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>');
    await expect(checkUploadContent(html)).resolves.toMatchObject({ ok: false, mime: null });
  });

  it('refuses a PDF or an executable posted as an image', async () => {
    const pdf = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF');
    await expect(checkUploadContent(pdf)).resolves.toMatchObject({ ok: false, mime: 'application/pdf' });
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)]);
    await expect(checkUploadContent(exe)).resolves.toMatchObject({ ok: false });
  });

  it('refuses polyglots: a valid GIF or JPEG header carrying script or HTML', async () => {
    const gifar = Buffer.concat([GIF, Buffer.from('/*<script>alert(1)</script>*/')]);
    await expect(checkUploadContent(gifar)).resolves.toMatchObject({ ok: false, mime: 'image/gif', reason: expect.stringMatching(/activo/) });
    const jpegHtml = Buffer.concat([JPEG_HEAD, Buffer.alloc(100), Buffer.from('<svg onload=alert(1)>')]);
    await expect(checkUploadContent(jpegHtml)).resolves.toMatchObject({ ok: false, mime: 'image/jpeg' });
    const tailPhp = Buffer.concat([PNG, Buffer.alloc(70_000), Buffer.from('<?php system($_GET["c"]); ?>')]);
    await expect(checkUploadContent(tailPhp)).resolves.toMatchObject({ ok: false, mime: 'image/png' });
  });

  it('honours a custom allow-list', async () => {
    const pdf = Buffer.from('%PDF-1.7\n%%EOF');
    await expect(checkUploadContent(pdf, ['application/pdf'])).resolves.toMatchObject({ ok: true, mime: 'application/pdf' });
  });
});

describe('hasActiveContent (the polyglot check shared with platform media)', () => {
  it('finds markup or script in the first or the last 64 KiB, whatever the header', () => {
    expect(hasActiveContent(Buffer.concat([GIF, Buffer.from('<html><body>hola</body></html>')]))).toBe(true);
    expect(hasActiveContent(Buffer.concat([JPEG_HEAD, Buffer.from('< SCRIPT >x</script>')]))).toBe(true);
    expect(hasActiveContent(Buffer.concat([PNG, Buffer.alloc(70_000), Buffer.from('javascript:alert(1)')]))).toBe(true);
    expect(hasActiveContent(Buffer.concat([PNG, Buffer.from('<img src=x onerror=alert(1)>')]))).toBe(true);
  });

  it('passes plain images', () => {
    expect(hasActiveContent(PNG)).toBe(false);
    expect(hasActiveContent(GIF)).toBe(false);
    expect(hasActiveContent(Buffer.concat([JPEG_HEAD, Buffer.alloc(200_000, 0x41)]))).toBe(false);
  });

  it('is what checkUploadContent refuses with', async () => {
    const gifar = Buffer.concat([GIF, Buffer.from('<script>alert(1)</script>')]);
    await expect(checkUploadContent(gifar)).resolves.toEqual({ ok: false, mime: 'image/gif', ext: 'gif', reason: ACTIVE_CONTENT_REASON });
  });
});
