/* eslint-disable */
const { ensurePostgres } = require('./postgres-server');

module.exports = async function globalSetup() {
  if (!process.env.TEST_PG_ADMIN_URL) process.env.TEST_PG_ADMIN_URL = await ensurePostgres();
};
