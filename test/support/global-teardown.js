/* eslint-disable */
module.exports = async function globalTeardown() {
  if (globalThis.__enlaceDovecot) globalThis.__enlaceDovecot.stop();
};
