import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase } from '../support/test-database';
import { TEST_JWT_SECRET } from '../support/test-app';
import { buildMail, imapEnv, newMailboxUser, TestMailbox, uniqueMessageId, waitFor } from '../support/imap-test';

jest.setTimeout(120_000);

const TOTAL = 150;

/** mulberry32: a small seeded PRNG, so a failing kill schedule can be replayed (CRASH_SEED=…). */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Crash safety: a child process runs the reader and is SIGKILLed at random moments while it
 * ingests a backlog; after a last restart every mail must be exactly one ticket/thread message,
 * none missing, none doubled, and every mail must have ended in a folder.
 */
describe('crash safety of the mailbox reader (SIGKILL at random moments)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pg: Client;
  let child: ChildProcess | null = null;
  const user = newMailboxUser();
  const box = new TestMailbox(user);

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await pg?.end().catch(() => undefined);
    await box.close();
    await database?.drop();
  });

  function startReader(): ChildProcess {
    const env = {
      ...process.env,
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...imapEnv(user, { IMAP_RECONCILE_SECONDS: '5' }),
    };
    return fork(join(__dirname, '..', 'support', 'reader-process.js'), [], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: ['--no-warnings'] });
  }

  const killed = (c: ChildProcess) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve())));
  /** its 'ready' message; fails if the process exits first (it would never come) */
  const ready = (c: ChildProcess) =>
    new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null, signal: string | null) => reject(new Error(`reader process exited (${code ?? signal}) before it said ready`));
      if (c.exitCode !== null || c.signalCode !== null) return onExit(c.exitCode, c.signalCode);
      c.once('exit', onExit);
      c.once('message', () => {
        c.off('exit', onExit);
        resolve();
      });
    });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it(`ingests ${TOTAL} mails exactly once across repeated SIGKILLs`, async () => {
    const expected = new Set<string>();
    const raws: Array<string> = [];
    for (let i = 0; i < TOTAL; i++) {
      const id = uniqueMessageId();
      expected.add(id);
      raws.push(buildMail({ messageId: id, from: `vecino${i % 37}@correo.example.mx`, subject: `Reporte ${i}`, text: `Reporte número ${i} de la colonia Centro.` }));
    }
    // some mails arrive twice (redeliveries): they must not double
    for (let i = 0; i < 10; i++) raws.push(raws[i * 7]);
    for (const raw of raws) await box.append(raw);

    pg = new Client({ connectionString: database.url });
    await pg.connect();
    const logged = async () => {
      try {
        return (await pg.query(`SELECT count(*)::int AS n FROM intake_log`)).rows[0].n as number;
      } catch (err) {
        if ((err as { code?: string }).code === '42P01') return 0; // killed before its migrations ran
        throw err;
      }
    };

    // kill it at random moments until the backlog is gone or enough kills happened, then let one
    // last process finish the job. The moments come from a seed, logged, so a failure can be
    // replayed with CRASH_SEED=<seed>:
    //  1. at a random moment of its start-up (or at 'ready', should that come first);
    //  2. mid-ingest: a random 0–50 ms after its first commit shows in the intake log (mid-batch,
    //     or between a commit and the move to the processed folder);
    //  3. a random 200–1500 ms after 'ready' (often after the backlog is done).
    const seed = Number(process.env.CRASH_SEED) || 1 + Math.floor(Math.random() * 2 ** 31);
    const random = seededRandom(seed);
    const schedule = [Math.round(random() * 3000), Math.round(random() * 50), Math.round(200 + random() * 1300)];
    console.log(
      `[crash-safety] seed ${seed} (replay: CRASH_SEED=${seed}): SIGKILL ${schedule[0]} ms into the first start-up, ` +
        `${schedule[1]} ms after the second one's first commit, ${schedule[2]} ms after the third one's 'ready'`,
    );
    const kills: Array<{ when: string; logged: number }> = [];
    while (kills.length < schedule.length && (await box.count('INBOX')) > 0) {
      const c = startReader();
      child = c;
      const ms = schedule[kills.length];
      let when: string;
      if (kills.length === 0) {
        when = `${ms} ms into start-up`;
        await Promise.race([sleep(ms), ready(c).then(() => (when = "at 'ready', before its moment"))]);
      } else if (kills.length === 1) {
        const before = await logged();
        await ready(c);
        // a tight poll (not waitFor's 150 ms): the kill should follow the commit closely
        for (const until = Date.now() + 45_000; (await logged()) <= before; await sleep(5)) {
          if (c.exitCode !== null || c.signalCode !== null) throw new Error('reader process exited by itself');
          if (Date.now() > until) throw new Error('timed out waiting for a commit of the reader');
        }
        await sleep(ms);
        when = `${ms} ms after its first commit`;
      } else {
        await ready(c);
        await sleep(ms);
        when = `${ms} ms after 'ready'`;
      }
      c.kill('SIGKILL');
      await killed(c);
      // nothing is written any more: what the log holds is what was done when the kill landed
      kills.push({ when, logged: await logged() });
    }
    child = startReader();
    await waitFor(async () => (await box.count('INBOX')) === 0, 'an empty inbox after the last restart', 100_000);

    await waitFor(async () => (await logged()) >= raws.length, 'every delivery logged');
    child.kill('SIGKILL');
    await killed(child);

    const folders = await box.folders();
    expect(folders).toEqual({ inbox: 0, processed: raws.length, failed: 0 });
    const messages = await pg.query<{ external_id: string; n: number }>(`SELECT external_id, count(*)::int AS n FROM messages WHERE channel = 'email' AND direction = 'inbound' GROUP BY external_id`);
    expect(messages.rows.length).toBe(TOTAL);
    expect(messages.rows.every((r) => r.n === 1 && expected.has(r.external_id))).toBe(true);
    const [{ tickets }] = (await pg.query(`SELECT count(*)::int AS tickets FROM tickets`)).rows;
    expect(tickets).toBe(TOTAL);
    const effective = await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM intake_log WHERE decision <> 'duplicate' GROUP BY external_id`);
    expect(effective.rows.length).toBe(TOTAL);
    expect(effective.rows.every((r) => r.n === 1)).toBe(true);
    // at least one kill landed mid-ingest: some deliveries logged, not all of them
    expect({ kills, midIngest: kills.some((k) => k.logged > 0 && k.logged < raws.length) }).toMatchObject({ midIngest: true });
  });
});
