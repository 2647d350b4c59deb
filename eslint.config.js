import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.stack/', 'coverage/', 'apps/ledger/src/dashboard/public/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      // Nest's dependency injection needs value imports of decorated constructor parameter types.
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['apps/ledger/src/**/*.ts'],
    rules: {
      // A context reaches another one or the platform through the alias, so a move shows in the import.
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./\\.\\./', message: 'Use @ledger/app/... instead of ../../' }] },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'apps/bench/**/*.ts', 'apps/simulator/**/*.ts'],
    rules: {
      // The tests and the other apps use the app's code as its own files do; the built dist/ entry is a path, not an import.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(\\.\\./)+(apps/)?ledger/src(/|$)', message: 'Import the app through @ledger/app/...' },
          ],
        },
      ],
    },
  },
  { files: ['*.js', 'scripts/**/*.js', 'scripts/**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
