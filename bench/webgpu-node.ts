/**
 * One SRDA-Net stage on @tensorflow/tfjs-backend-webgpu in Node (Dawn, from the `webgpu` npm
 * package) against the wasm backend: the same tile, the same weights; prints the adapter, ms per
 * tile on each backend and the max |difference| of the outputs as JSON.
 *
 *   npx tsx bench/webgpu-node.ts [--tile 256] [--reps 5] [--weights models/srda-net] [--dawn OPT]... [--out FILE]
 *
 * On a machine with a GPU Dawn picks its Vulkan/Metal/D3D12 adapter. Without one, point Vulkan at
 * Chromium's SwiftShader (correct but slow; use a small tile; Debian's chromium ships libvulkan):
 *   LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
 *     npx tsx bench/webgpu-node.ts --tile 16 --reps 1
 * Exit code 1 when the outputs disagree (max |diff| >= 0.01 K or a different NaN pattern).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { create, globals } from 'webgpu';
import { readSrdaWeights } from '../src/cli/srda-weights.ts';
import { generateScene } from '../src/training/synth/scene.ts';
import { selectBackend, type BackendName } from '../src/model/backend.ts';
import { runSrda, srdaHaloCoarsePx, warmUpSrda, type SrdaStageInput } from '../src/model/infer.ts';
import { blockMean2 } from '../src/model/inputs.ts';
import { loadSrdaWeights } from '../src/model/weights.ts';

const { values } = parseArgs({
  options: {
    tile: { type: 'string', default: '256' },
    reps: { type: 'string', default: '5' },
    weights: { type: 'string' },
    dawn: { type: 'string', multiple: true, default: [] },
    out: { type: 'string' },
  },
});
const tile = Number(values.tile);
const reps = Math.max(1, Number(values.reps));
if (!Number.isInteger(tile) || tile < 8)
  throw new Error(`--tile must be an integer >= 8, got ${values.tile}`);

/** A deterministic stage input: `tile` coarse px a side plus the halo, aux at twice the resolution. */
function stageInput(coarsePx: number): SrdaStageInput {
  const n = 2 * coarsePx;
  const s = generateScene({
    seed: 13,
    width: n,
    height: n,
    pixelSizeM: 250,
    sceneType: 'mixed',
    timeOfDay: 'day',
    cloudFraction: 0.05,
  });
  return {
    width: coarsePx,
    height: coarsePx,
    coarseLstK: blockMean2(s.lstK, n, n),
    fineAux: { ndvi: s.ndvi, ndwi: s.ndwi, albedo: s.albedo, dem: s.dem },
  };
}

async function timeOn(
  backend: BackendName,
  input: SrdaStageInput,
): Promise<{ out: Float32Array; firstMs: number; msPerTile: number[] }> {
  await selectBackend({ only: backend });
  const model = await loadSrdaWeights(await readSrdaWeights(values.weights));
  try {
    await warmUpSrda(model);
    const before = tf.memory().numTensors;
    const msPerTile: number[] = [];
    let firstMs = 0;
    let out: Float32Array = new Float32Array(0);
    // The whole input is one network call, as the pipeline runs its tiles (halo included).
    const opts = {
      tileCoarsePx: Math.max(input.width, input.height),
      haloCoarsePx: srdaHaloCoarsePx(model.config),
    };
    for (let i = 0; i < reps + 1; i++) {
      const t0 = performance.now();
      out = await runSrda(model, input, opts);
      // The first call at this shape compiles kernels (shaders on WebGPU): reported apart.
      if (i === 0) firstMs = performance.now() - t0;
      else msPerTile.push(performance.now() - t0);
    }
    if (tf.memory().numTensors !== before)
      throw new Error(`${backend}: ${tf.memory().numTensors - before} tensors leaked`);
    return { out, firstMs, msPerTile };
  } finally {
    model.dispose();
  }
}

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

await selectBackend({ only: 'wasm' });
const model = await loadSrdaWeights(await readSrdaWeights(values.weights));
const halo = srdaHaloCoarsePx(model.config);
const size = model.size;
model.dispose();
// The pipeline's tile carries its halo on both sides: that is what one network call sees.
const input = stageInput(tile + 2 * halo);

Object.assign(globalThis, globals);
const gpu = create(values.dawn as string[]);
(globalThis as { navigator?: unknown }).navigator = { gpu };
const adapter = await gpu.requestAdapter();
if (!adapter) {
  throw new Error(
    'No WebGPU adapter from Dawn: no GPU driver found (without a GPU: LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json).',
  );
}
const info = adapter.info;

const wasm = await timeOn('wasm', input);
const webgpu = await timeOn('webgpu', input);
let maxAbs = 0;
let nanMismatch = 0;
for (let i = 0; i < wasm.out.length; i++) {
  const a = wasm.out[i];
  const b = webgpu.out[i];
  if (Number.isNaN(a) !== Number.isNaN(b)) nanMismatch++;
  else if (!Number.isNaN(a)) maxAbs = Math.max(maxAbs, Math.abs(a - b));
}
const coarsePx = input.width;
const result = {
  date: new Date().toISOString(),
  host: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}`,
  adapter: {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
  },
  vkIcd: process.env.VK_ICD_FILENAMES ?? null,
  model: size,
  tile: { coreCoarsePx: tile, haloCoarsePx: halo, inputCoarsePx: coarsePx, outputPx: 2 * coarsePx },
  reps,
  wasm: {
    msPerTile: Math.round(median(wasm.msPerTile)),
    firstCallMs: Math.round(wasm.firstMs),
    all: wasm.msPerTile.map(Math.round),
  },
  webgpu: {
    msPerTile: Math.round(median(webgpu.msPerTile)),
    firstCallMs: Math.round(webgpu.firstMs),
    all: webgpu.msPerTile.map(Math.round),
  },
  outputMpxPerS: {
    wasm: Number(((4 * tile * tile) / median(wasm.msPerTile) / 1e3).toFixed(3)),
    webgpu: Number(((4 * tile * tile) / median(webgpu.msPerTile) / 1e3).toFixed(3)),
  },
  maxAbsDiffK: maxAbs,
  nanPatternMismatches: nanMismatch,
};
const text = JSON.stringify(result, null, 2);
process.stdout.write(text + '\n');
if (values.out) writeFileSync(values.out, text + '\n');
// Dawn keeps the event loop alive; the figures are out.
process.exit(nanMismatch === 0 && maxAbs < 1e-2 ? 0 : 1);
