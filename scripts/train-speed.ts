/**
 * Inference speed of each SRDA-Net size for models/srda-net/card.md: ms per 256x256 coarse tile
 * (-> 512x512 fine) per backend, and the extrapolated time of a full MODIS tile (stage 1:
 * 1200^2 -> 2400^2, stage 2: 2400^2 -> 4800^2, all tiles valid) at that throughput.
 *
 *   npx tsx scripts/train-speed.ts [--backends wasm,cpu] [--sizes tiny,small,base] [--reps 3]
 */
import { parseArgs } from 'node:util';
import { selectBackend, type BackendName } from '../src/model/backend.ts';
import { runSrda, warmUpSrda } from '../src/model/infer.ts';
import { initParams, macsPerCoarsePixel, countParams, SRDA_SIZES, type SrdaSize } from '../src/model/srda-net.ts';
import { createSrdaModel } from '../src/model/weights.ts';

const { values } = parseArgs({ options: { backends: { type: 'string', default: 'wasm,cpu' }, sizes: { type: 'string', default: 'tiny,small,base' }, reps: { type: 'string', default: '3' }, tile: { type: 'string', default: '256' } } });
const n = Number(values.tile);
const reps = Number(values.reps);
const lst = new Float32Array(n * n);
const ndvi = new Float32Array(4 * n * n);
for (let i = 0; i < lst.length; i++) lst[i] = 300 + 5 * Math.sin(i * 0.01);
for (let i = 0; i < ndvi.length; i++) ndvi[i] = 0.4 * Math.cos(i * 0.003);
const FULL_TILE_COARSE_PX = 1200 * 1200 + 2400 * 2400;

for (const b of values.backends!.split(',') as BackendName[]) {
  await selectBackend({ only: b });
  for (const size of values.sizes!.split(',') as SrdaSize[]) {
    const cfg = SRDA_SIZES[size];
    const model = createSrdaModel(cfg, size, initParams(cfg, 1));
    await warmUpSrda(model);
    // One untimed full-size run: the first large tile grows the backend's memory.
    await runSrda(model, { width: n, height: n, coarseLstK: lst, fineAux: { ndvi } }, { tileCoarsePx: n });
    const r = b === 'cpu' ? 1 : reps;
    const t0 = performance.now();
    for (let i = 0; i < r; i++) await runSrda(model, { width: n, height: n, coarseLstK: lst, fineAux: { ndvi } }, { tileCoarsePx: n });
    const ms = (performance.now() - t0) / r;
    const fullS = (ms / 1000) * (FULL_TILE_COARSE_PX / (n * n));
    const macs = macsPerCoarsePixel(cfg);
    process.stdout.write(
      JSON.stringify({ backend: b, size, params: countParams(cfg), macsPerCoarsePx: macs, macsPerOutputPx: macs / 4, tile: `${n}x${n} -> ${2 * n}x${2 * n}`, msPerTile: Math.round(ms), gmacPerS: +((macs * n * n) / (ms / 1000) / 1e9).toFixed(2), fullModisTileS: Math.round(fullS) }) + '\n',
    );
    model.dispose();
  }
}
