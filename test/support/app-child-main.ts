/**
 * An app instance in a child process (see startAppProcess in app-process-control.ts; src/main.ts children: app-process.ts): loads the
 * configuration from its environment, starts the app (no HTTP listener), says "ready" and runs
 * until killed.
 */
import { createApp } from '../../src/bootstrap';
import { loadAppConfig } from '../../src/config/app-config';

createApp(loadAppConfig(process.env))
  .then(() => process.stdout.write('ready\n'))
  .catch((err: unknown) => {
    process.stderr.write(`app process failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
