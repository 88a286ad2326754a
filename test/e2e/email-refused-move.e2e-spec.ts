import { startTestApp, TestApp } from '../support/test-app';
import { buildMail, imapEnv, newMailboxUser, TestMailbox, uniqueMessageId, waitFor } from '../support/imap-test';

jest.setTimeout(90_000);

/**
 * The server refuses to file mail (here: a folder name Dovecot will not create; in production a
 * full quota, a permission): each pass reads the folder again. What was committed is neither
 * doubled nor logged again, a quarantined mail is not recorded again, and the reason is visible.
 */
describe('email intake when the server refuses the move (real Dovecot, real PostgreSQL)', () => {
  let t: TestApp;
  let box: TestMailbox;
  const user = newMailboxUser();

  beforeAll(async () => {
    box = new TestMailbox(user);
    t = await startTestApp(imapEnv(user, { IMAP_PROCESSED_MAILBOX: `Procesados-${'x'.repeat(400)}`, IMAP_FAILED_MAILBOX: `Fallidos-${'x'.repeat(400)}`, IMAP_RECONCILE_SECONDS: '5' }));
  });
  afterAll(async () => {
    await box?.close();
    await t?.close();
  });

  it('logs each mail once across passes, records a poison mail once, and says why in /health/ready', async () => {
    await t.db.query(`
      CREATE OR REPLACE FUNCTION reject_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.subject LIKE '%VENENO%' THEN RAISE EXCEPTION 'poison for the test'; END IF; RETURN NEW; END $$`);
    await t.db.query(`CREATE TRIGGER reject_poison BEFORE INSERT ON tickets FOR EACH ROW EXECUTE FUNCTION reject_poison()`);
    const good = uniqueMessageId();
    const poison = uniqueMessageId();
    await box.append(buildMail({ messageId: good, subject: 'Bache en Himno Nacional', text: 'Bache profundo' }));
    await box.append(buildMail({ messageId: poison, subject: 'VENENO', text: 'x' }));
    await waitFor(async () => (await t.db.query(`SELECT 1 FROM intake_log WHERE external_id = $1`, [poison])).length > 0, 'the first pass');
    // the move is refused; the folder is read again at each reconcile (every 5 s here)
    const mailbox = async () => (await t.http().get('/health/ready')).body.details.mailbox as { lastSyncAt: string | null; lastError: string | null };
    const syncs = new Set<string>();
    await waitFor(async () => {
      const m = await mailbox();
      if (m.lastSyncAt) syncs.add(m.lastSyncAt);
      return syncs.size >= 3;
    }, 'two more passes', 30_000);
    expect(await box.count('INBOX')).toBe(2);
    const log: Array<{ external_id: string; decision: string }> = await t.db.query(`SELECT external_id, decision FROM intake_log ORDER BY id`);
    expect(log).toEqual([
      { external_id: good, decision: 'created' },
      { external_id: poison, decision: 'failed' },
    ]);
    const [{ n: failures }] = await t.db.query(`SELECT count(*)::int AS n FROM intake_failures WHERE external_id = $1`, [poison]);
    expect(failures).toBe(1);
    const [{ n: tickets }] = await t.db.query(`SELECT count(*)::int AS n FROM tickets`);
    expect(tickets).toBe(1);
    expect((await mailbox()).lastError).toMatch(/^the server refused to move \d+ mail\(s\) to (Procesados|Fallidos)-x+$/);
    const metrics = (await t.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/enlace_imap_file_failures_total\{action="move"\} [1-9]/);
  });
});
