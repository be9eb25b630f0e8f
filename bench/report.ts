import type { PipelineTiming } from './pipeline-run.ts';
import type { TileTiming } from './tf-kernels.ts';

/** Where a measurement ran. */
export type BenchEnv = 'node' | 'browser';

/** One tile row of results.json. */
export type TileRow = TileTiming & { env: BenchEnv; trainedWeights: boolean };

/** The full-tile figure the issue asks for, plus detail. */
export interface FullTileRow extends PipelineTiming {
  env: BenchEnv;
  backend: string;
  /** Peak memory, MB: process max RSS in Node; in the browser the renderer's VmHWM or its RSS sampled every 250 ms, whichever is larger. */
  peakMemoryMB: number;
  /** Browser only: peak JS heap and peak tfjs bytes sampled during the run, MB. */
  jsHeapPeakMB?: number;
  tfPeakMB?: number;
  srdaSource: string;
  /** SRDA-Net inference workers running tiles in parallel (absent = 1). */
  inferenceWorkers?: number;
  /** Browser only: Web Workers inflating the inputs' and deflating the outputs' GeoTIFF blocks (0: the page's thread). */
  deflateWorkers?: number;
  /** Browser only: CPU seconds of the renderer process (every thread: the page and its Web Workers) over the whole call. */
  rendererCpuS?: number;
  trainedWeights: boolean;
}

/** Everything `srda-lst bench` writes to bench/results.json. */
export interface BenchResults {
  schema: 1;
  mode: 'quick' | 'full';
  createdAt: string;
  commit?: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGB: number;
    node: string;
    chromium?: string;
    loadAverageStart: number[];
    loadAverageEnd: number[];
    uptimeStart: string;
    uptimeEnd: string;
  };
  tiles: TileRow[];
  /** The Node (CLI, wasm) full-tile run. */
  fullTile?: FullTileRow;
  fullTileBrowser?: FullTileRow;
  /** HDF4 SDS read vs the same layer as a Deflate GeoTIFF (Node), when ../shared/data is present. */
  hdf4Read?: { layer: string; megapixels: number; hdf4MsPerMpx: number; geotiffMsPerMpx: number; ratio: number; reps: number };
  /** pyDMS on the same full-tile scene (`--pydms DIR`). */
  pydms?: { seconds: number; peakMemoryMB: number; ratioToSrda?: number; memoryRatioToSrda?: number; how: string };
  unavailable: { env: BenchEnv; backend: string; reason: string }[];
  targets: {
    overheadShareMax: number;
    totalSMax: number;
    peakMemoryMBMax: number;
    met?: { overhead: boolean; time: boolean; memory: boolean };
  };
  notes: string[];
}

const f = (v: number | undefined, d = 2): string =>
  v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d);

function fullTileTable(r: FullTileRow): string[] {
  const lines = [
    `**${r.env}, ${r.backend}**: ${r.lstSize.join('x')} LST -> ${r.outputSize.join('x')} (${r.stages} stages, tiles ${r.tiles.join(' + ')}), SRDA-Net ${r.srdaSource}${r.inferenceWorkers && r.inferenceWorkers > 1 ? ` on ${r.inferenceWorkers} inference workers` : ''}${r.trainedWeights ? '' : ' (untrained weights: timing only)'}`,
    '',
    r.cpuS ? '| step | s | share | CPU s |' : '| step | s | share |',
    r.cpuS ? '| --- | ---: | ---: | ---: |' : '| --- | ---: | ---: |',
  ];
  for (const [k, v] of Object.entries(r.stepsS)) {
    const cpu = r.cpuS ? ` ${k === 'correct' ? '(in infer)' : f(r.cpuS[k as keyof typeof r.cpuS])} |` : '';
    lines.push(`| ${k} | ${f(v)} | ${f((100 * v) / r.totalS, 1)} % |${cpu}`);
  }
  lines.push(
    `| **total** | **${f(r.totalS)}** | overhead (all but infer and detail weight) ${f(100 * r.overheadShare, 1)} % |`,
  );
  const dw = r.stepsS['detail weight'];
  if (r.detailWeight && dw !== undefined)
    lines.push(
      '',
      `Detail weight: ${f(dw)} s (${f((100 * dw) / r.totalS, 1)} % of the run) to fit alpha ${f(r.detailWeight.alpha, 3)} on the scene's own closed loop (${r.detailWeight.loopPixels} px: SRDA-Net and bicubic on the LST averaged by 2); the main run then mixes bicubic into every stage.`,
    );
  if (r.lastStageStreamed)
    lines.push(
      '',
      `The last stage went to its files band by band as its tiles completed, as \`downscale\` writes it: its write is inside infer and correct, and colourise ${r.colouriseApart ? 'would cover' : 'covers'} the input and the earlier stages only (the app colourises every stage).`,
    );
  if (r.colouriseApart)
    lines.push(
      '',
      `Colourise reads 0: \`downscale\` does not colourise, and this run measures it as it is. The same colourise (the input and stage 1: display grid, statistics, RGBA), timed apart after the run: ${f(r.colouriseApart.s)} s${r.colouriseApart.cpuS !== undefined ? `, ${f(r.colouriseApart.cpuS)} CPU s` : ''}; in the run it would make the overhead ${f(100 * r.colouriseApart.overheadShareWithIt, 1)} %.`,
    );
  lines.push('');
  const mem = [`peak memory ${f(r.peakMemoryMB, 0)} MB`];
  if (r.jsHeapPeakMB !== undefined) mem.push(`JS heap peak ${f(r.jsHeapPeakMB, 0)} MB`);
  if (r.tfPeakMB !== undefined) mem.push(`tfjs peak ${f(r.tfPeakMB, 0)} MB`);
  lines.push(
    mem.join(', ') +
      `; energy conservation max |err| ${r.energyMaxAbsK.map((e) => e.toExponential(1)).join(', ')} K`,
  );
  if (r.baselines.length > 0) {
    lines.push('', '| method | downscale s | time / SRDA-Net |', '| --- | ---: | ---: |');
    lines.push(`| SRDA-Net | ${f(r.stepsS.infer + r.stepsS.correct)} | 1.00 |`);
    for (const b of r.baselines) lines.push(`| ${b.method} | ${f(b.downscaleS)} | ${f(b.ratioToSrda)} |`);
  }
  return lines;
}

/** The markdown table of a results file (bench/results.md, README). */
export function resultsMarkdown(r: BenchResults): string {
  const m = r.machine;
  const lines = [
    `# srda-lst benchmark (${r.mode} mode)`,
    '',
    `${r.createdAt}${r.commit ? `, commit ${r.commit.slice(0, 10)}` : ''}; ${m.cpus} x ${m.cpuModel}, ${f(m.memoryGB, 0)} GB, Node ${m.node}${m.chromium ? `, ${m.chromium}` : ''}.`,
    `Load average at start ${m.loadAverageStart.map((x) => x.toFixed(2)).join(' ')}, at end ${m.loadAverageEnd.map((x) => x.toFixed(2)).join(' ')} (other processes share the cores; see notes).`,
    '',
    '## SRDA-Net stage per coarse tile',
    '',
    '| env | backend | tile (coarse px) | passes | ms / tile | output Mpx/s | forward ms (one pass) | GFLOP/s | stage GFLOP/s | ceiling GFLOP/s | efficiency |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const t of r.tiles) {
    lines.push(
      `| ${t.env} | ${t.backend} | ${t.tilePx} | ${t.passes} | ${f(t.msPerTile, 0)} | ${f(t.mpxPerS, 3)} | ${f(t.forwardMs, 0)} | ${f(t.gflops)} | ${f(t.gflopsStage)} | ${f(t.ceilingGflops)} | ${f(100 * t.efficiency, 0)} % |`,
    );
  }
  if (r.unavailable.length > 0) {
    lines.push(
      '',
      'Not measured: ' + r.unavailable.map((u) => `${u.env} ${u.backend} (${u.reason})`).join('; ') + '.',
    );
  }
  const t0 = r.tiles[0];
  if (t0) {
    lines.push(
      '',
      `ms / tile is the product's default SRDA-Net stage tile: ${t0.passes === 1 ? 'one network pass' : `${t0.passes} network passes (orientations averaged)`}, as a tile worker runs it (its work arrays and output buffers kept from tile to tile). GFLOP/s counts 2 x the convolution MACs (${t0.macsPerCoarsePx} per coarse pixel; box means and element-wise ops not counted) over one forward pass alone; stage GFLOP/s counts them x passes over ms / tile. Ceiling: ${t0.ceiling.layers} plain 3x3 convolutions of ${t0.ceiling.channels} channels (${t0.ceiling.macsPerPx} MACs per pixel) on the same tile.`,
    );
  }
  lines.push('', '## Whole pipeline');
  for (const ft of [r.fullTile, r.fullTileBrowser]) if (ft) lines.push('', ...fullTileTable(ft));
  const tg = r.targets;
  if (tg.met) {
    lines.push(
      '',
      `Targets (wasm, Node): overhead <= ${100 * tg.overheadShareMax} % ${tg.met.overhead ? 'met' : 'NOT met'}; total <= ${tg.totalSMax} s ${tg.met.time ? 'met' : 'NOT met'}; peak <= ${tg.peakMemoryMBMax} MB ${tg.met.memory ? 'met' : 'NOT met'}.`,
    );
  }
  if (r.pydms) {
    const p = r.pydms;
    lines.push(
      '',
      `pyDMS on the same scene, same run: ${f(p.seconds, 1)} s and ${f(p.peakMemoryMB, 0)} MB peak` +
        (p.ratioToSrda !== undefined ? ` (${f(p.ratioToSrda, 1)}x the time and ${f(p.memoryRatioToSrda, 1)}x the memory of srda-lst's Node run)` : '') +
        `. How: ${p.how}.`,
    );
  }
  if (r.notes.length > 0) lines.push('', '## Notes', '', ...r.notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}
