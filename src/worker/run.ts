import { AppError, isAppError } from '../core/errors.ts';
import { DEFAULT_ORIENTATIONS } from '../core/raster/orient.ts';
import type { Raster } from '../core/raster/raster.ts';
import { throwIfAborted, yieldToEventLoop, type Progress, type RunOptions } from '../core/progress.ts';
import { runDownscale, type DownscaleResult } from '../pipeline/downscale.ts';
import { fitDetailWeight, withDetailWeight, type DetailWeight } from '../pipeline/detail-weight.ts';
import { MIN_LOOP_PIXELS } from '../core/loop-pixels.ts';
import { detailKeptWholeMessage, detailWeightMessage, harmVerdict } from '../pipeline/do-no-harm.ts';
import { recommendMethod } from '../core/recommend.ts';
import { evaluateSampledLoop } from '../pipeline/loop-sample.ts';
import { orientationsMessage } from '../pipeline/orientations.ts';
import type { FinetuneReport } from '../pipeline/methods/srda.ts';
import { METHOD_NAMES, type MethodId } from '../pipeline/method.ts';
import { prepareSceneAsync } from '../pipeline/prepare.ts';
import { assembleForAppAsync, gridFacts, usedFiles } from './preview.ts';
import { partProgress } from './run-progress.ts';
import { difference, formatPixelM, layerId, makeRunLayers, methodNaming, nominalResolutionM, type LayerMeta } from './layers.ts';
import { scoreStagesAgainstTruth } from '../pipeline/truth-score.ts';
import { truthResolutionWords, unscoredFinerWords } from '../core/truth-words.ts';
import type { RunParams, RunResult, ScatterData, TruthCheck } from './protocol.ts';

/** Output pixels up to which a bicubic baseline is added automatically. */
const MAX_AUTO_BASELINE_PX = 4_000_000;

/** File-name tag of a scene: `MOD11A2_2024-04-06`, else the LST file stem (safe characters only). */
export function sceneTag(product: string | undefined, date: string | undefined, lstName: string): string {
  const raw = product && date ? `${product}_${date}` : lstName.replace(/\s*\[.*$/, '').replace(/\.(tiff?|TIFF?)$/, '');
  return raw.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80) || 'scene';
}

/** What per-scene fine-tuning did, in words: kept with its held-out gain, or rejected. */
export function fineTuneOutcome(method: unknown, steps: number): { report: FinetuneReport; notice: string } | undefined {
  const report = (method as { finetune?: FinetuneReport } | undefined)?.finetune;
  if (!report || steps <= 0) return undefined;
  const a = report.rmseBeforeK.toFixed(3);
  const b = report.rmseAfterK.toFixed(3);
  if (report.kept) {
    const gain = Math.round((100 * (report.rmseBeforeK - report.rmseAfterK)) / report.rmseBeforeK);
    return { report, notice: `SRDA-Net fine-tuned on this scene for ${report.steps} steps and the tuned weights were kept: held-out closed-loop RMSE ${a} -> ${b} K (${gain} % better).` };
  }
  return {
    report,
    notice: `Fine-tuning SRDA-Net on this scene (${report.steps} steps) did not help: held-out closed-loop RMSE ${a} -> ${b} K, so the tuned weights were rejected and the pretrained weights were used.`,
  };
}

/**
 * The outputs an independent LST could not score: finer than it, and not whole blocks of its pixels
 * on its grid (`why`, from `truthBlocks`); what to drop instead.
 */
export function finerThanTruthNotice(name: string, finerOutputsM: number[], why?: string): string {
  const sizes = finerOutputsM.map((m) => formatPixelM(m));
  const them = finerOutputsM.length > 1 ? 'them' : 'it';
  const remedy = why ? ` To score ${them}, drop instead an LST of the same date as fine as the ${sizes[sizes.length - 1]} output, or one whose pixels are whole blocks of the output's on its grid.` : '';
  return unscoredFinerWords(name, sizes, why) + remedy;
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
  // Checks the signal while a QC or cloud mask is reprojected onto the LST grid; a cancel sent
  // while the files were put together gets in here too, before the scene is prepared.
  const assembled = await assembleForAppAsync(params, opts.signal);
  await yieldToEventLoop();
  throwIfAborted(opts.signal);
  notices.push(...assembled.notices);
  const facts = gridFacts(assembled);
  const lstName = assembled.inputs.names?.lst ?? 'the LST file';
  // The reference factor applies to inputs already on one grid only (there is nothing to downscale otherwise).
  const referenceFactor = facts.isSameGrid ? (params.referenceFactor ?? 2) : undefined;
  const scene = await prepareSceneAsync(
    assembled.inputs,
    { referenceFactor, registerGuides: params.guidesInPlace !== true },
    { signal: opts.signal, onProgress: report },
  );
  notices.push(...scene.notes);
  lap('prepare');

  let wanted: MethodId[] = params.method === 'all' ? ['srda', 'bicubic', 'tsharp', 'dms'] : [params.method];
  if (facts.isLstOnly) {
    const needGuide = wanted.filter((m) => m === 'tsharp' || m === 'dms');
    if (needGuide.length === wanted.length) {
      throw Object.assign(new AppError('MISSING_BAND', `${METHOD_NAMES[needGuide[0]]} needs a guide layer and only an LST was given.`), {
        hint: `${METHOD_NAMES[needGuide[0]]} sharpens with guide layers (NDVI, red and NIR). Choose Bicubic or SRDA-Net to run on the LST alone, or drop an NDVI file.`,
      });
    }
    if (needGuide.length > 0) notices.push(`${needGuide.map((m) => METHOD_NAMES[m]).join(' and ')} skipped: they need a guide layer (NDVI, red and NIR); only the LST was given.`);
    wanted = wanted.filter((m) => m !== 'tsharp' && m !== 'dms');
  }
  // tfjs loads only when SRDA-Net is asked for.
  const model = wanted.includes('srda')
    ? await (await import('./model.ts')).prepareModel(params, opts, notices)
    : undefined;
  // The inference workers (up to 2, each with its own wasm heap) end with the run however it ends
  // (done, cancelled, failed), not when the next run loads its own model. Only after the closed-loop
  // check: a cancel that comes while it runs is answered as a cancel, never as a check that failed.
  try {
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
    // The orientation ensemble (2 or 8 network passes per tile; the method was built with it): say it ran.
    const orientations = model?.method && methods.includes('srda') ? (params.srdaOrientations ?? DEFAULT_ORIENTATIONS) : 1;
    if (orientations > 1) notices.push(orientationsMessage(orientations));
    // Do no harm: SRDA-Net keeps the share of its detail over bicubic that the scene's own closed loop supports.
    let weight: DetailWeight | undefined;
    /** Where the weight's notice is: the closed-loop check may name another recommended method in it. */
    let weightNoticeAt: number | undefined;
    const fitsWeight = !!model?.method && methods.includes('srda') && !params.srdaFullDetail;
    // The parts left once the scene and the model are ready, each reported as its step of the run.
    const steps = (fitsWeight ? 1 : 0) + methods.length + (params.evaluate ? 1 : 0);
    const part = (k: number, phrase: (stage: string) => string, stages?: number) => {
      const label = partProgress(k, steps, stages, phrase);
      return (p: Progress) => report(label(p));
    };
    if (model?.method && fitsWeight) {
      weight = await fitDetailWeight(scene, model.method, 'linear', {
        signal: opts.signal,
        onProgress: part(0, (stage) => `SRDA-Net ${stage}`),
      });
      weightNoticeAt = notices.length;
      notices.push(weight ? detailWeightMessage(lstName, weight) : detailKeptWholeMessage(lstName, MIN_LOOP_PIXELS));
      lap('detail weight');
    }
    const srdaMethod = model?.method && weight ? withDetailWeight(model.method, weight.alpha) : model?.method;

    const results: DownscaleResult[] = [];
    // Without the closed-loop check nothing after the runs reads the guides or runs SRDA-Net: as
    // `downscale` does, the last run lets the guides go once its last tiles are asked (the 250 m
    // NDVI and DEM of a full tile: ~90 MB), and SRDA-Net's inference workers end as their tiles come in.
    const retire = !params.evaluate ? (model?.method as { retire?: () => void } | undefined)?.retire?.bind(model?.method) : undefined;
    for (const [k, m] of methods.entries()) {
      const isLast = m === methods[methods.length - 1];
      const r = await runDownscale(
        scene,
        {
          method: m === 'srda' && srdaMethod ? srdaMethod : m,
          residualCorrection: params.residualCorrection,
          ...(isLast && !params.evaluate ? { releaseAux: true } : {}),
          ...(m === 'srda' && retire ? { onLastTilesAsked: retire } : {}),
        },
        {
          signal: opts.signal,
          onProgress: part((fitsWeight ? 1 : 0) + k, (stage) => `${METHOD_NAMES[m]}, ${stage}`, scene.stages),
        },
      );
      results.push(r);
      lap(`${METHOD_NAMES[m]} (${r.stages.length} stages)`);
    }
    // SRDA-Net may have survived a lost GPU device or exhausted memory on another backend: say so.
    const srda = model?.method;
    if (model?.backend && srda?.notices.length) {
      notices.push(...srda.notices);
      model.backend = {
        name: srda.backend.name,
        fallbackReason: srda.notices.join(' '),
        inferenceWorkers: model.backend.inferenceWorkers,
      };
    }

    const tuning = fineTuneOutcome(model?.method, params.finetuneSteps);
    if (tuning) notices.push(tuning.notice);

    const tag = sceneTag(assembled.lst.dataset.product, assembled.lst.dataset.date, assembled.lst.name);
    const px = (stage: number) => scene.levels[stage].pixelSizeM;
    const stem = (what: string, stage: number) => `${tag}_${what}_${formatPixelM(px(stage)).replace(' ', '')}`;
    // What the map shows, in this order: made on the layer workers below.
    const jobs: { meta: LayerMeta; raster: Raster }[] = [];
    const layer = (meta: LayerMeta, raster: Raster) => void jobs.push({ meta, raster });
    const nominal0 = nominalResolutionM(px(0));
    layer(
      { id: layerId('stage', 'input', nominal0), label: `Input LST ${formatPixelM(px(0))}`, kind: 'input', stage: 0, isFinal: false, pixelSizeM: px(0), fileStem: stem('input', 0) },
      scene.lst,
    );
    const primary = results[0];
    const bicubic = results.find((r) => r.method === 'bicubic');
    // Short labels lead with the method and grid; the rest of the method's own label goes under them.
    const naming = (r: DownscaleResult) => methodNaming(r.method, r.methodLabel);
    for (const r of results) {
      const isPrimary = r === primary;
      for (const s of r.stages) {
        const res = nominal0 / 2 ** s.stage;
        const size = formatPixelM(px(s.stage));
        layer(
          {
            // By method, in every run: which method came first changes only the kind (output or baseline).
            id: layerId('stage', r.method, res),
            label: `${naming(r).name} ${size}`,
            detail: naming(r).detail,
            description: `${r.methodLabel} ${size}`,
            kind: isPrimary ? 'output' : 'baseline',
            method: r.method,
            stage: s.stage,
            isFinal: s.stage === r.stages.length,
            pixelSizeM: px(s.stage),
            fileStem: stem(r.method, s.stage),
          },
          s.lst,
        );
      }
    }
    // SRDA-Net v2's predicted uncertainty of each output pixel (1 standard deviation, K).
    for (const st of primary.stages) {
      if (!st.sigma) continue;
      const res = nominal0 / 2 ** st.stage;
      layer(
        {
          id: layerId('sigma', primary.method, res),
          label: `${naming(primary).name} uncertainty ${formatPixelM(px(st.stage))}`,
          detail: ['predicted 1 sigma, K', naming(primary).detail].filter(Boolean).join(' · '),
          description: `Uncertainty (1 sigma) ${formatPixelM(px(st.stage))} (${primary.methodLabel})`,
          kind: 'uncertainty',
          method: primary.method,
          stage: st.stage,
          isFinal: false,
          pixelSizeM: px(st.stage),
          fileStem: stem(`${primary.method}-sigma`, st.stage),
        },
        st.sigma,
      );
    }
    if (bicubic && bicubic !== primary) {
      const k = primary.stages.length - 1;
      const res = nominal0 / 2 ** (k + 1);
      const diff = difference(primary.stages[k].lst, bicubic.stages[k].lst);
      layer(
        {
          id: layerId('diff-bicubic', primary.method, res),
          label: `${naming(primary).name} − Bicubic ${formatPixelM(px(k + 1))}`,
          detail: naming(primary).detail,
          description: `${primary.methodLabel} − bicubic ${formatPixelM(px(k + 1))}`,
          kind: 'difference',
          method: primary.method,
          stage: k + 1,
          isFinal: true,
          pixelSizeM: px(k + 1),
          fileStem: stem(`${primary.method}-minus-bicubic`, k + 1),
        },
        diff,
      );
    }
    // An LST of the same date with finer pixels (ASTER beside MODIS): every output scored against it.
    const truthBand = assembled.finerLsts[0];
    let truth: TruthCheck | undefined;
    if (truthBand) {
      const scored = scoreStagesAgainstTruth(truthBand.name, truthBand.band.raster, results.map((r) => ({ method: r.method, stages: r.stages })));
      truth = scored.check;
      const k = primary.stages.length;
      const on = scored.onGrid.get(k);
      if (on) {
        const res = nominal0 / 2 ** k;
        const how = on.how === 'block-averaged' ? 'block-averaged onto' : 'resampled onto';
        layer(
          { id: `truth-${res}m`, label: `Independent LST ${formatPixelM(px(k))}`, detail: `${truthBand.name}, ${how} the output grid`, description: `${truthBand.name} ${how} the ${formatPixelM(px(k))} output grid`, kind: 'input', stage: k, isFinal: false, pixelSizeM: px(k), fileStem: stem('independent-lst', k) },
          on.raster,
        );
        layer(
          {
            id: `diff-truth-${res}m`,
            label: `${naming(primary).name} − independent LST ${formatPixelM(px(k))}`,
            detail: [truthBand.name, naming(primary).detail].filter(Boolean).join(' · '),
            description: `${primary.methodLabel} − ${truthBand.name} ${formatPixelM(px(k))}`,
            kind: 'difference',
            method: primary.method,
            stage: k,
            isFinal: true,
            pixelSizeM: px(k),
            fileStem: stem(`${primary.method}-minus-independent-lst`, k),
          },
          difference(primary.stages[k - 1].lst, on.raster),
        );
      }
      // The scene's 'Several LST layers' note already says that it scores the outputs; here only what it could not score.
      if (truth.finerStages.length > 0) notices.push(finerThanTruthNotice(truthBand.name, truth.finerStages.map((k) => px(k)), truth.finerWhy));
      const atTruth = truthResolutionWords(truth);
      if (atTruth) notices.push(atTruth);
      lap('independent LST');
    }
    const scatter: ScatterData[] = [];
    let closedLoop: RunResult['closedLoop'];

    let metrics: RunResult['metrics'] = [];
    // On this thread while the layer workers make the layers.
    const closedLoopCheck = async (): Promise<void> => {
      if (!params.evaluate) return;
      try {
        // On the sample of the scene's loop the detail weight was fitted on (and downscale scores).
        const loop = await evaluateSampledLoop(
          scene,
          results.map((r) => (r.method === 'srda' && srdaMethod ? srdaMethod : r.method)),
          { samplePairs: 4000 },
          {
            signal: opts.signal,
            onProgress: part(steps - 1, (stage) => (stage === 'closed loop' ? 'closed-loop check' : `closed-loop check: ${stage}`)),
          },
        );
        for (const m of loop.methods) {
          if (!m.pairs) continue;
          // The closed-loop prediction against its reference: not the residual-corrected output against its own input (1:1 by construction).
          const y = params.residualCorrection ? m.pairs.corrected : m.pairs.raw;
          scatter.push({ method: m.method, x: m.pairs.reference, y });
          transfer.push(m.pairs.reference.buffer, y.buffer);
        }
        metrics = loop.methods.map((m) => {
          const s = params.residualCorrection ? m.corrected : m.uncorrected;
          const isTuned = m.method === 'srda' && tuning?.report.kept === true;
          return {
            method: isTuned ? 'srda (fine-tuned)' : m.method,
            rmse: s.rmseK,
            mae: s.maeK,
            bias: s.biasK,
            r2: s.r2,
            ssim: s.ssim,
            r: s.r,
            energyMaxAbsK: m.energyMaxAbsK,
            pixels: s.n,
            ...(m.method === 'srda' && weight ? { detailWeight: weight.alpha } : {}),
            ...(m.method === 'srda' && orientations > 1 ? { orientations } : {}),
          };
        });
        // The pixels scored, not those the windows cover (on a MODIS tile most of them ocean).
        closedLoop = {
          coarsePixelM: loop.coarsePixelM,
          referencePixelM: loop.referencePixelM,
          outputPixelM: scene.levels[scene.stages].pixelSizeM,
          scoredPixels: metrics.reduce((n, m) => Math.max(n, m.pixels ?? 0), 0),
          ...(loop.sampledPixels !== undefined ? { windows: loop.sampleWindows ?? 1 } : {}),
        };
        const srdaLoop = loop.methods.find((m) => m.method === 'srda');
        const bicLoop = loop.methods.find((m) => m.method === 'bicubic');
        // The trust panel's recommendation (core/recommend.ts): no notice may say another.
        const overall = recommendMethod(metrics.map((x) => ({ method: x.method, rmseK: x.rmse, pixels: x.pixels })))?.recommendedMethod;
        // With the detail weight its own verdict is already among the notices (this loop chose the
        // weight); where it would say "bicubic is recommended" while TsHARP or DMS is, it names that one.
        if (weight && weightNoticeAt !== undefined) notices[weightNoticeAt] = detailWeightMessage(lstName, weight, overall);
        if (srdaLoop && bicLoop && !weight) {
          const corr = (m: typeof srdaLoop) => (params.residualCorrection ? m.corrected : m.uncorrected).rmseK;
          const n = (m: typeof srdaLoop) => (params.residualCorrection ? m.corrected : m.uncorrected).n;
          const verdict = harmVerdict(lstName, corr(srdaLoop), corr(bicLoop), loop.coarsePixelM, loop.referencePixelM, Math.min(n(srdaLoop), n(bicLoop)));
          // On too few pixels the trust panel says why it recommends nothing; when another method is
          // recommended over bicubic, 'use bicubic' would contradict it.
          if (verdict.recommendedMethod === 'bicubic' && overall === 'bicubic') notices.push(verdict.message);
        }
        if (tuning?.report.kept && methods.includes('srda')) {
          notices.push(
            'The closed-loop score of the fine-tuned SRDA-Net is optimistic: it was tuned on this same scene at the coarse scale.',
          );
        }
        lap('closed loop');
      } catch (e) {
        if (isAppError(e) && e.code === 'CANCELLED') throw e;
        notices.push(`Closed-loop check skipped: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    const { layers } = await makeRunLayers(jobs, { id: assembled.group.id, keepOtherScenes: params.keepOtherDates, signal: opts.signal }, transfer, closedLoopCheck);

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
      ...(closedLoop ? { closedLoop } : {}),
      ...(truth ? { truth } : {}),
      notices,
      ...(model?.weights && methods.includes('srda') ? { weights: model.weights } : {}),
      scene: { id: assembled.group.id, lstName: assembled.lst.name, product: assembled.lst.dataset.product, date: assembled.lst.dataset.date, tile: assembled.group.tile, tag, used: usedFiles(assembled), ...(referenceFactor ? { referenceFactor } : {}) },
      ...(tuning ? { finetune: tuning.report } : {}),
    };
  } finally {
    await (model?.method as { close?: () => Promise<void> } | undefined)?.close?.();
  }
}
