import { DataSource } from 'typeorm';
import { createApp, RunningApp } from '../../src/bootstrap';
import { loadAppConfig } from '../../src/config/app-config';
import type { ReaderStatus } from '../../src/intake/email/mailbox-reader';
import { MailboxReader } from '../../src/intake/email/mailbox-reader';
import { createTestDatabase } from '../support/test-database';
import { TEST_JWT_SECRET } from '../support/test-app';
import { buildMail, imapEnv, newMailboxUser, TestMailbox, uniqueMessageId, waitFor } from '../support/imap-test';

jest.setTimeout(150_000);

/** Restarts, UIDVALIDITY changes and several instances: apps booted by hand on one database. */
describe('mailbox reader lifecycle (restart, UIDVALIDITY, several instances)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const apps = new Set<RunningApp>();

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await database?.drop();
  });

  async function boot(user: string, extra: Record<string, string> = {}): Promise<RunningApp> {
    const config = loadAppConfig({ DATABASE_URL: database.url, JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...imapEnv(user, extra) });
    const app = await createApp(config);
    apps.add(app);
    return app;
  }
  async function stop(app: RunningApp) {
    await app.close();
    apps.delete(app);
  }
  const db = (app: RunningApp) => app.app.get(DataSource);
  const status = (app: RunningApp): ReaderStatus => app.app.get(MailboxReader).snapshot();
  const decisionsOf = async (app: RunningApp, ids: string[]) => {
    const rows: Array<{ external_id: string; decision: string }> = await db(app).query(`SELECT external_id, decision FROM intake_log WHERE external_id = ANY($1) ORDER BY id`, [ids]);
    return rows.map((r) => [ids.indexOf(r.external_id), r.decision]);
  };

  it('picks up everything that arrived while it was down, and stores the cursor', async () => {
    const user = newMailboxUser();
    const box = new TestMailbox(user);
    const first = await boot(user);
    const ids = [uniqueMessageId(), uniqueMessageId(), uniqueMessageId(), uniqueMessageId()];
    await box.append(buildMail({ messageId: ids[0] }));
    await waitFor(async () => (await decisionsOf(first, ids)).length === 1, 'the first mail');
    await stop(first);
    for (const id of ids.slice(1)) await box.append(buildMail({ messageId: id }));
    const second = await boot(user);
    await waitFor(async () => (await decisionsOf(second, ids)).length === 4, 'the mails that arrived during the downtime', 100_000);
    expect(await decisionsOf(second, ids)).toEqual([[0, 'created'], [1, 'created'], [2, 'created'], [3, 'created']]);
    const [cursor] = await db(second).query(`SELECT uidvalidity, last_uid FROM mail_cursors WHERE mailbox LIKE $1`, [`${user}@%/INBOX`]);
    expect(Number(cursor.last_uid)).toBe(4);
    await waitFor(async () => (await box.count('INBOX')) === 0, 'all four filed');
    expect(await box.folders()).toEqual({ inbox: 0, processed: 4, failed: 0 });
    await stop(second);
    await box.close();
  });

  it('without a processed folder, leaves mail in the inbox flagged \\Seen and reads only past the cursor', async () => {
    const user = newMailboxUser();
    const box = new TestMailbox(user);
    const env = { IMAP_PROCESSED_MAILBOX: '', IMAP_FAILED_MAILBOX: '' };
    const app = await boot(user, env);
    const ids = [uniqueMessageId(), uniqueMessageId()];
    await box.append(buildMail({ messageId: ids[0] }));
    await waitFor(async () => (await decisionsOf(app, ids)).length === 1, 'the first mail');
    await stop(app);
    await box.append(buildMail({ messageId: ids[1] }));
    const again = await boot(user, env);
    await waitFor(async () => (await decisionsOf(again, ids)).length === 2, 'the second mail');
    await waitFor(async () => (await box.flags('INBOX')).every((f) => f.includes('\\Seen')), 'both flagged');
    // the first mail was not read again (no duplicate entry): the cursor skipped it
    expect(await decisionsOf(again, ids)).toEqual([[0, 'created'], [1, 'created']]);
    expect(await box.folders()).toEqual({ inbox: 2, processed: 0, failed: 0 });
    await stop(again);
    await box.close();
  });

  it('handles a UIDVALIDITY change without losing or doubling mail', async () => {
    const user = newMailboxUser();
    const box = new TestMailbox(user);
    const env = { IMAP_MAILBOX: 'Entrada' };
    await box.append(buildMail({ subject: 'preparar' }), 'Entrada');
    const app = await boot(user, env);
    const a = uniqueMessageId();
    const b = uniqueMessageId();
    await box.append(buildMail({ messageId: a }), 'Entrada');
    await waitFor(async () => (await decisionsOf(app, [a])).length === 1, 'mail a');
    const [before] = await db(app).query(`SELECT uidvalidity FROM mail_cursors WHERE mailbox LIKE $1`, [`${user}@%/Entrada`]);
    await stop(app);
    // the folder is rebuilt on the server (new UIDVALIDITY); mail a comes back with it, b is new
    await box.recreate('Entrada');
    await box.append(buildMail({ messageId: a }), 'Entrada');
    await box.append(buildMail({ messageId: b }), 'Entrada');
    const again = await boot(user, env);
    await waitFor(async () => (await decisionsOf(again, [a, b])).length === 3, 'the rebuilt folder');
    expect(await decisionsOf(again, [a, b])).toEqual([[0, 'created'], [0, 'duplicate'], [1, 'created']]);
    const [after] = await db(again).query(`SELECT uidvalidity, last_uid FROM mail_cursors WHERE mailbox LIKE $1`, [`${user}@%/Entrada`]);
    expect(after.uidvalidity).not.toBe(before.uidvalidity);
    expect(Number(after.last_uid)).toBe(2);
    const [{ n }] = await db(again).query(`SELECT count(*)::int AS n FROM messages WHERE external_id = $1`, [a]);
    expect(n).toBe(1);
    await stop(again);
    await box.close();
  });

  it('lets exactly one of two instances read, and the other take over when the reader goes away', async () => {
    const user = newMailboxUser();
    const box = new TestMailbox(user);
    const one = await boot(user);
    const two = await boot(user);
    const roles = () => [status(one).role, status(two).role].sort();
    await waitFor(async () => JSON.stringify(roles()) === JSON.stringify(['reader', 'standby']), 'one reader and one standby');
    const ids = Array.from({ length: 6 }, () => uniqueMessageId());
    for (const id of ids.slice(0, 3)) await box.append(buildMail({ messageId: id }));
    await waitFor(async () => (await decisionsOf(one, ids)).length === 3, 'three mails');

    // the reader's lock connection dies (as when its process is killed): the lock is free again
    await db(one).query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'enlace-imap-lock' AND datname = current_database()`);
    await box.append(buildMail({ messageId: ids[3] }));
    await waitFor(async () => (await decisionsOf(one, ids)).length === 4, 'a mail after the lock was lost');

    const reader = status(one).role === 'reader' ? one : two;
    const standby = reader === one ? two : one;
    await stop(reader);
    await waitFor(async () => status(standby).role === 'reader', 'the standby to take over');
    for (const id of ids.slice(4)) await box.append(buildMail({ messageId: id }));
    await waitFor(async () => (await decisionsOf(standby, ids)).length === 6, 'all six mails');
    expect((await decisionsOf(standby, ids)).map(([, d]) => d)).toEqual(Array(6).fill('created'));
    await waitFor(async () => (await box.count('INBOX')) === 0, 'all six filed');
    expect(await box.folders()).toEqual({ inbox: 0, processed: 6, failed: 0 });
    await stop(standby);
    await box.close();
  });
});
