import { AppError, isAppError } from '../core/errors.ts';
import type { Progress, RunOptions } from '../core/progress.ts';
import { aggregateMean } from '../core/raster/aggregate.ts';
import type { AuxName, Raster } from '../core/raster/raster.ts';
import { decodeMod11Qc } from '../io/modis-qc.ts';
import { runDownscale, type DownscaleResult } from '../pipeline/downscale.ts';
import { evaluateClosedLoop } from '../pipeline/evaluate.ts';
import type { MethodId } from '../pipeline/method.ts';
import { prepareScene, type SceneInputs } from '../pipeline/prepare.ts';
import type { Scene } from '../pipeline/scene.ts';
import { getInput } from './inputs.ts';
import { difference, makeLayer, nominalResolutionM } from './layers.ts';
import type { LayerData, RunParams, RunResult, ScatterData } from './protocol.ts';

const AUX_ROLES: readonly AuxName[] = ['ndvi', 'red', 'nir', 'swir', 'albedo', 'dem', 'landcover'];
/** Output pixels up to which a bicubic baseline is added automatically. */
const MAX_AUTO_BASELINE_PX = 4_000_000;
const LABELS: Record<MethodId, string> = {
  srda: 'SRDA-Net',
  bicubic: 'Bicubic',
  tsharp: 'TsHARP',
  dms: 'DMS',
};

function sceneInputs(params: RunParams, notices: string[]): SceneInputs {
  const byRole = new Map<string, { raster: Raster; name: string }[]>();
  for (const { id, role } of params.inputs) {
    const s = getInput(id);
    const list = byRole.get(role) ?? [];
    list.push({ raster: s.band.raster, name: s.info.fileName });
    byRole.set(role, list);
  }
  const first = (role: string) => {
    const list = byRole.get(role);
    if (list && list.length > 1)
      notices.push(
        `${list.length} files have the role ${role}; using ${list[0].name}. Set the others to "unknown" to silence this.`,
      );
    return list?.[0];
  };
  const lst = first('lst');
  if (!lst)
    throw new AppError(
      'MISSING_BAND',
      'No file has the role "lst". Add a MODIS LST file or set its role in the table.',
    );
  let lstKeep: Uint8Array | undefined;
  const qc = first('lst-qc');
  if (qc && qc.raster.width === lst.raster.width && qc.raster.height === lst.raster.height) {
    lstKeep = decodeMod11Qc(qc.raster.data);
    let rejected = 0;
    for (let i = 0; i < lstKeep.length; i++)
      if (!lstKeep[i] && lst.raster.data[i] === lst.raster.data[i]) rejected++;
    if (rejected > 0)
      notices.push(`QC masked ${rejected} LST pixels (keeping good and other-quality with error <= 2 K).`);
  } else if (qc) notices.push(`The QC file ${qc.name} is not on the LST grid; it was not applied.`);
  const aux: SceneInputs['aux'] = {};
  const names: SceneInputs['names'] = { lst: lst.name };
  for (const role of AUX_ROLES) {
    const a = first(role);
    if (!a) continue;
    aux[role] = a.raster;
    names[role] = a.name;
  }
  return { lst: lst.raster, lstKeep, aux, names };
}

function scatterOf(method: string, scene: Scene, finest: Raster): ScatterData {
  const agg = aggregateMean(finest, 2 ** scene.stages);
  const xs: number[] = [];
  const ys: number[] = [];
  const n = Math.min(agg.data.length, scene.lst.data.length);
  const step = Math.max(1, Math.floor(n / 4000));
  for (let i = 0; i < n; i += step) {
    const x = scene.lst.data[i];
    const y = agg.data[i];
    if (Number.isFinite(x) && Number.isFinite(y)) {
      xs.push(x);
      ys.push(y);
    }
  }
  return { method, x: Float32Array.from(xs), y: Float32Array.from(ys) };
}

/** Prepares the scene, runs the chosen method(s) stage by stage, scores them in closed loop. */
export async function runJob(
  params: RunParams,
  opts: RunOptions,
  transfer: Transferable[],
): Promise<RunResult> {
  const notices: string[] = [];
  const timings: RunResult['timings'] = [];
  const report = (p: Progress) => opts.onProgress?.(p);
  let t = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    timings.push({ stage, ms: now - t });
    t = now;
  };
  report({ stage: 'preparing', done: 0, total: 1 });
  const scene = prepareScene(sceneInputs(params, notices));
  notices.push(...scene.notes);
  lap('prepare');

  const wanted: MethodId[] = params.method === 'all' ? ['srda', 'bicubic', 'tsharp', 'dms'] : [params.method];
  // tfjs loads only when SRDA-Net is asked for.
  const model = wanted.includes('srda')
    ? await (await import('./model.ts')).prepareModel(params, opts, notices)
    : undefined;
  const methods = wanted.filter((m) => m !== 'srda' || model?.isAvailable);
  if (methods.length === 0) methods.push('bicubic');
  // A bicubic baseline (and the difference map) comes for free on scenes of moderate size; on big
  // ones (a full MODIS tile is 23 Mpx at 250 m) it would double the memory, so only on request.
  const finest = scene.levels[scene.levels.length - 1].grid;
  if (!methods.includes('bicubic')) {
    if (finest.width * finest.height <= MAX_AUTO_BASELINE_PX) methods.push('bicubic');
    else
      notices.push(
        'Large scene: the bicubic baseline and difference map were skipped to save memory (choose "All" to compare).',
      );
  }
  lap('model');

  const results: DownscaleResult[] = [];
  for (const m of methods) {
    const r = await runDownscale(
      scene,
      {
        method: m === 'srda' && model?.method ? model.method : m,
        residualCorrection: params.residualCorrection,
      },
      {
        signal: opts.signal,
        onProgress: (p) => report({ ...p, stage: `${LABELS[m]}: ${p.stage}` }),
      },
    );
    results.push(r);
    lap(`${m} (${r.stages.length} stages)`);
  }
  // SRDA-Net may have survived a lost GPU device or exhausted memory on another backend: say so.
  const srda = model?.method as { notices?: string[]; backend?: { backend: string } } | undefined;
  if (model?.backend && srda?.notices?.length) {
    notices.push(...srda.notices);
    model.backend = {
      name: srda.backend?.backend ?? model.backend.name,
      fallbackReason: srda.notices.join(' '),
      inferenceWorkers: model.backend.inferenceWorkers,
    };
  }

  const layers: LayerData[] = [];
  const nominal0 = nominalResolutionM(scene.levels[0].pixelSizeM);
  layers.push(
    makeLayer(`lst-${nominal0}m`, `Input LST ${nominal0} m`, 'input', nominal0, scene.lst, transfer),
  );
  const primary = results[0];
  const bicubic = results.find((r) => r.method === 'bicubic');
  for (const r of results) {
    const isPrimary = r === primary;
    for (const s of r.stages) {
      const res = nominal0 / 2 ** s.stage;
      const id = isPrimary ? `lst-${res}m` : `${r.method}-${res}m`;
      layers.push(
        makeLayer(
          id,
          `${isPrimary ? 'LST' : r.methodLabel} ${res} m${isPrimary ? ` (${r.methodLabel})` : ''}`,
          isPrimary ? 'output' : 'baseline',
          res,
          s.lst,
          transfer,
          r.method,
        ),
      );
    }
  }
  if (bicubic && bicubic !== primary) {
    const k = primary.stages.length - 1;
    const res = nominal0 / 2 ** (k + 1);
    const diff = difference(primary.stages[k].lst, bicubic.stages[k].lst);
    layers.push(
      makeLayer(
        `diff-bicubic-${res}m`,
        `${primary.methodLabel} − bicubic ${res} m`,
        'difference',
        res,
        diff,
        transfer,
        primary.method,
      ),
    );
  }
  const scatter = results.map((r) => scatterOf(r.method, scene, r.stages[r.stages.length - 1].lst));
  for (const s of scatter) transfer.push(s.x.buffer, s.y.buffer);

  let metrics: RunResult['metrics'] = [];
  if (params.evaluate) {
    try {
      const loop = await evaluateClosedLoop(
        scene,
        results.map((r) => (r.method === 'srda' && model?.method ? model.method : r.method)),
        {},
        {
          signal: opts.signal,
          onProgress: (p) => report({ ...p, stage: `closed loop: ${p.stage}` }),
        },
      );
      metrics = loop.methods.map((m) => {
        const s = params.residualCorrection ? m.corrected : m.uncorrected;
        const isTuned = m.method === 'srda' && params.finetuneSteps > 0;
        return {
          method: isTuned ? 'srda (fine-tuned)' : m.method,
          rmse: s.rmseK,
          mae: s.maeK,
          bias: s.biasK,
          r2: s.r2,
          ssim: s.ssim,
          r: s.r,
        };
      });
      if (params.finetuneSteps > 0 && methods.includes('srda')) {
        notices.push(
          'The closed-loop score of the fine-tuned SRDA-Net is optimistic: it was tuned on this same scene at the coarse scale.',
        );
      }
      lap('closed loop');
    } catch (e) {
      if (isAppError(e) && e.code === 'CANCELLED') throw e;
      notices.push(`Closed-loop check skipped: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  return {
    layers,
    metrics,
    timings,
    backend: model?.backend,
    energyError: primary.stages.map((s) => ({
      stage: s.stage,
      maxAbsK: s.energy.maxAbsK,
      meanAbsK: s.energy.meanAbsK,
    })),
    scatter,
    notices,
  };
}
