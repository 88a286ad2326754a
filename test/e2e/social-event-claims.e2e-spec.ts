// test-app first: it loads the entities in the order their circular references need
import { startTestApp, TestApp } from '../support/test-app';
import { startAppOnDatabase } from '../support/app-on-database';
import { META_APP_SECRET, messengerDelivery, signed } from '../support/social-payloads';
import type { RunningApp } from '../../src/bootstrap';
import { MAX_EVENT_ATTEMPTS, SocialEventQueue } from '../../src/intake/social/social-event-queue.service';
import { SocialIntakeProcessor, type ClaimedEvent } from '../../src/intake/social/social-intake.processor';

/**
 * Claims of the social event queue (§3.2, several instances §8): a claim is owned by its token,
 * and a delivery whose attempts keep dying with the process ends `failed` instead of looping.
 * Both instances run without background workers: the test drives their queues itself.
 */
describe('social event queue: claim ownership and attempts that never finish', () => {
  let t: TestApp;
  let b: RunningApp;
  const env = { META_APP_SECRET, BACKGROUND_WORKERS: 'false' };

  beforeAll(async () => {
    t = await startTestApp(env);
    b = await startAppOnDatabase(t.running.databaseUrl, env);
  });
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });
  afterEach(() => jest.restoreAllMocks());

  const insertEvent = async (mid: string, text: string, extra: { attempts?: number; lockedUntil?: string; lastError?: string } = {}) => {
    const { raw } = signed(messengerDelivery(`PSID-${mid}`, text, { mid }));
    const [row] = await t.db.query(
      `INSERT INTO social_events (platform, body, body_sha256, attempts, locked_until, last_error)
       VALUES ('meta', $1, md5($2) || md5($2), $3, now() + $4::interval, $5) RETURNING id`,
      [Buffer.from(raw), raw, extra.attempts ?? 0, extra.lockedUntil ?? '-1 second', extra.lastError ?? null],
    );
    return String(row.id);
  };
  const messagesWith = async (mid: string) =>
    (await t.db.query(`SELECT count(*)::int AS n FROM messages WHERE channel = 'messenger' AND external_id = $1`, [mid]))[0].n as number;

  it('an instance whose lease ran out does not process a delivery another instance claimed since', async () => {
    const first = await insertEvent('m_claim_a1', 'Primero en la fila');
    const second = await insertEvent('m_claim_a2', 'Segundo en la fila');
    const processorA = t.app.get(SocialIntakeProcessor);
    const processorB = b.app.get(SocialIntakeProcessor);
    const processA = processorA.process.bind(processorA);
    const processB = processorB.process.bind(processorB);

    let bStarted!: () => void;
    const bHoldsSecond = new Promise<void>((r) => (bStarted = r));
    let releaseB!: () => void;
    const bMayFinish = new Promise<void>((r) => (releaseB = r));
    const bDrain: { done?: Promise<number> } = {};
    const seenByA: string[] = [];
    const seenByB: string[] = [];

    // A claims both; the first takes so long that the second's lease runs out, and B claims the second
    jest.spyOn(processorA, 'process').mockImplementation(async (event: ClaimedEvent) => {
      seenByA.push(event.id);
      if (event.id === first) {
        await t.db.query(`UPDATE social_events SET locked_until = now() - interval '1 second' WHERE id = $1`, [second]);
        bDrain.done = b.app.get(SocialEventQueue).drain();
        await bHoldsSecond; // B is processing the second now, under its own lease
      }
      return processA(event);
    });
    jest.spyOn(processorB, 'process').mockImplementation(async (event: ClaimedEvent) => {
      seenByB.push(event.id);
      if (event.id === second) {
        bStarted();
        await bMayFinish;
      }
      return processB(event);
    });

    await t.app.get(SocialEventQueue).drain();
    // A reached the second while B still held it: A must have left it alone
    expect(seenByA).toEqual([first]);
    const [held] = await t.db.query(`SELECT status, locked_by IS NOT NULL AS locked FROM social_events WHERE id = $1`, [second]);
    expect(held).toEqual({ status: 'pending', locked: true });

    releaseB();
    await bDrain.done;
    expect(seenByB).toEqual([second]);
    const rows = await t.db.query(`SELECT id, status, attempts, locked_by FROM social_events WHERE id = ANY($1) ORDER BY id`, [[first, second]]);
    expect(rows.map((r: { status: string; attempts: number; locked_by: string | null }) => [r.status, r.attempts, r.locked_by])).toEqual([
      ['done', 1, null],
      ['done', 2, null],
    ]);
    expect(await messagesWith('m_claim_a1')).toBe(1);
    expect(await messagesWith('m_claim_a2')).toBe(1);
  });

  it('a late finish or failure from an instance that lost its claim leaves the row to its new holder', async () => {
    const id = await insertEvent('m_claim_b1', 'Reclamado por otra instancia');
    const worker: unknown = t.app.get(SocialEventQueue);
    const queue = worker as {
      claim(): Promise<{ events: Array<ClaimedEvent & { claimToken: string }> }>;
      runOne(e: ClaimedEvent & { claimToken: string }): Promise<void>;
    };
    const { events } = await queue.claim();
    const mine = events.find((e) => e.id === id)!;
    // this instance's claim is replaced by another one's (its lease ran out, another instance claimed the row)
    await t.db.query(`UPDATE social_events SET locked_by = 'other-instance.0001', locked_until = now() + interval '5 minutes' WHERE id = $1`, [id]);
    const spy = jest.spyOn(t.app.get(SocialIntakeProcessor), 'process').mockRejectedValue(new Error('should not run'));
    await queue.runOne(mine);
    // its lease renewal finds another holder's token: it leaves the row without processing it
    expect(spy).not.toHaveBeenCalled();
    const [row] = await t.db.query(`SELECT status, locked_by, last_error FROM social_events WHERE id = $1`, [id]);
    expect(row).toEqual({ status: 'pending', locked_by: 'other-instance.0001', last_error: null });
    expect(await messagesWith('m_claim_b1')).toBe(0);
  });

  it(`a delivery still pending after ${MAX_EVENT_ATTEMPTS} claimed attempts (the process died on each) goes failed, unprocessed, and is listed with the problems`, async () => {
    const exhausted = await insertEvent('m_oom_1', 'Este mensaje tumba al proceso', { attempts: MAX_EVENT_ATTEMPTS, lastError: 'TimeoutError: media download' });
    const lastChance = await insertEvent('m_oom_2', 'A este le queda un intento', { attempts: MAX_EVENT_ATTEMPTS - 1 });
    const processor = t.app.get(SocialIntakeProcessor);
    const spy = jest.spyOn(processor, 'process');

    await t.app.get(SocialEventQueue).drain();

    expect(spy.mock.calls.map(([e]) => e.id)).toEqual([lastChance]);
    const rows = await t.db.query(`SELECT id, status, attempts, locked_by, locked_until, last_error FROM social_events WHERE id = ANY($1) ORDER BY id`, [[exhausted, lastChance]]);
    expect(rows[0]).toMatchObject({ status: 'failed', attempts: MAX_EVENT_ATTEMPTS, locked_by: null, locked_until: null });
    expect(rows[0].last_error).toMatch(new RegExp(`^AttemptsExhausted: attempt ${MAX_EVENT_ATTEMPTS} never finished.*earlier: TimeoutError: media download$`));
    expect(rows[1]).toMatchObject({ status: 'done', attempts: MAX_EVENT_ATTEMPTS });
    expect(await messagesWith('m_oom_1')).toBe(0);
    expect(await messagesWith('m_oom_2')).toBe(1);

    const admin = await t.user('admin');
    const res = await t.http().get('/api/v1/intake/social-events/problems').set(admin.auth).expect(200);
    const listed = (res.body as Array<{ id: string; status: string; attempts: number }>).find((p) => p.id === exhausted);
    expect(listed).toMatchObject({ status: 'failed', attempts: MAX_EVENT_ATTEMPTS });

    // an admin's retry gives it a fresh set of attempts
    await t.http().post(`/api/v1/intake/social-events/${exhausted}/retry`).set(admin.auth).expect(200);
    spy.mockRestore();
    await t.app.get(SocialEventQueue).drain();
    expect(await messagesWith('m_oom_1')).toBe(1);
  });

  it('a batch made only of exhausted deliveries does not stop the queue before the due ones behind it', async () => {
    const exhausted = await Promise.all(Array.from({ length: 20 }, (_, i) => insertEvent(`m_oom_batch_${i}`, `Agotado ${i}`, { attempts: MAX_EVENT_ATTEMPTS })));
    await insertEvent('m_after_batch', 'Detrás de veinte agotados');
    await t.app.get(SocialEventQueue).drain();
    expect((await t.db.query(`SELECT count(*)::int AS n FROM social_events WHERE id = ANY($1) AND status = 'failed'`, [exhausted]))[0].n).toBe(20);
    expect(await messagesWith('m_after_batch')).toBe(1);
  });
});
