import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Probe files linted in place (nothing is written): the rules generated from architecture.js must
// refuse imports across the architecture and accept the ones it allows.
const eslint = new ESLint();

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax')
    .map((m) => m.message);
}

describe('architecture.js as lint rules', () => {
  it.each([
    ['model importing io', 'src/model/probe.ts', "import { readGeoTiff } from '../io/geotiff-read.ts';\nvoid readGeoTiff;\n", 'model may not import io'],
    ['ui/map importing pipeline', 'src/ui/map/probe.ts', "import { runDownscale } from '../../pipeline/downscale.ts';\nvoid runDownscale;\n", 'ui-map may not import pipeline'],
    ['ui/map importing tfjs', 'src/ui/map/probe.ts', "import * as tf from '@tensorflow/tfjs';\nvoid tf;\n", 'ui-map may not use tfjs'],
    ['worker importing tfjs', 'src/worker/probe.ts', "import * as tf from '@tensorflow/tfjs';\nvoid tf;\n", 'worker may not use tfjs'],
    ['worker importing tfjs dynamically', 'src/worker/probe.ts', "export const tf = () => import('@tensorflow/tfjs');\n", 'worker may not use tfjs'],
    ['worker starting a tfjs backend itself', 'src/worker/probe.ts', "import { selectBackend } from '../model/backend.ts';\nvoid selectBackend;\n", 'worker may not import model'],
    ['worker importing node:fs', 'src/worker/probe.ts', "import { readFile } from 'node:fs/promises';\nvoid readFile;\n", 'worker may not use node'],
    ['pipeline importing the synthetic generator', 'src/pipeline/probe.ts', "import { generateScene } from '../training/synth/scene.ts';\nvoid generateScene;\n", 'pipeline may not import synth'],
    ['core importing core/synth', 'src/core/raster/probe.ts', "import { generateScene } from '../synth/scene.ts';\nvoid generateScene;\n", 'core may not import synth'],
    ['ui importing the worker internals', 'src/ui/components/probe.ts', "import { runJob } from '../../worker/run.ts';\nvoid runJob;\n", 'ui may not import worker'],
    ['a pipeline test importing the CLI', 'src/pipeline/probe.test.ts', "import { loadDataset } from '../cli/load.ts';\nvoid loadDataset;\n", 'pipeline may not import cli'],
    ['a pipeline test importing tfjs', 'src/pipeline/probe.test.ts', "import * as tf from '@tensorflow/tfjs';\nvoid tf;\n", 'pipeline may not use tfjs'],
  ])('refuses %s', async (_what, file, code, message) => {
    const messages = await restricted(file, code);
    expect(messages.some((m) => m.includes(message))).toBe(true);
  });

  it.each([
    ['model importing core and tfjs', 'src/model/probe.ts', "import * as tf from '@tensorflow/tfjs';\nimport { AppError } from '../core/errors.ts';\nvoid tf;\nvoid AppError;\n"],
    ['ui/map importing maplibre and the worker protocol', 'src/ui/map/probe.ts', "import * as maplibregl from 'maplibre-gl';\nimport type { LayerData } from '../../worker/protocol.ts';\nexport type L = LayerData;\nvoid maplibregl;\n"],
    ['ui importing the map and the worker client', 'src/ui/components/probe.ts', "import { MapPanel } from '../map/MapPanel.tsx';\nimport { WorkerClient } from '../../worker/client.ts';\nvoid MapPanel;\nvoid WorkerClient;\n"],
    ['a pipeline test reading files through the test helpers', 'src/pipeline/probe.test.ts', "import { readFileSync } from 'node:fs';\nimport { readBand } from '../test-support/data.ts';\nvoid readFileSync;\nvoid readBand;\n"],
    ['training importing synthetic scenes', 'src/cli/train-probe.ts', "import { generateScene } from '../training/synth/scene.ts';\nimport { readFile } from 'node:fs/promises';\nvoid generateScene;\nvoid readFile;\n"],
  ])('accepts %s', async (_what, file, code) => {
    expect(await restricted(file, code)).toEqual([]);
  });
});
