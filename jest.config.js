// Nest 12 and TypeORM 1 are ESM-only, so Jest runs in its native ESM mode (see package.json scripts).
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@ledger/(contracts|rating|event-store|traffic|kafka-client|kafka-codecs)$': '<rootDir>/libs/$1/src/index.ts',
    '^@ledger/app/(.*)\\.js$': '<rootDir>/apps/ledger/src/$1',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
};

export default {
  // A project-level testTimeout is ignored by Jest: integration tests need the long one.
  testTimeout: 120000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/apps/**/*.spec.ts',
        '<rootDir>/libs/**/*.spec.ts',
        '<rootDir>/test/setup/*.spec.ts',
        '<rootDir>/scripts/*.spec.ts',
      ],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
  ],
};
