/* eslint-disable */
module.exports = async function globalTeardown() {};
