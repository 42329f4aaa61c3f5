// Type-aware lint for every process, plus the import boundaries of DESIGN.md §2.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// `depth` = how many folders below src-main/ the file sits (agent/main.ts: 1, agent/http/x.ts: 2),
// so that sibling folders inside agent/ stay importable while src-main/* outside shared/ does not.
const outsideShared = (dir, depth) => {
  const up = '../'.repeat(depth);
  return {
    group: [
      `${up}*`,
      `!${up}shared`,
      `!${up}shared/*`,
      `${up}../*`,
      ...(depth === 1 ? [] : [`!${up}${dir}`, `!${up}${dir}/*`]),
    ],
    message:
      'agent/ and sim/ import only their own folder and src-main/shared/ (they ship as separate programs).',
  };
};

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'dist/**', 'coverage/**', 'resources/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'Only src-main/shell/ and src-main/index.ts import electron.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: false, project: null },
    },
  },
  {
    files: ['src-main/shell/**/*.ts', 'src-main/index.ts', 'src-preload/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src-main/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron', 'express', 'better-sqlite3', 'kysely', 'ws', 'undici'].map(
            (name) => ({
              name,
              message:
                'src-main/shared/ is pure: it imports nothing outside itself but zod and node built-ins.',
            }),
          ),
          patterns: [
            {
              // Relative to src-main/shared/ (its node/ subfolder is checked by regex below).
              regex: '^\\.\\./(?!\\.\\./package\\.json$)',
              message: 'src-main/shared/ imports nothing outside itself.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/shared/node/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./\\.\\./(?!\\.\\./package\\.json$)',
              message: 'src-main/shared/ imports nothing outside itself.',
            },
          ],
        },
      ],
    },
  },
  ...['agent', 'sim'].flatMap((dir) =>
    [1, 2, 3].map((depth) => ({
      files: [`src-main/${dir}/${'*/'.repeat(depth - 1)}*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            paths: [
              { name: 'electron', message: 'The agent and simulator never import electron.' },
            ],
            patterns: [outsideShared(dir, depth)],
          },
        ],
      },
    })),
  ),
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'The renderer reaches the main process only through window.aerie.',
            },
          ],
          patterns: [
            {
              group: ['**/src-main/*', '!**/src-main/shared', '!**/src-main/shared/*'],
              message: 'The renderer imports only src-main/shared/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
