// test-app first: it loads the entities in the order their circular references need
import { startTestApp, TestApp } from '../support/test-app';
import { FakePlatforms, PNG_1PX } from '../support/fake-platforms';
import { META_APP_SECRET, messengerDelivery, signed, whatsappDelivery } from '../support/social-payloads';
import { MAX_EVENT_ATTEMPTS, MAX_UNFINISHED_ATTEMPTS, SocialEventQueue } from '../../src/intake/social/social-event-queue.service';
import { SocialIntakeProcessor } from '../../src/intake/social/social-intake.processor';

/**
 * §3.2: an outage of the Graph API or of the database lasting an hour or so needs no admin, and
 * a citizen's photo that could not be downloaded at first still arrives — without holding the
 * message's text back for long. No real hours pass: the rows' timestamps (received_at,
 * next_attempt_at) and attempt counts are set in the database, and the test drives the queue
 * (BACKGROUND_WORKERS=false).
 */
describe('social intake retry budget: deliveries and media ride out an outage', () => {
  let t: TestApp;
  let fake: FakePlatforms;
  let queue: SocialEventQueue;

  beforeAll(async () => {
    fake = await new FakePlatforms().start();
    t = await startTestApp({ META_APP_SECRET, META_ACCESS_TOKEN: fake.accessToken, META_GRAPH_URL: fake.graphUrl, BACKGROUND_WORKERS: 'false' });
    queue = t.app.get(SocialEventQueue);
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });
  afterEach(() => jest.restoreAllMocks());

  const post = async (body: unknown) => {
    const s = signed(body);
    await t.http().post('/api/v1/webhooks/meta').set('Content-Type', 'application/json').set('X-Hub-Signature-256', s.signature).send(s.raw).expect(200);
  };
  type EventRow = { id: string; status: string; attempts: number; last_error: string | null; result: Record<string, unknown>; wait: number };
  const eventWith = async (marker: string): Promise<EventRow> => {
    const [row] = await t.db.query(
      `SELECT id, status, attempts, last_error, result, EXTRACT(EPOCH FROM next_attempt_at - now())::float AS wait
       FROM social_events WHERE convert_from(body, 'UTF8') LIKE $1 ORDER BY id DESC LIMIT 1`,
      [`%${marker}%`],
    );
    return { ...row, id: String(row.id) };
  };
  /**
   * The retry delay the queue chose in `run`: next_attempt_at minus the moment of the failure,
   * which lies between two readings of the database clock taken around `run`. Returns the range
   * the delay must lie in, whatever the time `run` takes.
   */
  const retryDelayOf = async (marker: string, run: () => Promise<unknown>): Promise<{ atLeast: number; atMost: number }> => {
    const clock = async () => (await t.db.query(`SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8 AS s`))[0].s as number;
    const before = await clock();
    await run();
    const after = await clock();
    const [{ next }] = await t.db.query(
      `SELECT EXTRACT(EPOCH FROM next_attempt_at)::float8 AS next FROM social_events WHERE convert_from(body, 'UTF8') LIKE $1 ORDER BY id DESC LIMIT 1`,
      [`%${marker}%`],
    );
    return { atLeast: next - after, atMost: next - before };
  };
  /** `range` (from retryDelayOf) is consistent with a delay between `min` and `max` seconds (1 ms for float rounding) */
  const expectDelayWithin = (range: { atLeast: number; atMost: number }, min: number, max: number) => {
    expect(range.atMost).toBeGreaterThanOrEqual(min - 0.001);
    expect(range.atLeast).toBeLessThanOrEqual(max + 0.001);
  };
  /** the delivery is due now, arrived `age` ago, and has had `attempts` attempts */
  const setEvent = (id: string, fields: { age?: string; attempts?: number }) =>
    t.db.query(
      `UPDATE social_events SET next_attempt_at = now(), received_at = COALESCE(now() - $2::interval, received_at), attempts = COALESCE($3, attempts) WHERE id = $1`,
      [id, fields.age ?? null, fields.attempts ?? null],
    );
  const messageOf = async (channel: string, externalId: string) =>
    (await t.db.query(`SELECT id, body_text FROM messages WHERE channel = $1 AND external_id = $2`, [channel, externalId]))[0] as { id: string; body_text: string } | undefined;
  const attachmentsOf = (messageId: string) =>
    t.db.query(`SELECT filename, content_type, size_bytes::int AS size, omitted, omitted_reason, sha256 IS NOT NULL AS hashed, content IS NOT NULL AS stored FROM attachments WHERE message_id = $1`, [
      messageId,
    ]);
  /** what a database outage looks like to the processor */
  const outage = () => Object.assign(new Error('Connection terminated unexpectedly'), { code: '08006' });

  it('a delivery failing through an outage is retried 10 s, 20 s … up to 15 min apart, is still pending after eight attempts, and only fails after the whole budget', async () => {
    await post(messengerDelivery('PSID-OUT-1', 'Se cayó un árbol sobre la calle Independencia', { mid: 'm_outage_1' }));
    const spy = jest.spyOn(t.app.get(SocialIntakeProcessor), 'process').mockRejectedValue(outage());

    const firstDelay = await retryDelayOf('m_outage_1', () => queue.drain());
    let ev = await eventWith('m_outage_1');
    expect([ev.status, ev.attempts]).toEqual(['pending', 1]);
    expectDelayWithin(firstDelay, 8, 12); // 10 s ± 20 %

    // the eighth attempt of a long outage: retried, about 15 minutes later (the old budget failed it here, ~4 min in)
    await setEvent(ev.id, { attempts: 7, age: '21 minutes' });
    await queue.drain();
    ev = await eventWith('m_outage_1');
    expect([ev.status, ev.attempts]).toEqual(['pending', 8]);
    expect(ev.wait).toBeGreaterThan(0.8 * 900 - 5);
    expect(ev.wait).toBeLessThanOrEqual(1.2 * 900);
    expect(ev.last_error).toContain('Connection terminated');

    // an hour into the outage it is still waiting, and goes in once the database is back
    await setEvent(ev.id, { attempts: 11, age: '65 minutes' });
    await queue.drain();
    expect((await eventWith('m_outage_1')).status).toBe('pending');
    spy.mockRestore();
    await setEvent(ev.id, {});
    await queue.drain();
    expect((await eventWith('m_outage_1')).status).toBe('done');
    expect((await messageOf('messenger', 'm_outage_1'))?.body_text).toBe('Se cayó un árbol sobre la calle Independencia');

    // one that fails its last attempt (after about seven hours) is failed, for an admin
    await post(messengerDelivery('PSID-OUT-2', 'Semáforo apagado en Carranza', { mid: 'm_outage_2' }));
    jest.spyOn(t.app.get(SocialIntakeProcessor), 'process').mockRejectedValue(outage());
    const second = await eventWith('m_outage_2');
    await setEvent(second.id, { attempts: MAX_EVENT_ATTEMPTS - 2, age: '6 hours' });
    await queue.drain();
    expect((await eventWith('m_outage_2')).status).toBe('pending');
    await setEvent(second.id, { age: '7 hours' });
    await queue.drain();
    expect(await eventWith('m_outage_2')).toMatchObject({ status: 'failed', attempts: MAX_EVENT_ATTEMPTS });
  });

  it(`a delivery whose attempts die with the process ${MAX_UNFINISHED_ATTEMPTS} times in a row goes failed without being processed again; one death alone does not`, async () => {
    await post(messengerDelivery('PSID-OOM-1', 'Este mensaje tumba al proceso', { mid: 'm_dies_1' }));
    await post(messengerDelivery('PSID-OOM-2', 'A este se le murió un intento', { mid: 'm_dies_2' }));
    const poison = await eventWith('m_dies_1');
    const once = await eventWith('m_dies_2');
    // claims that were never released (their lease ran out): the attempt never finished
    await t.db.query(`UPDATE social_events SET locked_by = 'dead-instance.0001', locked_until = now() - interval '1 second', attempts = 3 WHERE id = ANY($1)`, [[poison.id, once.id]]);
    await t.db.query(`UPDATE social_events SET result = jsonb_build_object('unfinishedAttempts', $2::int) WHERE id = $1`, [poison.id, MAX_UNFINISHED_ATTEMPTS - 1]);
    const spy = jest.spyOn(t.app.get(SocialIntakeProcessor), 'process');

    await queue.drain();

    expect(spy.mock.calls.map(([e]) => e.id)).toEqual([once.id]);
    const failed = await eventWith('m_dies_1');
    expect(failed).toMatchObject({ status: 'failed', attempts: 3 });
    expect(failed.last_error).toMatch(new RegExp(`^AttemptsExhausted: ${MAX_UNFINISHED_ATTEMPTS} attempts in a row never finished`));
    expect(await messageOf('messenger', 'm_dies_1')).toBeUndefined();
    expect(await eventWith('m_dies_2')).toMatchObject({ status: 'done', attempts: 4 });
    expect((await eventWith('m_dies_2')).result).not.toHaveProperty('unfinishedAttempts');
  });

  it('a photo the Graph API cannot serve holds its message back only briefly: the text goes in, the photo is fetched into it when the outage ends hours later', async () => {
    const prefix = `/${fake.graphVersion}/MEDIA-OUTAGE-1`;
    fake.files.set('MEDIA-OUTAGE-1', { bytes: PNG_1PX, mime: 'image/png' });
    fake.failNext(prefix, 503, { error: { message: 'Service temporarily unavailable', code: 2 } }, 10_000);
    await post(whatsappDelivery('5214445550101', 'Pedro', { type: 'image', image: { id: 'MEDIA-OUTAGE-1', caption: 'Poste caído en Himno Nacional' } }, { wamid: 'wamid.OUTAGE1' }));

    // a young delivery: the message waits for its photo (the usual blip leaves no trace)
    await queue.drain();
    const ev = await eventWith('wamid.OUTAGE1');
    expect([ev.status, ev.attempts]).toEqual(['pending', 1]);
    expect(await messageOf('whatsapp', 'wamid.OUTAGE1')).toBeUndefined();

    // minutes later the text goes in without it, the file recorded as pending
    await setEvent(ev.id, { age: '3 minutes' });
    const secondDelay = await retryDelayOf('wamid.OUTAGE1', () => queue.drain());
    const message = await messageOf('whatsapp', 'wamid.OUTAGE1');
    expect(message?.body_text).toBe('Poste caído en Himno Nacional');
    expect(await attachmentsOf(message!.id)).toEqual([
      { filename: 'imagen-1', content_type: 'application/octet-stream', size: 0, omitted: true, omitted_reason: 'descarga pendiente: se reintenta', hashed: false, stored: false },
    ]);
    let waiting = await eventWith('wamid.OUTAGE1');
    expect(waiting).toMatchObject({ status: 'pending', attempts: 2, result: expect.objectContaining({ mediaPending: 1, outcomes: { created: 1 } }) });
    expect(waiting.last_error).toMatch(/^MediaPending: PlatformError: graph media lookup: HTTP 503/);
    expectDelayWithin(secondDelay, 16, 24); // after the second attempt: 20 s ± 20 %

    // five hours and twenty attempts later the Graph API is still down: still waiting (the old code gave up at the fourth attempt)
    await setEvent(ev.id, { age: '5 hours', attempts: 20 });
    await queue.drain();
    waiting = await eventWith('wamid.OUTAGE1');
    expect(waiting).toMatchObject({ status: 'pending', attempts: 21, result: expect.objectContaining({ mediaPending: 1, outcomes: { media_pending: 1 } }) });
    expect(waiting.wait).toBeGreaterThan(0.8 * 900 - 5);
    expect((await attachmentsOf(message!.id))[0].omitted_reason).toBe('descarga pendiente: se reintenta');

    // the outage ends: the photo lands in the same message, nothing is stored twice
    fake.recover(prefix);
    await setEvent(ev.id, {});
    await queue.drain();
    expect(await attachmentsOf(message!.id)).toEqual([
      { filename: 'imagen-1.png', content_type: 'image/png', size: PNG_1PX.length, omitted: false, omitted_reason: null, hashed: true, stored: true },
    ]);
    expect(await eventWith('wamid.OUTAGE1')).toMatchObject({ status: 'done', last_error: null, result: expect.objectContaining({ outcomes: { media_added: 1 } }) });
    expect(await t.db.query(`SELECT count(*)::int AS n FROM messages WHERE external_id = 'wamid.OUTAGE1'`)).toEqual([{ n: 1 }]);
    const { auth } = await t.user('agent');
    const [{ folio }] = await t.db.query(`SELECT t.folio FROM tickets t JOIN messages m ON m.ticket_id = t.id WHERE m.id = $1`, [message!.id]);
    const detail = await t.http().get(`/api/v1/tickets/${folio}`).set(auth).expect(200);
    const inbound = detail.body.thread.find((m: { id: string }) => String(m.id) === String(message!.id));
    expect(inbound.attachments).toEqual([expect.objectContaining({ filename: 'imagen-1.png', omitted: false })]);
  });

  it('a file still failing six hours after its delivery arrived is recorded as not downloadable, and the delivery is done', async () => {
    fake.failNext(`/${fake.graphVersion}/MEDIA-OUTAGE-2`, 502, { error: { message: 'Bad gateway', code: 2 } }, 10_000);
    await post(whatsappDelivery('5214445550102', 'Lucía', { type: 'document', document: { id: 'MEDIA-OUTAGE-2', filename: 'oficio.pdf', caption: 'Mi oficio' } }, { wamid: 'wamid.OUTAGE2' }));
    const ev = await eventWith('wamid.OUTAGE2');
    await setEvent(ev.id, { age: '10 minutes' });
    await queue.drain();
    const message = (await messageOf('whatsapp', 'wamid.OUTAGE2'))!;
    expect((await attachmentsOf(message.id))[0]).toMatchObject({ filename: 'oficio.pdf', omitted: true, omitted_reason: 'descarga pendiente: se reintenta' });

    await setEvent(ev.id, { age: '6 hours 1 minute', attempts: 24 });
    await queue.drain();
    expect((await attachmentsOf(message.id))[0]).toMatchObject({ filename: 'oficio.pdf', omitted: true, omitted_reason: 'no se pudo descargar el archivo', stored: false });
    expect(await eventWith('wamid.OUTAGE2')).toMatchObject({ status: 'done', result: expect.objectContaining({ outcomes: { media_given_up: 1 } }) });
    expect(message.body_text).toBe('Mi oficio');
  });

  it('a delivery first processed late (a backlog, or queued again by an admin) still gives a failing file a few attempts, its text going in at once', async () => {
    fake.failNext(`/${fake.graphVersion}/MEDIA-OUTAGE-3`, 503, { error: { message: 'unavailable', code: 2 } }, 10_000);
    await post(whatsappDelivery('5214445550103', 'Tomás', { type: 'image', image: { id: 'MEDIA-OUTAGE-3', caption: 'Basura en el camellón' } }, { wamid: 'wamid.OUTAGE3' }));
    const ev = await eventWith('wamid.OUTAGE3');
    await setEvent(ev.id, { age: '8 hours' });
    await queue.drain();
    const message = (await messageOf('whatsapp', 'wamid.OUTAGE3'))!;
    expect(message.body_text).toBe('Basura en el camellón');
    expect((await attachmentsOf(message.id))[0].omitted_reason).toBe('descarga pendiente: se reintenta');
    expect((await eventWith('wamid.OUTAGE3')).status).toBe('pending');
    for (let i = 0; i < 3; i++) {
      await setEvent(ev.id, {});
      await queue.drain();
    }
    expect((await attachmentsOf(message.id))[0].omitted_reason).toBe('no se pudo descargar el archivo');
    expect(await eventWith('wamid.OUTAGE3')).toMatchObject({ status: 'done', attempts: 4 });
  });
});
