/**
 * Three projects: `unit` (specs beside the code, no I/O), `e2e` (the real AppModule against the
 * real PostgreSQL and Redis on loopback, each spec file on a database of its own) and `faults`
 * (test/faults: each spec file starts PostgreSQL and Redis servers of its own, because it stops,
 * kills and restarts them, and runs the service as real child processes).
 * ts-jest only transpiles here; `npm run typecheck` is the type check.
 */
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json', diagnostics: false }],
};
const moduleNameMapper = {};

module.exports = {
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform,
      moduleNameMapper,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform,
      moduleNameMapper,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/setup-e2e.ts'],
      slowTestThreshold: 20,
    },
    {
      displayName: 'faults',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'],
      transform,
      moduleNameMapper,
      globalSetup: '<rootDir>/test/faults/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/faults/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/faults/support/setup-faults.ts'],
      slowTestThreshold: 60,
    },
  ],
};
