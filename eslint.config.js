import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'test-results', 'playwright-report', 'public', 'models'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Dependency direction (STYLE.md): core is pure; only model/ touches tfjs, only io/ geotiff,
  // only ui/map maplibre, only cli/ node:*.
  {
    files: ['src/core/**/*.ts'],
    rules: restrict([
      { group: ['@tensorflow/*', 'geotiff', 'maplibre-gl', 'react', 'node:*'], message: 'core/ stays pure.' },
      { group: ['**/io/*', '**/model/*', '**/pipeline/*', '**/worker/*', '**/ui/*', '**/cli/*'], message: 'core/ imports nothing above it.' },
    ]),
  },
  {
    files: ['src/io/**/*.ts'],
    rules: restrict([
      { group: ['@tensorflow/*', 'maplibre-gl', 'react', 'node:*'], message: 'io/ reads and writes rasters only.' },
      { group: ['**/model/*', '**/pipeline/*', '**/worker/*', '**/ui/*', '**/cli/*'], message: 'io/ depends on core/ only.' },
    ]),
  },
  {
    files: ['src/model/**/*.ts'],
    rules: restrict([
      { group: ['geotiff', 'maplibre-gl', 'react', 'node:*'], message: 'model/ works on typed arrays.' },
      { group: ['**/pipeline/*', '**/worker/*', '**/ui/*', '**/cli/*'], message: 'model/ depends on core/ only.' },
    ]),
  },
  {
    files: ['src/pipeline/**/*.ts'],
    rules: restrict([
      { group: ['@tensorflow/*', 'geotiff', 'maplibre-gl', 'react', 'node:*'], message: 'pipeline/ goes through model/ and io/.' },
      { group: ['**/worker/*', '**/ui/*', '**/cli/*'], message: 'pipeline/ is below worker, ui and cli.' },
    ]),
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    ignores: ['src/ui/map/**'],
    rules: restrict([
      { group: ['@tensorflow/*', 'maplibre-gl', 'node:*'], message: 'ui/ runs no tfjs; only ui/map imports maplibre.' },
      { group: ['**/model/*', '**/pipeline/*', '**/cli/*'], message: 'ui/ talks to the worker client.' },
    ]),
  },
  {
    files: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
