// One flat config for the whole workspace. Apps depend on packages, never on one another.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const apps = ['scoring-api', 'cli', 'alert-receiver', 'stream-scorer', 'attack'];
/** The one exception: the CLI is the attack's command line and runs it in-process (`attack`, `demo`, `report`). */
const allowedImports = { cli: ['attack'] };

/** Forbid an app from importing another app's code, by path or by package name. */
const appBoundaries = apps.map((app) => ({
  files: [`apps/${app}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      /** @type {const} */ ('error'),
      {
        patterns: apps
          .filter((other) => other !== app && !(allowedImports[app] ?? []).includes(other))
          .flatMap((other) => [
            {
              group: [`**/apps/${other}/**`],
              message: 'Apps must not import one another; share code through packages/.',
            },
            {
              group: [`@fraudops/${other}`, `@fraudops/${other}/**`],
              message: 'Apps must not import one another.',
            },
          ]),
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/',
      'ml/',
      '.fraudops/',
      '.tools/',
      'tools/',
      'packages/contracts/src/types.generated.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Fastify plugins and route handlers are async by contract, whether or not they await.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
  ...appBoundaries,
);
