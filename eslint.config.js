import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

import { GUARDED_PACKAGES, PART_PATTERNS, PARTS, TESTS_MAY } from './architecture.js';

/** The import rules of a part (architecture.js), with `extra` parts and packages allowed on top. */
function importRules(name, extra = { parts: [], packages: [] }) {
  const part = PARTS[name];
  const mayParts = new Set([name, ...part.may, ...extra.parts]);
  const mayPackages = new Set([...part.packages, ...extra.packages]);
  const denied = [
    ...Object.keys(PART_PATTERNS)
      .filter((p) => !mayParts.has(p))
      .map((p) => ({ regex: PART_PATTERNS[p], message: `${name} may not import ${p} (architecture.js).` })),
    ...Object.keys(GUARDED_PACKAGES)
      .filter((p) => !mayPackages.has(p))
      .map((p) => ({ regex: GUARDED_PACKAGES[p], message: `${name} may not use ${p} (architecture.js).` })),
  ];
  // Dynamic import() is not seen by no-restricted-imports: the same patterns as selectors.
  const selectors = denied.map((d) => ({
    selector: `ImportExpression[source.value=/${d.regex.replace(/\//g, '\\/')}/]`,
    message: d.message,
  }));
  return {
    'no-restricted-imports': ['error', { patterns: denied }],
    'no-restricted-syntax': ['error', ...selectors],
  };
}

const TEST_FILES = '*.test.{ts,tsx}';
/** The test files among a part's globs (`src/io/**` -> `src/io/**\/*.test.{ts,tsx}`). */
const testGlob = (glob) => (glob.endsWith('**') ? `${glob}/${TEST_FILES}` : glob.replace(/\.tsx?$/, '.test.{ts,tsx}'));

const architecture = Object.entries(PARTS).flatMap(([name, part]) => [
  { files: part.files, ignores: part.ignores ?? [], rules: importRules(name) },
  { files: part.files.map(testGlob), ignores: (part.ignores ?? []).map(testGlob), rules: importRules(name, TESTS_MAY) },
]);

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
  // Dependency direction, generated from architecture.js.
  ...architecture,
);
