/* eslint-disable */
const { ensurePostgres } = require('./postgres-server');
const { startDovecot } = require('./dovecot-server');

module.exports = async function globalSetup(config) {
  if (!process.env.TEST_PG_ADMIN_URL) process.env.TEST_PG_ADMIN_URL = await ensurePostgres();
  // One Dovecot per run for the IMAP e2e suites (each file uses its own mailbox user), skipped
  // when only unit tests run. A failure is reported by the suites that need it.
  const onlyUnit = Array.isArray(config?.selectProjects) && config.selectProjects.length > 0 && !config.selectProjects.includes('e2e');
  if (!process.env.TEST_IMAP_PORT && !onlyUnit) {
    try {
      const dovecot = await startDovecot();
      process.env.TEST_IMAP_HOST = dovecot.host;
      process.env.TEST_IMAP_PORT = String(dovecot.port);
      process.env.TEST_IMAP_PASSWORD = dovecot.password;
      globalThis.__enlaceDovecot = dovecot;
    } catch (err) {
      process.env.TEST_IMAP_ERROR = err.message;
    }
  }
};
