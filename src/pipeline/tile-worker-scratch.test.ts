import { describe, expect, it } from 'vitest';
import type { PixelWindow } from '../core/geo/grid.ts';
import { packRaster } from '../core/raster/pack-raster.ts';
import { readShippedWeights } from '../test-support/data.ts';
import type { StageInput } from './method.ts';
import { testGrid, testRaster, tileChannel } from './test-scenes.ts';
import { connectTileWorker, serveTileWorker } from './tile-worker.ts';
import type { TileRunner } from './tile-pool.ts';

/** A real SRDA-Net tile worker (shipped weights, wasm) on an in-process channel. */
async function srdaWorker(): Promise<TileRunner> {
  const { main, worker } = tileChannel();
  serveTileWorker(worker);
  const { runner } = await connectTileWorker(main, { type: 'init', weights: (await readShippedWeights())!, backend: 'wasm' });
  return runner;
}

/**
 * A tile as the pipeline cuts one: coarse LST (`w` x `h`, 1 km, NaN in `gap`) and its NDVI and DEM
 * at 500 m still packed (int16 codes), a core inside. `seed` varies the fields from tile to tile.
 */
function tile(w: number, h: number, core: PixelWindow, seed: number, gap?: PixelWindow): StageInput {
  const inGap = (c: number, r: number): boolean => !!gap && c >= gap.col && c < gap.col + gap.width && r >= gap.row && r < gap.row + gap.height;
  const coarseLst = testRaster(testGrid(w, h, 1000), (c, r) => (inGap(c, r) ? Number.NaN : 295 + seed + 0.4 * Math.sin((c + seed) / 2.3) * 5 - 0.1 * r));
  const fine = testGrid(2 * w, 2 * h, 500);
  const ndvi = testRaster(fine, (c, r) => Math.fround(Math.round(3000 + 2500 * Math.sin((c + 3 * seed) / 3.1) * Math.cos(r / 4.3)) * 0.0001));
  const dem = testRaster(fine, (c, r) => (c === 3 && r === 5 ? Number.NaN : Math.round(200 + 30 * Math.sin((r + seed) / 5) + c)));
  const packedNdvi = packRaster(ndvi);
  const packedDem = packRaster(dem);
  if (!packedNdvi || !packedDem) throw new Error('test layers do not pack');
  return { coarseLst, fineGrid: fine, fineAux: {}, coarseAux: {}, core, packedFineAux: { ndvi: packedNdvi, dem: packedDem } };
}

const same = (a: Float32Array, b: Float32Array): boolean => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe('a tile worker keeping its work arrays from tile to tile', () => {
  it('gives each tile of a mixed sequence (large, small, edge, gaps) the values a fresh worker gives it', async () => {
    // Large, then small at an edge, large again with a gap, a smaller one with a gap at the corner, then the largest.
    const tiles = [
      { t: tile(48, 40, { col: 12, row: 10, width: 24, height: 20 }, 0), alpha: 0.6 },
      { t: tile(14, 12, { col: 0, row: 0, width: 10, height: 8 }, 1), alpha: 0.6 },
      { t: tile(48, 40, { col: 12, row: 10, width: 24, height: 20 }, 2, { col: 20, row: 14, width: 6, height: 5 }), alpha: 0.3 },
      { t: tile(30, 26, { col: 6, row: 0, width: 24, height: 26 }, 3, { col: 0, row: 0, width: 9, height: 7 }), alpha: 1 },
      { t: tile(52, 44, { col: 14, row: 12, width: 24, height: 20 }, 4), alpha: undefined },
      { t: tile(14, 12, { col: 0, row: 0, width: 10, height: 8 }, 1), alpha: 0.6 },
    ];
    const kept = await srdaWorker();
    const results = [];
    // Each input is sent twice (its packed codes are moved, not copied, by a real channel): one copy each.
    const copy = (t: StageInput): StageInput => ({ ...t, packedFineAux: Object.fromEntries(Object.entries(t.packedFineAux!).map(([k, l]) => [k, { ...l, bands: l.bands.map((b) => b?.slice()) }])) });
    for (const { t, alpha } of tiles) {
      const r = alpha === undefined ? await kept.runTileWithSigma!(copy(t)) : await kept.runTileWeighted!(copy(t), alpha);
      results.push({ lstK: r.lstK.slice(), sigmaK: r.sigmaK.slice() });
      // Handed back, as the pipeline does, so later tiles write into them.
      kept.recycle?.([r.lstK, r.sigmaK]);
    }
    for (let k = 0; k < tiles.length; k++) {
      const { t, alpha } = tiles[k];
      const fresh = await srdaWorker();
      const r = alpha === undefined ? await fresh.runTileWithSigma!(copy(t)) : await fresh.runTileWeighted!(copy(t), alpha);
      await fresh.close();
      const core = t.core!;
      const fw = 2 * t.coarseLst.width;
      let valid = 0;
      for (let y = 2 * core.row; y < 2 * (core.row + core.height); y++) for (let x = 2 * core.col; x < 2 * (core.col + core.width); x++) valid += r.lstK[y * fw + x] === r.lstK[y * fw + x] ? 1 : 0;
      expect(valid).toBeGreaterThan(0);
      expect(same(results[k].lstK, r.lstK), `tile ${k}: LST`).toBe(true);
      expect(same(results[k].sigmaK, r.sigmaK), `tile ${k}: sigma`).toBe(true);
    }
    await kept.close();
  }, 60_000);
});
