/* eslint-disable */
// Lets a plain `node -r ./test/support/ts-register.js file.ts` child process run the TypeScript
// sources (as jest does, with @swc/core: decorators + metadata, CommonJS). Used by tests that need
// the app in a process of its own, e.g. to SIGKILL it mid-send.
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

const options = (filename) => ({
  filename,
  sourceMaps: 'inline',
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
});

require.extensions['.ts'] = function compileTs(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), options(filename));
  module._compile(code, filename);
};
