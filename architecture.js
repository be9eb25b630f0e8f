// The architecture of src/, as data: every part, which parts it may import, which packages it may
// use. eslint.config.js turns it into no-restricted-imports rules (and src/architecture.test.ts
// checks that probe imports fail). Change the architecture here, not in the lint config.

/**
 * How an import specifier names each part. Imports across parts are relative, so they always name
 * the folder of the part they reach (`../model/infer.ts`, `../training/synth/scene.ts`, `../map/x`).
 */
export const PART_PATTERNS = {
  core: '(^|/)core/(?!synth/)',
  synth: '(^|/)(core/|training/)?synth/',
  io: '(^|/)io/',
  model: '(^|/)model/',
  pipeline: '(^|/)pipeline/',
  training: '(^|/)training/(?!synth/)',
  worker: '(^|/)worker/(?!(client|protocol)\\.ts$)',
  'worker-client': '(^|/)worker/(client|protocol)\\.ts$',
  ui: '(^|/)(ui/(?!map/)|state/|components/|hooks/)',
  'ui-map': '(^|/)(ui/)?map/',
  cli: '(^|/)cli/',
  'test-support': '(^|/)test-support/',
};

/** Third-party packages that only some parts may use; every other package is free for all. */
export const GUARDED_PACKAGES = {
  tfjs: '^@tensorflow/',
  geotiff: '^geotiff($|/)',
  maplibre: '^(maplibre-gl|@maplibre/)',
  react: '^react(-dom)?($|/)',
  node: '^node:',
};

/**
 * The parts. `files`: globs; `ignores`: globs carved out for another part; `may`: parts it may
 * import (itself always); `packages`: guarded packages it may import.
 */
export const PARTS = {
  core: { files: ['src/core/**'], may: [], packages: [] },
  synth: { files: ['src/training/synth/**'], may: ['core'], packages: [] },
  io: { files: ['src/io/**'], may: ['core'], packages: ['geotiff'] },
  model: { files: ['src/model/**'], may: ['core'], packages: ['tfjs'] },
  pipeline: { files: ['src/pipeline/**'], may: ['core', 'io', 'model'], packages: [] },
  training: {
    files: ['src/training/**', 'src/cli/train*.ts'],
    ignores: ['src/training/synth/**'],
    may: ['core', 'synth', 'io', 'model', 'pipeline', 'cli'],
    packages: ['node'],
  },
  // SRDA-Net reaches the worker through pipeline's method factory; model/ stays behind it.
  worker: { files: ['src/worker/**'], ignores: ['src/worker/client.ts', 'src/worker/protocol.ts'], may: ['core', 'io', 'pipeline', 'worker-client'], packages: [] },
  'worker-client': { files: ['src/worker/client.ts', 'src/worker/protocol.ts'], may: ['core', 'io', 'pipeline'], packages: [] },
  cli: { files: ['src/cli/**'], ignores: ['src/cli/train*.ts'], may: ['core', 'io', 'model', 'pipeline', 'training'], packages: ['node'] },
  ui: { files: ['src/ui/**', 'src/main.tsx'], ignores: ['src/ui/map/**'], may: ['core', 'worker-client', 'ui-map'], packages: ['react'] },
  'ui-map': { files: ['src/ui/map/**'], may: ['core', 'worker-client', 'ui'], packages: ['react', 'maplibre'] },
  'test-support': {
    files: ['src/test-support/**'],
    may: ['core', 'synth', 'io', 'model', 'pipeline', 'training', 'worker', 'worker-client', 'cli'],
    packages: ['tfjs', 'geotiff', 'node'],
  },
};

/**
 * What tests (`*.test.ts(x)`) may use beyond the rules of the part they sit in: the test helpers,
 * and Node's file system to read ../shared/data and fixtures (Vitest runs in Node).
 */
export const TESTS_MAY = { parts: ['test-support'], packages: ['node'] };
