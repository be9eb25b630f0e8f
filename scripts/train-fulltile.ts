/**
 * Full MODIS tile timing of SRDA-Net for the model card: the real MOD11A1 h14v09 LST (1200 x 1200
 * at 1 km, QC-masked: ocean and cloud invalid) through stage 1 (-> 2400^2) and stage 2
 * (-> 4800^2) on one backend. The NDVI guides are synthetic fields of the right sizes (this tile
 * comes without 500 m / 250 m layers); they change nothing in the cost.
 *
 *   npx tsx scripts/train-fulltile.ts [--model models/srda-net] [--backend wasm] [--tile 256]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataset } from '../src/cli/load.ts';
import { readSrdaWeights, DEFAULT_SRDA_MODEL_DIR } from '../src/cli/srda-weights.ts';
import { decodeMod11Qc } from '../src/io/modis-qc.ts';
import { selectBackend, type BackendName } from '../src/model/backend.ts';
import { runSrda, warmUpSrda } from '../src/model/infer.ts';
import { loadSrdaWeights } from '../src/model/weights.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: DEFAULT_SRDA_MODEL_DIR },
    backend: { type: 'string', default: 'wasm' },
    tile: { type: 'string', default: '256' },
    'data-dir': { type: 'string', default: path.resolve(process.cwd(), '../shared/data') },
  },
});
const stem = path.join(values['data-dir']!, 'mod11a1-h14v09-2019305-lsttools/MOD11A1.A2019305.h14v09.006.2019306084028');
const lst = (await loadDataset(`${stem}.LST_Day_1km.tif`)).bands[0].raster;
const keep = decodeMod11Qc((await loadDataset(`${stem}.QC_Day.tif`)).bands[0].raster.data);
const lst1 = lst.data.slice();
for (let i = 0; i < lst1.length; i++) if (!keep[i]) lst1[i] = Number.NaN;
const ndvi = (n: number) => {
  const a = new Float32Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) a[y * n + x] = 0.3 + 0.3 * Math.sin(x * 0.05) * Math.cos(y * 0.07);
  return a;
};
const choice = await selectBackend({ only: values.backend as BackendName });
const model = await loadSrdaWeights(await readSrdaWeights(values.model));
await warmUpSrda(model);
const tile = Number(values.tile);
let valid = 0;
for (const v of lst1) if (!Number.isNaN(v)) valid++;
const t0 = performance.now();
const s1 = await runSrda(model, { width: 1200, height: 1200, coarseLstK: lst1, fineAux: { ndvi: ndvi(2400) } }, { tileCoarsePx: tile });
const t1 = performance.now();
const s2 = await runSrda(model, { width: 2400, height: 2400, coarseLstK: s1, fineAux: { ndvi: ndvi(4800) } }, { tileCoarsePx: tile });
const t2 = performance.now();
let finite = 0;
for (const v of s2) if (Number.isFinite(v)) finite++;
process.stdout.write(
  JSON.stringify({
    backend: choice.backend,
    size: model.size,
    validLstFraction: +(valid / lst1.length).toFixed(3),
    tileCoarsePx: tile,
    stage1S: +((t1 - t0) / 1000).toFixed(1),
    stage2S: +((t2 - t1) / 1000).toFixed(1),
    totalS: +((t2 - t0) / 1000).toFixed(1),
    outputFinite: finite,
  }) + '\n',
);
model.dispose();
