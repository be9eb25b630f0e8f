import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../core/errors.ts';
import { writeGeoTiff } from '../io/geotiff-write.ts';
import { runDownscale } from '../pipeline/downscale.ts';
import { prepareScene, type PrepareOptions } from '../pipeline/prepare.ts';
import {
  INPUT_HELP,
  INPUT_OPTIONS,
  intOption,
  loadInputs,
  parseBackend,
  parseCli,
  parseResidualMode,
  resolveMethod,
  sceneReport,
  stderrProgress,
} from './inputs.ts';
import type { Command } from './main.ts';

const HELP = `Usage: srda-lst downscale --lst LST.tif [--qc QC.tif] (--ndvi NDVI.tif | --red RED.tif --nir NIR.tif)
         [--swir SWIR.tif] [--albedo A.tif] [--dem DEM.tif] [--landcover LC.tif]
         [--method srda|bicubic|tsharp|dms] [--stages N] [--no-residual-correction]
         [--residual-mode linear|radiance] [--backend wasm|cpu|webgpu] --out DIR

Downscales the LST stage by stage (factor 2 each) onto the auxiliary grid and writes
DIR/lst_stage1.tif ... DIR/lst_stageN.tif (float32 K, nodata -9999) and DIR/report.json.

${INPUT_HELP}
  --method M            srda (default; falls back to bicubic with a notice when unavailable),
                        bicubic, tsharp (TsHARP, NDVI), dms (regression trees, all layers)
  --no-residual-correction   skip the energy-conserving correction after each stage
  --residual-mode M     linear (default: conserve mean K) or radiance (conserve mean T^4)
  --backend B           tfjs backend for srda (default: the fastest that works; wasm in Node)
  --weights PATH        SRDA-Net folder or model.json (default: models/srda-net/ of this install)
  --finetune N          SRDA-Net per-scene fine-tuning steps on the coarse closed loop (default 0)
  --out DIR             output folder (created)
  -q, --quiet           no progress on stderr`;

/** `srda-lst downscale`: see HELP. */
export const downscaleCommand: Command = async (argv) => {
  const values = parseCli(argv, { ...INPUT_OPTIONS, method: { type: 'string' }, out: { type: 'string' } });
  if (values.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (typeof values.out !== 'string') throw new AppError('BAD_ARGUMENT', 'No output folder: pass --out DIR.');
  const backend = parseBackend(values.backend);
  const residualMode = parseResidualMode(values['residual-mode']);
  const options: PrepareOptions = { stages: intOption(values.stages, 'stages', 1) };
  const tile = intOption(values.tile, 'tile', 8);
  const finetuneSteps = intOption(values.finetune, 'finetune', 0);
  const modelPath = typeof values.weights === 'string' ? path.resolve(values.weights) : undefined;
  const { method, notice } = await resolveMethod(values.method as string | undefined, { backend, finetuneSteps, modelPath });
  const loaded = await loadInputs(values);
  const scene = prepareScene(loaded.inputs, options);
  const progress = stderrProgress(values.quiet as boolean | undefined);
  if (notice && !values.quiet) process.stderr.write(`notice: ${notice}\n`);
  const result = await runDownscale(
    scene,
    { method, residualCorrection: !values['no-residual-correction'], residualMode, tileCoarsePx: tile },
    { onProgress: progress },
  );
  const outDir = values.out;
  await mkdir(outDir, { recursive: true });
  const outputs: string[] = [];
  for (const st of result.stages) {
    const file = path.join(outDir, `lst_stage${st.stage}.tif`);
    const bytes = writeGeoTiff([{ raster: st.lst, name: `LST stage ${st.stage} (${method.id})`, units: 'K' }], { nodata: -9999 });
    try {
      await writeFile(file, bytes);
    } catch (e) {
      throw new AppError('WRITE_FAILED', `${file}: ${(e as Error).message}`, { file, cause: e });
    }
    outputs.push(file);
  }
  const report = {
    tool: 'srda-lst downscale',
    createdAt: new Date().toISOString(),
    ...sceneReport(scene, loaded),
    method: method.id,
    methodLabel: method.label,
    ...(notice ? { methodNotice: notice } : {}),
    backend: method.id === 'srda' ? ((method as { backend?: unknown }).backend ?? backend ?? 'auto') : 'none (classical method, plain TypeScript)',
    residualCorrection: result.residualCorrection,
    residualMode: result.residualMode,
    totalSeconds: result.totalSeconds,
    stages: result.stages.map((s) => ({
      stage: s.stage,
      file: path.basename(outputs[s.stage - 1]),
      pixelSizeM: Number(scene.levels[s.stage].pixelSizeM.toFixed(2)),
      width: s.lst.width,
      height: s.lst.height,
      seconds: s.seconds,
      tiles: s.tiles,
      skippedTiles: s.skippedTiles,
      energyConservation: { maxAbsK: s.energy.maxAbsK, meanAbsK: s.energy.meanAbsK, blocks: s.energy.blocks },
      energyBeforeCorrection: { maxAbsK: s.energyBeforeCorrection.maxAbsK, meanAbsK: s.energyBeforeCorrection.meanAbsK },
      ...(s.fit ? { fit: s.fit } : {}),
    })),
  };
  await writeFile(path.join(outDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  if (!values.quiet) {
    for (const s of report.stages) {
      process.stderr.write(`stage ${s.stage}: ${s.width}x${s.height} at ${s.pixelSizeM} m, ${s.seconds.toFixed(2)} s, energy max |err| ${s.energyConservation.maxAbsK.toExponential(2)} K -> ${s.file}\n`);
    }
  }
  process.stdout.write(JSON.stringify({ out: outDir, files: outputs.map((f) => path.basename(f)), method: method.id }) + '\n');
  return 0;
};
