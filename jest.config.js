/** @type {import('jest').Config} */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const esmPackages =
  '@nestjs|file-type|load-esm|strtok3|token-types|@tokenizer|uint8array-extras|@borewit|@standard-schema';
const common = {
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testEnvironment: 'node',
  // file-type's exports only offer `import`/`module-sync` under `node`, which jest's resolver does not know
  moduleNameMapper: { '^file-type$': '<rootDir>/node_modules/file-type/index.js' },
};
module.exports = {
  // e2e files mostly wait on PostgreSQL, IMAP and SMTP: more workers than cores keeps CI short
  maxWorkers: 3,
  // testTimeout is a global option in Jest 30 (ignored inside `projects`): e2e hooks start an app
  testTimeout: 60000,
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  // jest 30 ignores testTimeout inside `projects`: the e2e budget has to be set here too
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
    },
  ],
};
