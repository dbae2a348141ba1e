// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/** Modules that do I/O, which the pure folders may not import. */
const PURE_FORBIDDEN = [
  '@kubernetes/client-node',
  '@grpc/grpc-js',
  'node:fs',
  'node:fs/promises',
  'node:http',
  'node:https',
  'node:child_process',
  'pino',
];

/**
 * One block per source folder forbidding imports of the folders named (`../leader/…`,
 * `../../follower/…`); type-only imports are forbidden too, so the halves stay apart.
 * @param {{ dir: string, forbid: string[] }[]} rules
 */
function layout(rules) {
  return rules.map(({ dir, forbid }) => ({
    files: [`${dir}/**/*.ts`],
    ignores: ['src/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: forbid.map((other) => ({
            group: [`../${other}/*`, `../../${other}/*`, `../../../${other}/*`],
            message: `${dir} must not import src/${other}`,
          })),
        },
      ],
    },
  }));
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'src/shared/federation/gen/**',
      '.cache/**',
      'tools/**',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // client-node's models are classes, but its APIs take (and its docs use) plain objects.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      'max-params': ['error', 4],
      complexity: ['warn', 10],
      'max-depth': ['warn', 3],
      'max-lines-per-function': ['warn', { max: 50, skipBlankLines: true, skipComments: true }],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'Program > VariableDeclaration[kind="let"]',
          message: 'no module-level mutable state',
        },
      ],
    },
  },
  // The layout, enforced: the leader and follower halves never import each other; shared code
  // imports neither them nor the roles that compose them; the pure folders (policy, model) do
  // no I/O. Tests are exempt (they may reach across to check a whole path).
  ...layout([
    { dir: 'src/leader', forbid: ['follower', 'roles', 'cli', 'sim'] },
    { dir: 'src/follower', forbid: ['leader', 'roles', 'cli', 'sim'] },
    { dir: 'src/shared', forbid: ['leader', 'follower', 'roles', 'cli', 'sim'] },
    { dir: 'src/sim', forbid: ['leader', 'follower', 'roles', 'cli'] },
  ]),
  {
    files: ['src/leader/policy/**/*.ts', 'src/leader/model/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: PURE_FORBIDDEN.map((name) => ({
            name,
            message: 'policy and model are pure: no I/O',
            allowTypeImports: true,
          })),
          patterns: [
            {
              group: ['**/kube/*', '**/avi/avi-client*', '**/avi/transport*', '**/federation/*'],
              message: 'policy and model are pure: no I/O modules',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'src/**/*.test.ts'],
    rules: {
      'max-lines-per-function': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'max-lines': ['error', { max: 600, skipBlankLines: true, skipComments: true }],
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
