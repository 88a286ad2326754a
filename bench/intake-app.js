/* eslint-disable */
// The app as it is deployed (compiled by `npm run build`, no on-the-fly TypeScript), with the
// mailbox reader on: bench:intake forks it with the IMAP and database settings in its env.
const { createApp } = require('../dist/src/bootstrap');
const { loadAppConfig } = require('../dist/src/config/app-config');

createApp(loadAppConfig(process.env))
  .then(() => process.send?.('ready'))
  .catch((err) => {
    process.stderr.write(`bench app failed to start: ${err.stack}\n`);
    process.exit(1);
  });

// a clean exit on SIGINT lets `--cpu-prof` write its profile (BENCH_CPU_PROF=1)
process.on('SIGINT', () => process.exit(0));
