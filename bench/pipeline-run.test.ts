import { describe, expect, it } from 'vitest';
import { readGeoTiff } from '../src/io/geotiff-read.ts';
import { bicubicMethod } from '../src/pipeline/baselines/bicubic.ts';
import { runDownscale } from '../src/pipeline/downscale.ts';
import type { StageInput, StageMethod } from '../src/pipeline/method.ts';
import { prepareScene } from '../src/pipeline/prepare.ts';
import { BENCH_FILE_NAMES, makeBenchScene } from './fixtures.ts';
import { timedMethod } from './pipeline-run.ts';

describe('the pipeline benchmark times the method as downscale runs it', () => {
  it('passes on what the runner asks of the method: no coarse guides, the uncertainty', async () => {
    const bench = makeBenchScene(48);
    const read = async (name: string) => (await readGeoTiff(bench.files[name].slice().buffer, name)).bands[0].raster;
    const scene = prepareScene({
      lst: await read(BENCH_FILE_NAMES.lst),
      aux: { ndvi: await read(BENCH_FILE_NAMES.ndvi), dem: await read(BENCH_FILE_NAMES.dem) },
      names: { lst: BENCH_FILE_NAMES.lst, ndvi: BENCH_FILE_NAMES.ndvi, dem: BENCH_FILE_NAMES.dem },
    });
    // Bicubic with a constant uncertainty, that never reads the coarse guides (as SRDA-Net).
    const seen: StageInput[] = [];
    const method: StageMethod = {
      ...bicubicMethod,
      readsCoarseAux: false,
      runStageWithSigma: async (input, o) => {
        seen.push(input);
        const lstK = await bicubicMethod.runStage(input, o);
        return { lstK, sigmaK: new Float32Array(lstK.length).fill(0.5) };
      },
    };
    const acc = { ms: 0 };
    const r = await runDownscale(scene, { method: timedMethod(method, acc, () => undefined), tileCoarsePx: 32 });
    expect(r.stages).toHaveLength(2);
    for (const s of r.stages) {
      expect(s.sigma?.data.length).toBe(s.lst.data.length);
      expect(s.sigma!.data.some((v) => v >= 0.5)).toBe(true);
    }
    expect(seen.length).toBe(r.stages.reduce((n, s) => n + s.tiles, 0));
    expect(seen.every((i) => Object.keys(i.coarseAux).length === 0)).toBe(true);
    expect(acc.ms).toBeGreaterThan(0);
  });
});
