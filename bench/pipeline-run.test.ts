import { describe, expect, it } from 'vitest';
import { readGeoTiff } from '../src/io/geotiff-read.ts';
import { bicubicMethod } from '../src/pipeline/baselines/bicubic.ts';
import { runDownscale } from '../src/pipeline/downscale.ts';
import type { StageInput, StageMethod } from '../src/pipeline/method.ts';
import { prepareScene } from '../src/pipeline/prepare.ts';
import { BENCH_FILE_NAMES, makeBenchScene } from './fixtures.ts';
import { toDisplay } from '../src/worker/display.ts';
import { poolLayerMaker, serveLayers, type LayerPort } from '../src/worker/layer-pool.ts';
import { benchPipeline, timedMethod } from './pipeline-run.ts';

/** Bicubic with a constant uncertainty, that never reads the coarse guides (as SRDA-Net). */
function bicubicWithSigma(seen: StageInput[] = []): StageMethod {
  return {
    ...bicubicMethod,
    readsCoarseAux: false,
    runStageWithSigma: async (input, o) => {
      seen.push(input);
      const lstK = await bicubicMethod.runStage(input, o);
      return { lstK, sigmaK: new Float32Array(lstK.length).fill(0.5) };
    },
  };
}

describe('the pipeline benchmark colourises and writes', () => {
  it('colourises on this thread and writes every stage file', async () => {
    const bench = makeBenchScene(48);
    const written: string[] = [];
    const t = await benchPipeline({
      io: {
        readFile: async (name) => bench.files[name].slice().buffer,
        writeFile: async (name) => void written.push(name),
      },
      method: bicubicWithSigma(),
      tileCoarsePx: 32,
    });
    expect(written.sort()).toEqual(['lst_stage1.tif', 'lst_stage1_sigma.tif', 'lst_stage2.tif', 'lst_stage2_sigma.tif']);
    expect(t.stages).toBe(2);
  }, 30_000);

  it("with the app's layer maker, makes the input's and every stage's layer on it and ends it", async () => {
    const bench = makeBenchScene(48);
    const sizes: number[] = [];
    let closed = 0;
    const t = await benchPipeline({
      io: { readFile: async (name) => bench.files[name].slice().buffer, writeFile: async () => undefined },
      method: bicubicWithSigma(),
      tileCoarsePx: 32,
      startLayerMaker: () => {
        const { port1, port2 } = new MessageChannel();
        const port = (p: MessagePort): LayerPort => ({
          postMessage: (msg, transfer) => p.postMessage(msg, transfer),
          onMessage: (h) => {
            p.addEventListener('message', (e) => h((e as MessageEvent).data));
            p.start();
          },
          terminate: () => p.close(),
        });
        serveLayers(port(port2));
        const maker = poolLayerMaker(() => port(port1), 1);
        return {
          make: (r, name) => {
            sizes.push(r.width);
            return maker.make(r, name);
          },
          get workers() {
            return maker.workers;
          },
          close: () => {
            closed++;
            maker.close();
          },
        };
      },
    });
    expect(sizes).toEqual([48, 96, 192]);
    expect(closed).toBe(1);
    expect(t.stepsS.colourise).toBeGreaterThan(0);
  }, 30_000);
});

describe('the pipeline benchmark times the method as downscale runs it', () => {
  it('passes on what the runner asks of the method: no coarse guides, the uncertainty', async () => {
    const bench = makeBenchScene(48);
    const read = async (name: string) => (await readGeoTiff(bench.files[name].slice().buffer, name)).bands[0].raster;
    const scene = prepareScene({
      lst: await read(BENCH_FILE_NAMES.lst),
      aux: { ndvi: await read(BENCH_FILE_NAMES.ndvi), dem: await read(BENCH_FILE_NAMES.dem) },
      names: { lst: BENCH_FILE_NAMES.lst, ndvi: BENCH_FILE_NAMES.ndvi, dem: BENCH_FILE_NAMES.dem },
    });
    const seen: StageInput[] = [];
    const method = bicubicWithSigma(seen);
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

  it('with colouriseApart, leaves colourise out of the run (0 s) and colourises the input and every whole stage after it', async () => {
    const bench = makeBenchScene(48);
    const written: string[] = [];
    const io = {
      readFile: async (name: string) => bench.files[name].slice().buffer,
      writeFile: async (name: string) => void written.push(name),
    };
    const t = await benchPipeline({ io, method: bicubicMethod, tileCoarsePx: 32, colouriseApart: true });
    expect(t.stepsS.colourise).toBe(0);
    // The display grids of the LST and of both stages (none streamed here), as colourise in the run makes them.
    const scene = prepareScene({
      lst: (await readGeoTiff(bench.files[BENCH_FILE_NAMES.lst].slice().buffer, BENCH_FILE_NAMES.lst)).bands[0].raster,
      aux: {},
    });
    const px = scene.levels.slice(0, 3).reduce((n, l) => {
      const d = toDisplay({ ...l.grid, data: new Float32Array(l.grid.width * l.grid.height) });
      return n + d.width * d.height;
    }, 0);
    expect(t.colouriseApart?.pixels).toBe(px);
    expect(t.colouriseApart!.overheadShareWithIt).toBeGreaterThan(t.overheadShare);
    expect(written.sort()).toEqual(['lst_stage1.tif', 'lst_stage2.tif']);
    const inRun = await benchPipeline({ io, method: bicubicMethod, tileCoarsePx: 32 });
    expect(inRun.colouriseApart).toBeUndefined();
    expect(inRun.stepsS.colourise).toBeGreaterThan(0);
  });
});
