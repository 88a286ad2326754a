import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase } from '../support/test-database';
import { TEST_JWT_SECRET } from '../support/test-app';
import { buildMail, imapEnv, newMailboxUser, TestMailbox, uniqueMessageId, waitFor } from '../support/imap-test';

jest.setTimeout(120_000);

const TOTAL = 150;

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

    let kills = 0;
    // kill it at random moments (during start-up, mid-batch, between commit and move) until the
    // backlog is gone or enough kills happened, then let one last process finish the job
    while (kills < 3 && (await box.count('INBOX')) > 0) {
      const c = startReader();
      child = c;
      // the first one dies at a random moment of its start-up, the others while ingesting
      if (kills === 0) await new Promise((r) => setTimeout(r, Math.random() * 3000));
      else await new Promise((r) => c.once('message', r));
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 1300));
      c.kill('SIGKILL');
      await killed(c);
      kills += 1;
    }
    child = startReader();
    await waitFor(async () => (await box.count('INBOX')) === 0, 'an empty inbox after the last restart', 100_000);

    pg = new Client({ connectionString: database.url });
    await pg.connect();
    await waitFor(async () => {
      const r = await pg.query(`SELECT count(*)::int AS n FROM intake_log`);
      return r.rows[0].n >= raws.length;
    }, 'every delivery logged');
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
    expect(kills).toBeGreaterThan(0);
  });
});
