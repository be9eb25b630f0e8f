import { describe, expect, it } from 'vitest';
import { resultsMarkdown, type BenchResults, type FullTileRow } from './report.ts';

const row = (over: Partial<FullTileRow>): FullTileRow => ({
  env: 'node',
  backend: 'wasm',
  peakMemoryMB: 1000,
  srdaSource: 'registry',
  trainedWeights: true,
  lstSize: [1200, 1200],
  outputSize: [4800, 4800],
  stages: 2,
  stepsS: { read: 10, prepare: 2, 'detail weight': 8, infer: 60, correct: 2, colourise: 4, write: 14 },
  totalS: 100,
  overheadShare: 0.32,
  energyMaxAbsK: [1e-5, 1e-5],
  tiles: [25, 100],
  baselines: [],
  ...over,
});
const results = (fullTile: FullTileRow): BenchResults => ({
  schema: 1,
  mode: 'full',
  createdAt: '2026-11-29',
  machine: { cpus: 2, cpuModel: 'test cpu', memoryGB: 8, node: 'v22', loadAverageStart: [1], loadAverageEnd: [1], uptimeStart: '', uptimeEnd: '' },
  tiles: [],
  fullTile,
  unavailable: [],
  targets: { overheadShareMax: 0.15, totalSMax: 20, peakMemoryMBMax: 800 },
  notes: [],
});

describe('resultsMarkdown: the detail weight step', () => {
  it('is its own row and line, with the fitted weight and its share of the run', () => {
    const md = resultsMarkdown(results(row({ detailWeight: { alpha: 0.632, loopPixels: 1_350_560 } })));
    expect(md).toContain('| detail weight | 8.00 | 8.0 % |');
    expect(md).toContain('Detail weight: 8.00 s (8.0 % of the run) to fit alpha 0.632');
    expect(md).toContain('(1350560 px:');
    expect(md).toContain('overhead (all but infer and detail weight) 32.0 %');
  });

  it('has no weight line when none was fitted (another method, or results from before the step)', () => {
    const older = Object.fromEntries(Object.entries(row({}).stepsS).filter(([k]) => k !== 'detail weight')) as FullTileRow['stepsS'];
    const md = resultsMarkdown(results(row({ stepsS: older })));
    expect(md).not.toContain('detail weight |');
    expect(md).not.toContain('Detail weight:');
  });
});

describe('resultsMarkdown: a streamed last stage', () => {
  it('says when the last stage was streamed to its files, and only then', () => {
    expect(resultsMarkdown(results(row({ lastStageStreamed: true })))).toContain('The last stage went to its files band by band');
    expect(resultsMarkdown(results(row({})))).not.toContain('band by band');
  });
});

describe('resultsMarkdown: colourise measured apart', () => {
  it('says the step reads 0 because downscale does not colourise, with its cost and the overhead had it been in the run', () => {
    const apart = { s: 0.89, cpuS: 1.19, pixels: 1e6, overheadShareWithIt: 0.174 };
    const md = resultsMarkdown(results(row({ stepsS: { ...row({}).stepsS, colourise: 0 }, colouriseApart: apart })));
    expect(md).toContain('| colourise | 0.00 |');
    expect(md).toContain('Colourise reads 0: `downscale` does not colourise');
    expect(md).toContain('timed apart after the run: 0.89 s, 1.19 CPU s; in the run it would make the overhead 17.4 %.');
    expect(resultsMarkdown(results(row({})))).not.toContain('timed apart');
  });
});

describe('resultsMarkdown: the SRDA-Net tile table', () => {
  it('says how many network passes each tile took, with the forward pass and the stage GFLOP/s (MACs x passes) apart', () => {
    const tile: BenchResults['tiles'][number] = {
      env: 'node',
      backend: 'wasm',
      tilePx: 256,
      passes: 2,
      msPerTile: 417,
      forwardMs: 180,
      mpxPerS: 0.629,
      gflops: 10,
      gflopsStage: 8.63,
      ceilingMs: 150,
      ceilingGflops: 12,
      efficiency: 0.833,
      macsPerCoarsePx: 13_700,
      ceiling: { layers: 4, channels: 20, macsPerPx: 14_400 },
      reps: 3,
      leakedTensors: 0,
      trainedWeights: true,
    };
    const md = resultsMarkdown({ ...results(row({})), tiles: [tile] });
    expect(md).toContain('| env | backend | tile (coarse px) | passes | ms / tile | output Mpx/s | forward ms (one pass) | GFLOP/s | stage GFLOP/s |');
    expect(md).toContain('| node | wasm | 256 | 2 | 417 |');
    expect(md).toContain("ms / tile is the product's default SRDA-Net stage tile: 2 network passes (orientations averaged), as a tile worker runs it (its work arrays and output buffers kept from tile to tile).");
    expect(resultsMarkdown({ ...results(row({})), tiles: [{ ...tile, passes: 1 }] })).toContain("ms / tile is the product's default SRDA-Net stage tile: one network pass, as a tile worker runs it (its work arrays and output buffers kept from tile to tile). GFLOP/s");
    expect(md).toContain('stage GFLOP/s counts them x passes over ms / tile');
  });
});
