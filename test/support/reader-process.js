/* eslint-disable */
// A small process that boots the app with IMAP on (env from the parent) and keeps reading until
// it is killed. Used by the crash-safety test: the parent SIGKILLs it at random moments.
require('./ts-register');
const { createApp } = require('../../src/bootstrap');
const { loadAppConfig } = require('../../src/config/app-config');

createApp(loadAppConfig(process.env))
  .then(() => process.send?.('ready'))
  .catch((err) => {
    process.stderr.write(`reader-process failed to start: ${err.stack}\n`);
    process.exit(1);
  });

// a clean exit on SIGINT lets `--cpu-prof` write its profile (bench:intake with BENCH_CPU_PROF=1)
process.on('SIGINT', () => process.exit(0));
