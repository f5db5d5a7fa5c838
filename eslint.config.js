// ESLint (flat config) with typescript-eslint's recommended rules, for src/, test/, bench/ and scripts/.
// Formatting is Prettier's (.prettierrc.json); `npm run lint` runs both, and .ci/run runs `npm run lint`.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'src/__generated__/**',
      'examples/**',
      'bench/mesh/**',
      'bench/results/**',
      'bench/experiments/**',
      'bench/.build/**',
      'bench/.ab/**',
      'coverage/**',
      '**/*.cjs',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      // Unused names fail (as tsconfig's noUnusedLocals/noUnusedParameters); a leading _ marks one kept on purpose.
      // A variable a closure reads before its one assignment (a client and the token manager that need each other).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
