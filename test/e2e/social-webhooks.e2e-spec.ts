// test-app first: it loads the entities in the order their circular references need
import { startTestApp, TestApp } from '../support/test-app';
import { ElsewhereServer, FakePlatforms, JPEG_BYTES, PNG_1PX } from '../support/fake-platforms';
import {
  META_APP_SECRET,
  META_VERIFY_TOKEN,
  messengerDelivery,
  signed,
  socialPlatformEnv,
  TELEGRAM_SECRET,
  telegramUpdate,
  whatsappDelivery,
  whatsappStatuses,
} from '../support/social-payloads';
import { settleSocialQueue } from '../support/settle-social-queue';
import { signMetaBody } from '../../src/intake/social/webhook-signature';
import { IntakeService } from '../../src/intake/intake.service';
import { SocialEventQueue } from '../../src/intake/social/social-event-queue.service';
import { MEDIA_GIVEN_UP_REASON } from '../../src/intake/social/social-intake.processor';

describe('social webhooks: Meta (Messenger, Instagram, WhatsApp) and Telegram', () => {
  let t: TestApp;
  let fake: FakePlatforms;
  /** a host that is not Meta's, on another origin than META_GRAPH_URL: no request may reach it */
  let elsewhere: ElsewhereServer;

  beforeAll(async () => {
    fake = await new FakePlatforms().start();
    elsewhere = await new ElsewhereServer().start();
    t = await startTestApp({
      ...socialPlatformEnv(fake),
      WEBHOOK_RATE_LIMIT: '100000', // the load test sends hundreds from one address
    });
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
    await elsewhere.stop();
  });

  const postMeta = (body: unknown, signature?: string | null) => {
    const s = signed(body);
    const req = t.http().post('/api/v1/webhooks/meta').set('Content-Type', 'application/json');
    if (signature !== null) req.set('X-Hub-Signature-256', signature ?? s.signature);
    return req.send(s.raw);
  };
  const postTelegram = (body: unknown, secret: string | null = TELEGRAM_SECRET) => {
    const req = t.http().post('/api/v1/webhooks/telegram').set('Content-Type', 'application/json');
    if (secret !== null) req.set('X-Telegram-Bot-Api-Secret-Token', secret);
    return req.send(JSON.stringify(body));
  };
  const settle = (timeoutMs?: number) => settleSocialQueue(t, timeoutMs);
  const count = async (sql: string, params: unknown[] = []) => (await t.db.query(sql, params))[0].n as number;
  const ticketOf = async (channel: string, externalId: string) =>
    (
      await t.db.query(
        `SELECT t.id, t.folio, t.channel, t.status, t.citizen_id, t.latitude, t.longitude, m.id AS message_id, m.body_text, m.meta
         FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.channel = $1 AND m.external_id = $2`,
        [channel, externalId],
      )
    )[0];

  describe('Meta verification handshake', () => {
    it('echoes hub.challenge as the raw body when the verify token matches', async () => {
      const res = await t
        .http()
        .get('/api/v1/webhooks/meta')
        .query({ 'hub.mode': 'subscribe', 'hub.verify_token': META_VERIFY_TOKEN, 'hub.challenge': '1158201444' })
        .expect(200);
      expect(res.text).toBe('1158201444');
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
    });
    it.each([
      ['a wrong token', { 'hub.mode': 'subscribe', 'hub.verify_token': 'nope-nope-nope', 'hub.challenge': '1' }],
      ['a wrong mode', { 'hub.mode': 'unsubscribe', 'hub.verify_token': META_VERIFY_TOKEN, 'hub.challenge': '1' }],
      ['no parameters', {}],
    ])('answers 403 to %s', async (_label, query) => {
      const res = await t.http().get('/api/v1/webhooks/meta').query(query).expect(403);
      expect(res.text).not.toContain('1158201444');
    });
  });

  describe('signature checks: 401 and nothing stored', () => {
    const body = messengerDelivery('PSID-FORGED', 'Mensaje falso');
    it.each([
      ['missing', null],
      ['forged', `sha256=${'ab'.repeat(32)}`],
      ['made with another secret', signed(body, 'another-app-secret').signature],
      ['not sha256', 'sha1=0123456789abcdef0123456789abcdef01234567'],
    ])('a %s signature', async (_label, signature) => {
      const before = await count(`SELECT count(*)::int AS n FROM social_events`);
      await postMeta(body, signature).expect(401);
      expect(await count(`SELECT count(*)::int AS n FROM social_events`)).toBe(before);
    });
    it('a body modified after signing', async () => {
      const before = await count(`SELECT count(*)::int AS n FROM social_events`);
      const { raw, signature } = signed(body);
      await t.http().post('/api/v1/webhooks/meta').set('Content-Type', 'application/json').set('X-Hub-Signature-256', signature).send(raw.replace('Mensaje falso', 'Mensaje cambiado')).expect(401);
      expect(await count(`SELECT count(*)::int AS n FROM social_events`)).toBe(before);
      await settle();
      expect(await count(`SELECT count(*)::int AS n FROM citizen_identities WHERE value = 'PSID-FORGED'`)).toBe(0);
    });
    it.each([
      ['missing', null],
      ['wrong', 'not-the-secret'],
    ])('Telegram with a %s secret token', async (_label, secret) => {
      const before = await count(`SELECT count(*)::int AS n FROM social_events`);
      await postTelegram(telegramUpdate(555, { text: 'hola' }), secret).expect(401);
      expect(await count(`SELECT count(*)::int AS n FROM social_events`)).toBe(before);
    });
    it('a bearer token of staff does not replace the signature', async () => {
      const { auth } = await t.user('admin');
      await t.http().post('/api/v1/webhooks/meta').set(auth).send(body).expect(401);
    });
  });

  describe('Messenger', () => {
    it('a text message becomes a ticket on channel messenger with the PSID as identity', async () => {
      const body = messengerDelivery('PSID-100', 'Hay un bache enorme en la calle Zaragoza', { mid: 'm_text_100' });
      const res = await postMeta(body).expect(200);
      expect(res.text).toBe('EVENT_RECEIVED');
      await settle();
      const row = await ticketOf('messenger', 'm_text_100');
      expect(row).toEqual(expect.objectContaining({ channel: 'messenger', status: 'new', body_text: 'Hay un bache enorme en la calle Zaragoza' }));
      expect(row.meta.platform).toEqual(expect.objectContaining({ userId: 'PSID-100', businessId: 'PAGE-SLP' }));
      const ids = await t.db.query(`SELECT kind, value FROM citizen_identities WHERE citizen_id = $1`, [row.citizen_id]);
      expect(ids).toEqual([{ kind: 'messenger', value: 'PSID-100' }]);
    });

    it('an image attachment is downloaded, checked by its bytes and stored', async () => {
      fake.files.set('foto-bache.png', { bytes: PNG_1PX, mime: 'image/png' });
      const body = messengerDelivery('PSID-101', '', { mid: 'm_img_101', attachments: [{ type: 'image', payload: { url: `${fake.url}/cdn/foto-bache.png` } }] });
      await postMeta(body).expect(200);
      await settle();
      const row = await ticketOf('messenger', 'm_img_101');
      expect(row.body_text).toBe('[imagen]');
      const att = await t.db.query(`SELECT content_type, size_bytes, omitted, content FROM attachments WHERE message_id = $1`, [row.message_id]);
      expect(att).toHaveLength(1);
      expect(att[0]).toEqual(expect.objectContaining({ content_type: 'image/png', size_bytes: String(PNG_1PX.length), omitted: false }));
      expect(Buffer.compare(att[0].content, PNG_1PX)).toBe(0);
    });

    it('follows a redirect only to Meta hosts: elsewhere the file is omitted, never fetched', async () => {
      // the fake (META_GRAPH_URL's origin, always allowed) redirects to itself, and to a plain-http
      // host that is not Meta's; a third file points at that host directly
      fake.files.set('foto-bache.png', { bytes: PNG_1PX, mime: 'image/png' });
      const good = `${fake.url}/redirect?to=${encodeURIComponent(`${fake.url}/cdn/foto-bache.png`)}`;
      const evil = `${fake.url}/redirect?to=${encodeURIComponent(`${elsewhere.url}/latest/meta-data`)}`;
      const hitsBefore = elsewhere.hits.length;
      await postMeta(
        messengerDelivery('PSID-105', 'Tres fotos', {
          mid: 'm_redir_1',
          attachments: [
            { type: 'image', payload: { url: good } },
            { type: 'image', payload: { url: evil } },
            { type: 'image', payload: { url: `${elsewhere.url}/interno.png` } },
          ],
        }),
      ).expect(200);
      await settle();
      const row = await ticketOf('messenger', 'm_redir_1');
      const atts = await t.db.query(`SELECT filename, omitted, omitted_reason, content_type, content IS NOT NULL AS stored FROM attachments WHERE message_id = $1 ORDER BY filename`, [
        row.message_id,
      ]);
      expect(atts).toEqual([
        { filename: 'imagen-1.png', omitted: false, omitted_reason: null, content_type: 'image/png', stored: true },
        { filename: 'imagen-2', omitted: true, omitted_reason: MEDIA_GIVEN_UP_REASON, content_type: 'application/octet-stream', stored: false },
        { filename: 'imagen-3', omitted: true, omitted_reason: MEDIA_GIVEN_UP_REASON, content_type: 'application/octet-stream', stored: false },
      ]);
      // it serves a valid PNG: had anything been fetched from it, it would be stored above too
      expect(elsewhere.hits.slice(hitsBefore)).toEqual([]);
      // the refused redirect itself was asked for (the hop was seen and not followed)
      expect(fake.received('/redirect', 'GET').filter((r) => r.query.to?.startsWith(elsewhere.url))).toHaveLength(1);
    });

    it('a second message from the same person threads into their open ticket', async () => {
      await postMeta(messengerDelivery('PSID-102', 'Primer mensaje', { mid: 'm_thr_1' })).expect(200);
      await settle();
      await postMeta(messengerDelivery('PSID-102', 'Olvidé decir que está frente a la escuela', { mid: 'm_thr_2' })).expect(200);
      await settle();
      const a = await ticketOf('messenger', 'm_thr_1');
      const b = await ticketOf('messenger', 'm_thr_2');
      expect(b.folio).toBe(a.folio);
      expect(await count(`SELECT count(*)::int AS n FROM messages WHERE ticket_id = $1 AND direction = 'inbound'`, [a.id])).toBe(2);
    });

    it('a message after the ticket was rejected opens a new ticket', async () => {
      await postMeta(messengerDelivery('PSID-103', 'Spam', { mid: 'm_rej_1' })).expect(200);
      await settle();
      const a = await ticketOf('messenger', 'm_rej_1');
      await t.db.query(`UPDATE tickets SET status = 'rejected' WHERE id = $1`, [a.id]);
      await postMeta(messengerDelivery('PSID-103', 'Ahora sí un reporte', { mid: 'm_rej_2' })).expect(200);
      await settle();
      expect((await ticketOf('messenger', 'm_rej_2')).folio).not.toBe(a.folio);
    });

    it('a message weeks after the ticket was closed opens a new ticket linked to it', async () => {
      await postMeta(messengerDelivery('PSID-104', 'Luminaria', { mid: 'm_old_1' })).expect(200);
      await settle();
      const a = await ticketOf('messenger', 'm_old_1');
      await t.db.query(`UPDATE tickets SET status = 'closed', closed_at = now() - interval '40 days' WHERE id = $1`, [a.id]);
      await postMeta(messengerDelivery('PSID-104', 'Se volvió a apagar', { mid: 'm_old_2' })).expect(200);
      await settle();
      const b = await ticketOf('messenger', 'm_old_2');
      expect(b.folio).not.toBe(a.folio);
      const [linked] = await t.db.query(`SELECT linked_ticket_id FROM tickets WHERE id = $1`, [b.id]);
      expect(String(linked.linked_ticket_id)).toBe(String(a.id));
    });
  });

  describe('Instagram', () => {
    it('a text message becomes a ticket; echoes of our own messages make none', async () => {
      const before = await count(`SELECT count(*)::int AS n FROM tickets`);
      await postMeta(messengerDelivery('IGSID-200', 'Echo nuestro', { object: 'instagram', page: 'IG-SLP', mid: 'ig_echo_1', echo: true })).expect(200);
      await postMeta(messengerDelivery('IGSID-200', 'Basura sin recoger en Himno Nacional', { object: 'instagram', page: 'IG-SLP', mid: 'ig_200' })).expect(200);
      await settle();
      expect(await count(`SELECT count(*)::int AS n FROM tickets`)).toBe(before + 1);
      expect(await ticketOf('instagram', 'ig_echo_1')).toBeUndefined();
      const row = await ticketOf('instagram', 'ig_200');
      expect(row.channel).toBe('instagram');
      expect(row.meta.platform.businessId).toBe('IG-SLP');
    });
  });

  describe('WhatsApp Cloud API', () => {
    it('a text keeps the profile name and the number in E.164', async () => {
      await postMeta(whatsappDelivery('5214441234567', 'Ana Pérez', { type: 'text', text: { body: 'Fuga de agua en Av. Carranza' } }, { wamid: 'wamid.TXT1' })).expect(200);
      await settle();
      const row = await ticketOf('whatsapp', 'wamid.TXT1');
      expect(row.body_text).toBe('Fuga de agua en Av. Carranza');
      const [citizen] = await t.db.query(`SELECT name FROM citizens WHERE id = $1`, [row.citizen_id]);
      expect(citizen.name).toBe('Ana Pérez');
      const ids = await t.db.query(`SELECT kind, value, display_name FROM citizen_identities WHERE citizen_id = $1 ORDER BY kind`, [row.citizen_id]);
      expect(ids).toEqual([
        { kind: 'phone', value: '+524441234567', display_name: null },
        { kind: 'whatsapp', value: '+524441234567', display_name: 'Ana Pérez' },
      ]);
      expect(row.meta.platform).toEqual(expect.objectContaining({ userId: '5214441234567', businessId: 'PN-SLP' }));
    });

    it('an image is fetched through the Graph media endpoint with the token, and the caption kept', async () => {
      fake.files.set('MEDIA-IMG-1', { bytes: JPEG_BYTES, mime: 'image/jpeg' });
      await postMeta(
        whatsappDelivery('5214449876543', 'Luis', { type: 'image', image: { id: 'MEDIA-IMG-1', mime_type: 'image/jpeg', caption: 'Así está la banqueta' } }, { wamid: 'wamid.IMG1' }),
      ).expect(200);
      await settle();
      const row = await ticketOf('whatsapp', 'wamid.IMG1');
      expect(row.body_text).toBe('Así está la banqueta');
      const [att] = await t.db.query(`SELECT content_type, omitted FROM attachments WHERE message_id = $1`, [row.message_id]);
      expect(att).toEqual({ content_type: 'image/jpeg', omitted: false });
      const lookups = fake.received(`/${fake.graphVersion}/MEDIA-IMG-1`, 'GET');
      expect(lookups.length).toBeGreaterThan(0);
      expect(lookups[0].headers.authorization).toBe(`Bearer ${fake.accessToken}`);
    });

    it('a media lookup answering with a download URL outside Meta: the file is omitted, the URL never fetched, the token never sent there', async () => {
      fake.files.set('MEDIA-ELSEWHERE', { bytes: PNG_1PX, mime: 'image/png', url: `${elsewhere.url}/whatsapp-media/MEDIA-ELSEWHERE` });
      const hitsBefore = elsewhere.hits.length;
      await postMeta(whatsappDelivery('5214449876500', 'Rita', { type: 'image', image: { id: 'MEDIA-ELSEWHERE', caption: 'Coladera abierta' } }, { wamid: 'wamid.ELSEWHERE' })).expect(200);
      await settle();
      const row = await ticketOf('whatsapp', 'wamid.ELSEWHERE');
      expect(row.body_text).toBe('Coladera abierta');
      const atts = await t.db.query(`SELECT omitted, omitted_reason, content IS NOT NULL AS stored FROM attachments WHERE message_id = $1`, [row.message_id]);
      expect(atts).toEqual([{ omitted: true, omitted_reason: MEDIA_GIVEN_UP_REASON, stored: false }]);
      expect(fake.received(`/${fake.graphVersion}/MEDIA-ELSEWHERE`, 'GET')).toHaveLength(1); // the lookup was made
      expect(elsewhere.hits.slice(hitsBefore)).toEqual([]);
    });

    it('a location fills the ticket coordinates', async () => {
      await postMeta(
        whatsappDelivery('5214440000001', 'Marta', { type: 'location', location: { latitude: 22.1517, longitude: -100.9759, name: 'Plaza de Armas' } }, { wamid: 'wamid.LOC1' }),
      ).expect(200);
      await settle();
      const row = await ticketOf('whatsapp', 'wamid.LOC1');
      expect([row.latitude, row.longitude]).toEqual([22.1517, -100.9759]);
      expect(row.body_text).toContain('Plaza de Armas');
    });

    it('a failed media download is retried, and the message text is never lost', async () => {
      fake.files.set('MEDIA-RETRY', { bytes: PNG_1PX, mime: 'image/png' });
      fake.failNext(`/${fake.graphVersion}/MEDIA-RETRY`, 503, { error: { message: 'temporarily unavailable', code: 2 } });
      await postMeta(whatsappDelivery('5214440000002', 'Pedro', { type: 'image', image: { id: 'MEDIA-RETRY', caption: 'Poste caído' } }, { wamid: 'wamid.RETRY' })).expect(200);
      await settle();
      const row = await ticketOf('whatsapp', 'wamid.RETRY');
      expect(row.body_text).toBe('Poste caído');
      const [att] = await t.db.query(`SELECT content_type, omitted FROM attachments WHERE message_id = $1`, [row.message_id]);
      expect(att).toEqual({ content_type: 'image/png', omitted: false });
      const [ev] = await t.db.query(`SELECT attempts, status FROM social_events WHERE convert_from(body, 'UTF8') LIKE '%wamid.RETRY%'`);
      expect(ev).toEqual({ attempts: 2, status: 'done' });
    });

    it('media that cannot be fetched (gone) is recorded as omitted with the text kept', async () => {
      await postMeta(whatsappDelivery('5214440000003', 'Sofía', { type: 'audio', audio: { id: 'MEDIA-GONE', mime_type: 'audio/ogg' } }, { wamid: 'wamid.GONE' })).expect(200);
      await settle();
      const row = await ticketOf('whatsapp', 'wamid.GONE');
      expect(row.body_text).toBe('[audio]');
      const [att] = await t.db.query(`SELECT omitted, omitted_reason FROM attachments WHERE message_id = $1`, [row.message_id]);
      expect(att).toEqual({ omitted: true, omitted_reason: 'no se pudo descargar el archivo' });
    });

    it('a file whose bytes are not an allowed type is omitted even if it claims image/jpeg', async () => {
      fake.files.set('MEDIA-FAKE', { bytes: Buffer.from('<html><script>alert(1)</script></html>'), mime: 'image/jpeg' });
      await postMeta(whatsappDelivery('5214440000004', 'X', { type: 'image', image: { id: 'MEDIA-FAKE', mime_type: 'image/jpeg' } }, { wamid: 'wamid.FAKE' })).expect(200);
      await settle();
      const row = await ticketOf('whatsapp', 'wamid.FAKE');
      const [att] = await t.db.query(`SELECT omitted, omitted_reason, content FROM attachments WHERE message_id = $1`, [row.message_id]);
      expect(att).toEqual({ omitted: true, omitted_reason: 'tipo de archivo no reconocido', content: null });
    });

    it('statuses make no ticket', async () => {
      const before = await count(`SELECT count(*)::int AS n FROM tickets`);
      await postMeta(whatsappStatuses()).expect(200);
      await settle();
      expect(await count(`SELECT count(*)::int AS n FROM tickets`)).toBe(before);
    });
  });

  describe('Telegram', () => {
    it('a text message becomes a ticket with the user id, name and handle', async () => {
      const update = telegramUpdate(700100, { text: 'Perro abandonado en el parque' }, 9_000_001);
      await postTelegram(update).expect(200);
      await settle();
      const row = await ticketOf('telegram', `700100:${update.message.message_id}`);
      expect(row.body_text).toBe('Perro abandonado en el parque');
      const ids = await t.db.query(`SELECT kind, value, handle FROM citizen_identities WHERE citizen_id = $1`, [row.citizen_id]);
      expect(ids).toEqual([{ kind: 'telegram', value: '700100', handle: '@rosah' }]);
      const [citizen] = await t.db.query(`SELECT name FROM citizens WHERE id = $1`, [row.citizen_id]);
      expect(citizen.name).toBe('Rosa Hernández');
    });

    it('a photo is fetched in its largest size via getFile, with its caption', async () => {
      fake.files.set('tg-big', { bytes: JPEG_BYTES, mime: 'image/jpeg' });
      const update = telegramUpdate(
        700101,
        {
          caption: 'Semáforo descompuesto',
          photo: [
            { file_id: 'tg-small', file_unique_id: 's', width: 90, height: 90, file_size: 100 },
            { file_id: 'tg-big', file_unique_id: 'b', width: 1280, height: 1280, file_size: JPEG_BYTES.length },
          ],
        },
        9_000_002,
      );
      await postTelegram(update).expect(200);
      await settle();
      const row = await ticketOf('telegram', `700101:${update.message.message_id}`);
      expect(row.body_text).toBe('Semáforo descompuesto');
      const [att] = await t.db.query(`SELECT content_type, omitted FROM attachments WHERE message_id = $1`, [row.message_id]);
      expect(att).toEqual({ content_type: 'image/jpeg', omitted: false });
      expect(fake.received(`/bot${fake.botToken}/getFile`, 'GET').map((r) => r.query.file_id)).toContain('tg-big');
      expect(fake.received(`/bot${fake.botToken}/getFile`, 'GET').map((r) => r.query.file_id)).not.toContain('tg-small');
    });

    it('a redelivered update changes nothing', async () => {
      const update = telegramUpdate(700102, { text: 'Duplicado' }, 9_000_003);
      await postTelegram(update).expect(200);
      await postTelegram({ ...update, update_id: 9_000_004 }).expect(200);
      await settle();
      expect(await count(`SELECT count(*)::int AS n FROM messages WHERE channel = 'telegram' AND external_id = $1`, [`700102:${update.message.message_id}`])).toBe(1);
    });
  });

  describe('durability and idempotency', () => {
    it('an event claimed by a worker that died is picked up again after its lease', async () => {
      const { raw } = signed(messengerDelivery('PSID-300', 'Quedó a medias', { mid: 'm_crash_1' }));
      await t.db.query(
        `INSERT INTO social_events (platform, body, body_sha256, attempts, locked_until) VALUES ('meta', $1, md5($2) || md5($2), 1, now() - interval '1 second')`,
        [Buffer.from(raw), raw],
      );
      await settle();
      expect((await ticketOf('messenger', 'm_crash_1')).body_text).toBe('Quedó a medias');
    });

    it('an event whose lease ran out while it waited its turn is left to whoever holds it now, and a finished one is never reopened', async () => {
      const worker: unknown = t.app.get(SocialEventQueue);
      const queue = worker as { runOne(e: { id: string; platform: 'meta'; body: Buffer; attempts: number }): Promise<void> };
      const { raw } = signed(messengerDelivery('PSID-302', 'Esperó su turno', { mid: 'm_lease_1' }));
      const [row] = await t.db.query(
        // claimed long ago by this worker; its lease expired while earlier events of the batch ran
        `INSERT INTO social_events (platform, body, body_sha256, attempts, locked_until, next_attempt_at) VALUES ('meta', $1, md5($2) || md5($2), 1, now() - interval '1 second', now() + interval '1 hour') RETURNING id`,
        [Buffer.from(raw), raw],
      );
      const event = { id: String(row.id), platform: 'meta' as const, body: Buffer.from(raw), attempts: 1 };
      await queue.runOne(event);
      expect(await ticketOf('messenger', 'm_lease_1')).toBeUndefined();
      // another instance finished it meanwhile: a late failure of ours does not turn it back to pending
      await t.db.query(`UPDATE social_events SET status = 'done', locked_until = now() + interval '5 minutes' WHERE id = $1`, [row.id]);
      await queue.runOne(event);
      expect(await t.db.query(`SELECT status FROM social_events WHERE id = $1`, [row.id])).toEqual([{ status: 'done' }]);
    });

    it('identical concurrent redeliveries are stored once and all answered 200', async () => {
      const body = messengerDelivery('PSID-301', 'Entregado cinco veces', { mid: 'm_five_1' });
      const statuses = await Promise.all(Array.from({ length: 5 }, () => postMeta(body).then((r) => r.status)));
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      expect(await count(`SELECT count(*)::int AS n FROM social_events WHERE convert_from(body, 'UTF8') LIKE '%m_five_1%'`)).toBe(1);
      await settle();
      expect(await count(`SELECT count(*)::int AS n FROM messages WHERE external_id = 'm_five_1'`)).toBe(1);
    });

    it('ARCO: the raw deliveries are exported with the citizen and redacted when they are anonymised', async () => {
      await postMeta(whatsappDelivery('5214445550001', 'Jimena Torres', { type: 'text', text: { body: 'Vivo en Av. Carranza 100' } }, { wamid: 'wamid.ARCO' })).expect(200);
      await settle();
      const row = await ticketOf('whatsapp', 'wamid.ARCO');
      const { auth } = await t.user('supervisor');
      const exported = await t.http().get(`/api/v1/citizens/${row.citizen_id}/export`).set(auth).expect(200);
      expect(JSON.stringify(exported.body)).toContain('wamid.ARCO');
      await t.http().post(`/api/v1/citizens/${row.citizen_id}/anonymise`).set(auth).send({ reason: 'Solicitud ARCO UT/2026/0001' }).expect(200);
      const [ev] = await t.db.query(`SELECT convert_from(body, 'UTF8') AS body FROM social_events WHERE convert_from(body, 'UTF8') LIKE '%wamid.ARCO%'`);
      expect(ev.body).not.toContain('5214445550001');
      expect(ev.body).not.toContain('Jimena Torres');
    });

    it('readiness reports the queue', async () => {
      const res = await t.http().get('/health/ready').expect(200);
      expect(JSON.stringify(res.body)).toContain('socialEvents');
    });

    it('300 concurrent deliveries with 20 % duplicates give exact ticket and message counts', async () => {
      const tickets0 = await count(`SELECT count(*)::int AS n FROM tickets`);
      const messages0 = await count(`SELECT count(*)::int AS n FROM messages WHERE direction = 'inbound'`);
      const unique = Array.from({ length: 240 }, (_, i) => {
        const sender = `PSID-LOAD-${i % 120}`; // 120 people, two messages each → 120 tickets, 240 messages
        return messengerDelivery(sender, `Reporte ${i}`, { mid: `m_load_${i}`, timestamp: Date.now() + i });
      });
      // 60 duplicates: half byte-identical redeliveries, half the same mid in a different envelope
      const dups = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? unique[i * 4] : { ...unique[i * 4], entry: [{ ...unique[i * 4].entry[0], time: 1 }] }));
      const all = [...unique, ...dups].sort(() => Math.random() - 0.5);
      const statuses = await Promise.all(all.map((b) => postMeta(b).then((r) => r.status)));
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      await settle(90_000);
      expect(await count(`SELECT count(*)::int AS n FROM tickets`)).toBe(tickets0 + 120);
      expect(await count(`SELECT count(*)::int AS n FROM messages WHERE direction = 'inbound'`)).toBe(messages0 + 240);
      // and one acknowledgement with its folio per new ticket, no more
      expect(await count(`SELECT count(*)::int AS n FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.direction = 'outbound' AND t.id IN (SELECT ticket_id FROM messages WHERE external_id LIKE 'm_load_%')`)).toBe(120);
      expect(await count(`SELECT count(DISTINCT t.id)::int AS n FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.external_id LIKE 'm_load_%'`)).toBe(120);
    }, 120_000);
  });

  // last: it blocks this client address for the rest of the minute
  describe('hostile or broken items inside a valid delivery', () => {
    it('control characters in ids, a date that is no date and an overlong username are made storable', async () => {
      const telegram = telegramUpdate(880201, { text: 'Coladera sin tapa', date: 1e13, from: { id: 880201, is_bot: false, first_name: 'Nulo\u0000', username: 'u'.repeat(300) } });
      await postTelegram(telegram).expect(200);
      const messenger = messengerDelivery('PSID-NUL\u0000', 'Fuga en la banqueta', { mid: 'm_nul\u0000id' });
      await postMeta(messenger).expect(200);
      await settle();
      const tg = await ticketOf('telegram', `${telegram.message.chat.id}:${telegram.message.message_id}`);
      expect(tg.body_text).toBe('Coladera sin tapa');
      expect(Math.abs(new Date(tg.meta.platform.sentAt).getTime() - Date.now())).toBeLessThan(120_000);
      const [identity] = await t.db.query(`SELECT handle, display_name FROM citizen_identities WHERE kind = 'telegram' AND value = '880201'`);
      expect(identity.handle.length).toBeLessThanOrEqual(200);
      expect(identity.display_name).not.toContain('\u0000');
      expect((await ticketOf('messenger', 'm_nulid')).body_text).toBe('Fuga en la banqueta');
      expect(await count(`SELECT count(*)::int AS n FROM social_events WHERE status <> 'done'`)).toBe(0);
    });

    it('a message that cannot be stored does not sink the others of its delivery', async () => {
      const intake = t.app.get(IntakeService);
      const original = intake.receiveIn.bind(intake);
      const spy = jest.spyOn(intake, 'receiveIn').mockImplementation((manager, inbound, options) =>
        inbound.externalId === 'm_poison' ? Promise.reject(new RangeError('Invalid time value')) : original(manager, inbound, options),
      );
      try {
        const delivery = messengerDelivery('PSID-BATCH', 'Primero', { mid: 'm_first' });
        const [entry] = delivery.entry;
        entry.messaging.push(
          { ...entry.messaging[0], message: { mid: 'm_poison', text: 'Segundo' } },
          { ...entry.messaging[0], message: { mid: 'm_third', text: 'Tercero' } },
        );
        await postMeta(delivery).expect(200);
        await settle();
      } finally {
        spy.mockRestore();
      }
      expect((await ticketOf('messenger', 'm_first')).body_text).toBe('Primero');
      expect((await ticketOf('messenger', 'm_third')).body_text).toBe('Tercero');
      expect(await ticketOf('messenger', 'm_poison')).toBeUndefined();
      const [event] = await t.db.query(`SELECT id, status, attempts, result FROM social_events ORDER BY id DESC LIMIT 1`);
      expect([event.status, event.attempts, event.result.outcomes.failed, event.result.failures[0].externalId]).toEqual(['done', 1, 1, 'm_poison']);

      // the admin sees it, has it processed again once the cause is gone: the missing message goes in, nothing doubles
      const admin = (await t.user('admin')).auth;
      const problems = await t.http().get('/api/v1/intake/social-events/problems').set(admin).expect(200);
      const mine = problems.body.find((p: { id: string }) => p.id === String(event.id));
      expect(mine).toEqual(expect.objectContaining({ platform: 'meta', status: 'done', failures: [expect.objectContaining({ externalId: 'm_poison' })] }));
      expect(JSON.stringify(problems.body)).not.toContain('Segundo'); // no bodies: personal data stays in the event
      await t.http().post(`/api/v1/intake/social-events/${mine.id}/retry`).set((await t.user('agent')).auth).expect(403);
      await t.http().post(`/api/v1/intake/social-events/${mine.id}/retry`).set(admin).expect(200);
      await settle();
      expect((await ticketOf('messenger', 'm_poison')).body_text).toBe('Segundo');
      expect(await count(`SELECT count(*)::int AS n FROM messages WHERE channel = 'messenger' AND external_id IN ('m_first', 'm_poison', 'm_third')`)).toBe(3);
      const after = await t.http().get('/api/v1/intake/social-events/problems').set(admin).expect(200);
      expect(after.body.map((p: { id: string }) => p.id)).not.toContain(mine.id);
      await t.http().post(`/api/v1/intake/social-events/${mine.id}/retry`).set(admin).expect(404); // nothing left to retry
      await t.http().post('/api/v1/intake/social-events/abc/retry').set(admin).expect(404);
    });
  });

  describe('an address that keeps failing authentication', () => {
    it('gets 429 instead of another signature check', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 35; i++) statuses.push((await postMeta(messengerDelivery('PSID-X', 'x'), `sha256=${'00'.repeat(32)}`)).status);
      expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
      expect(statuses[statuses.length - 1]).toBe(429);
      expect(new Set(statuses)).toEqual(new Set([401, 429]));
    });
  });
});

describe('webhook hot path: raw bytes and WEBHOOK_RATE_LIMIT', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ META_APP_SECRET, TELEGRAM_SECRET_TOKEN: TELEGRAM_SECRET, WEBHOOK_RATE_LIMIT: '4', BACKGROUND_WORKERS: 'false' });
  });
  afterAll(async () => {
    await t.close();
  });
  const post = (raw: string, signature: string) =>
    t.http().post('/api/v1/webhooks/meta').set('Content-Type', 'application/json; charset=utf-8').set('X-Hub-Signature-256', signature).send(raw);

  it('stores the signed bytes exactly as received (never re-serialised), and a signed body that is not JSON is kept, not refused', async () => {
    const raw = `{ "object":"page",\n  "entry":[{"id":"PAGE-SLP","time":1,"messaging":[{"sender":{"id":"PSID-RAW"},"recipient":{"id":"PAGE-SLP"},"timestamp":1,"message":{"mid":"m_raw_1","text":"Baches en \\u00c1lvaro Obreg\\u00f3n"}}]}] }`;
    await post(raw, signMetaBody(raw, META_APP_SECRET)).expect(200);
    const notJson = 'esto no es JSON';
    await post(notJson, signMetaBody(notJson, META_APP_SECRET)).expect(200);
    const bodies = (await t.db.query(`SELECT body FROM social_events ORDER BY id`)).map((r: { body: Buffer }) => r.body.toString('utf8'));
    expect(bodies).toEqual([raw, notJson]);
    // answered to servers: no browser security headers, no framework banner
    const res = await post(raw, signMetaBody(raw, META_APP_SECRET)).expect(200);
    expect(res.text).toBe('EVENT_RECEIVED');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['content-security-policy']).toBeUndefined();
  });

  it('answers 429 with Retry-After once an address passes WEBHOOK_RATE_LIMIT requests in the minute', async () => {
    const raw = JSON.stringify(messengerDelivery('PSID-RATE', 'Uno más'));
    const r1 = await post(raw, `sha256=${'00'.repeat(32)}`); // the 4th request of this address in the minute
    expect(r1.status).toBe(401);
    const limited = await post(raw, signMetaBody(raw, META_APP_SECRET));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    await t.http().post('/api/v1/webhooks/telegram').set('Content-Type', 'application/json').set('X-Telegram-Bot-Api-Secret-Token', TELEGRAM_SECRET).send('{}').expect(429);
  });
});
