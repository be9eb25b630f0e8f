import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import { aggregateMean } from '../core/raster/aggregate.ts';
import { equalTileSize, runDownscale } from './downscale.ts';
import type { MethodId, StageMethod } from './method.ts';
import { bicubicMethod } from './baselines/bicubic.ts';
import { prepareScene } from './prepare.ts';
import { synthScene } from './test-scenes.ts';
import { maxAbsDifference } from '../core/raster/metrics.ts';
import { layerBytes, unpackRaster } from '../core/raster/packed.ts';
import { packRaster } from '../core/raster/pack-raster.ts';

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function scene(width = 128, height = 96) {
  const { ndvi, lst } = synthScene(width, height, 250);
  const coarse = aggregateMean(lst, 4);
  // Holes: a cloud and one dead coarse row, so tiles meet NaN edges.
  for (let r = 5; r < 12; r++) for (let c = 8; c < 15; c++) coarse.data[r * coarse.width + c] = Number.NaN;
  for (let c = 0; c < coarse.width; c++) coarse.data[17 * coarse.width + c] = Number.NaN;
  return { scene: prepareScene({ lst: coarse, aux: { ndvi } }), fineLst: lst };
}

describe('runDownscale', () => {
  it.each<MethodId>(['bicubic', 'tsharp', 'dms'])(
    'gives the same result tiled and untiled (%s)',
    async (method) => {
      const { scene: s } = scene();
      const whole = await runDownscale(s, { method, tileCoarsePx: 1024 });
      const tiled = await runDownscale(s, { method, tileCoarsePx: 8 });
      expect(tiled.stages[0].tiles).toBeGreaterThan(4);
      for (let k = 0; k < 2; k++)
        expect(maxAbsDifference(whole.stages[k].lst.data, tiled.stages[k].lst.data)).toBeLessThan(1e-4);
    },
  );

  it('cuts stages into as few tiles as the tile size allows, of equal size', () => {
    expect(equalTileSize(2400, 2400, 256)).toBe(240); // 10 tiles, not 9 x 256 + 96
    expect(equalTileSize(1200, 1200, 256)).toBe(240); // 5, not 4 x 256 + 176
    expect(equalTileSize(2400, 2400, 274)).toBe(267); // 9
    expect(equalTileSize(200, 100, 256)).toBe(200); // one tile
    expect(equalTileSize(1000, 300, 256)).toBe(250);
    for (const [w, t] of [[2400, 256], [777, 64], [96, 20], [5, 8]]) {
      const s = equalTileSize(w, w, t);
      expect(s).toBeLessThanOrEqual(t);
      expect(Math.ceil(w / s)).toBe(Math.ceil(w / t));
    }
  });

  it('conserves energy per stage after linear correction and keeps NaN under invalid coarse pixels', async () => {
    const { scene: s } = scene();
    const r = await runDownscale(s, { method: 'tsharp' });
    expect(r.stages).toHaveLength(2);
    for (const st of r.stages) {
      expect(st.energy.maxAbsK).toBeLessThan(1e-3);
      expect(st.energy.blocks).toBeGreaterThan(100);
    }
    const out = r.stages[0].lst;
    expect(out.width).toBe(64);
    expect(Number.isNaN(out.data[2 * 6 * out.width + 2 * 9])).toBe(true);
    expect(Number.isNaN(out.data[(2 * 17 + 1) * out.width + 5])).toBe(true);
  });

  it('conserves mean T^4 in radiance mode', async () => {
    const { scene: s } = scene();
    const r = await runDownscale(s, { method: 'bicubic', residualMode: 'radiance', stages: 1 });
    const out = r.stages[0].lst;
    const cw = s.lst.width;
    let worst = 0;
    for (let i = 0; i < s.lst.data.length; i++) {
      const t = s.lst.data[i];
      if (Number.isNaN(t)) continue;
      const r0 = 2 * Math.floor(i / cw);
      const c0 = 2 * (i % cw);
      let m4 = 0;
      for (const [dr, dc] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ])
        m4 += out.data[(r0 + dr) * out.width + c0 + dc] ** 4 / 4;
      worst = Math.max(worst, Math.abs(Math.pow(m4, 0.25) - t));
    }
    expect(worst).toBeLessThan(1e-3);
  });

  it('recovers the fine field of a strongly NDVI-driven scene better with TsHARP than with bicubic', async () => {
    const { scene: s, fineLst } = scene();
    const rmse = async (m: MethodId) => {
      const out = (await runDownscale(s, { method: m })).stages[1].lst.data;
      let se = 0;
      let n = 0;
      for (let i = 0; i < out.length; i++)
        if (!Number.isNaN(out[i])) {
          se += (out[i] - fineLst.data[i]) ** 2;
          n++;
        }
      return Math.sqrt(se / n);
    };
    const [b, t] = [await rmse('bicubic'), await rmse('tsharp')];
    expect(t).toBeLessThan(0.5 * b);
  });

  it('hands tiles the coarse guides only when the method reads them', async () => {
    const { scene: s } = scene();
    const seen: { reads: boolean; coarse: string[]; fine: string[] }[] = [];
    const probe = (reads: boolean): StageMethod => ({
      id: 'bicubic',
      label: 'probe',
      usesAux: ['ndvi'],
      haloCoarsePx: 2,
      ...(reads ? {} : { readsCoarseAux: false }),
      runStage: (input) => {
        seen.push({ reads, coarse: Object.keys(input.coarseAux), fine: Object.keys(input.fineAux) });
        return bicubicMethod.runStage(input);
      },
    });
    const a = await runDownscale(s, { method: probe(true), tileCoarsePx: 8 });
    const b = await runDownscale(s, { method: probe(false), tileCoarsePx: 8 });
    expect(seen.filter((t) => t.reads).every((t) => t.coarse.includes('ndvi') && t.fine.includes('ndvi'))).toBe(true);
    expect(seen.filter((t) => !t.reads).every((t) => t.coarse.length === 0 && t.fine.includes('ndvi'))).toBe(true);
    expect(seen.filter((t) => !t.reads).length).toBeGreaterThan(4);
    for (let k = 0; k < 2; k++) expect(maxAbsDifference(a.stages[k].lst.data, b.stages[k].lst.data)).toBe(0);
  });

  it('releases the guides and calls back once the last stage has asked for every tile, with the same result', async () => {
    const kept = await runDownscale(scene().scene, { method: 'tsharp', tileCoarsePx: 8 });
    const { scene: s } = scene();
    const asked: number[] = [];
    let tilesAsked = 0;
    const counting: StageMethod = {
      ...bicubicMethod,
      runStage: (i, o) => {
        tilesAsked++;
        return bicubicMethod.runStage(i, o);
      },
    };
    const released: string[][] = [];
    const r = await runDownscale(s, {
      method: counting,
      tileCoarsePx: 8,
      releaseAux: true,
      onAuxReleased: () => released.push(s.levels.flatMap((l) => Object.keys(l.aux))),
      onLastTilesAsked: () => asked.push(tilesAsked),
    });
    const stage1Tiles = r.stages[0].tiles - r.stages[0].skippedTiles;
    const stage2Tiles = r.stages[1].tiles - r.stages[1].skippedTiles;
    // Once, after the last stage's last tile was asked, with every level's guides gone.
    expect(asked).toEqual([stage1Tiles + stage2Tiles]);
    expect(released).toEqual([[]]);
    expect(s.levels.every((l) => Object.keys(l.aux).length === 0)).toBe(true);
    // TsHARP reads the guides in every tile: released only after the last one is cut, it gives the same stages.
    const t = scene().scene;
    const tsharp = await runDownscale(t, { method: 'tsharp', tileCoarsePx: 8, releaseAux: true });
    for (let k = 0; k < 2; k++) expect(maxAbsDifference(kept.stages[k].lst.data, tsharp.stages[k].lst.data)).toBe(0);
    expect(Object.keys(t.levels[2].aux)).toEqual([]);
  });

  it('lets the packed guide rows of the last stage go as its tiles pass them, with the same stages bit for bit', async () => {
    // The 250 m guides in bands of 3 rows (the default band is ~2 MiB: one band for this scene),
    // packed as MODIS NDVI is (DN x 1e-4), the coarser levels derived from them.
    const banded = () => {
      const { scene: s } = scene();
      const fine = s.levels[2].aux.ndvi!;
      const dn = unpackRaster(fine);
      const data = dn.data.map((v) => (v === v ? Math.fround(Math.round(v * 1e4) * 1e-4) : v));
      const p = packRaster({ ...dn, data }, 3)!;
      for (const l of s.levels) {
        const a = l.aux.ndvi;
        if (a && 'from' in a) l.aux.ndvi = { ...a, from: p };
      }
      s.levels[2].aux.ndvi = p;
      return { s, p };
    };
    // A method that reads the fine and the coarse guides of every tile (the coarse ones derived from
    // the packed layer), recording what it read and what the scene still holds when it is asked.
    const probe = (p: { bands: unknown[] }, reads: number[][], held: number[]): StageMethod => ({
      ...bicubicMethod,
      usesAux: ['ndvi'],
      runStage: (i, o) => {
        // Stage 2's tiles: on the 250 m grid.
        if (i.fineGrid.transform[1] < 300) held.push(layerBytes(p as Parameters<typeof layerBytes>[0]));
        reads.push([i.fineAux.ndvi, i.coarseAux.ndvi].flatMap((l) => (l ? bits(l.data) : [-1])));
        return bicubicMethod.runStage(i, o);
      },
    });
    const keptRun = banded();
    expect(keptRun.p.bands.length).toBeGreaterThan(10);
    const keptReads: number[][] = [];
    const kept = await runDownscale(keptRun.s, { method: probe(keptRun.p, keptReads, []), tileCoarsePx: 8 });
    expect(keptRun.p.bands.every((b) => b !== undefined)).toBe(true);
    const { s, p } = banded();
    const whole = layerBytes(p);
    const reads: number[][] = [];
    const held: number[] = [];
    const r = await runDownscale(s, { method: probe(p, reads, held), tileCoarsePx: 8, releaseAux: true });
    expect(reads).toEqual(keptReads);
    for (let k = 0; k < 2; k++) expect(bits(r.stages[k].lst.data)).toEqual(bits(kept.stages[k].lst.data));
    // Stage 2 (6 rows of tiles on its 64 x 48 coarse grid): whole for the first row, less with each row passed, nothing left after the run.
    expect(held.length).toBeGreaterThan(4);
    expect(held[0]).toBe(whole);
    expect(held.every((b, i) => i === 0 || b <= held[i - 1])).toBe(true);
    expect(held[held.length - 1]).toBeLessThan(whole / 2);
    expect(layerBytes(p)).toBe(0);
  });

  it('keeps the guides when not asked to release them', async () => {
    const { scene: s } = scene();
    await runDownscale(s, { method: 'bicubic', tileCoarsePx: 8, onLastTilesAsked: () => undefined });
    expect(s.levels.every((l) => Object.keys(l.aux).includes('ndvi'))).toBe(true);
  });

  it('reports progress per tile and skips tiles without valid LST', async () => {
    const { scene: s } = scene();
    for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) s.lst.data[r * s.lst.width + c] = Number.NaN;
    const seen: Progress[] = [];
    const r = await runDownscale(
      s,
      { method: 'bicubic', tileCoarsePx: 8 },
      { onProgress: (p) => seen.push(p) },
    );
    expect(r.stages[0].skippedTiles).toBe(1);
    expect(seen.some((p) => p.stage === 'stage 1' && p.done === p.total)).toBe(true);
    expect(seen.some((p) => p.stage === 'stage 2')).toBe(true);
  });

  it('stops with CANCELLED when the signal fires', async () => {
    const { scene: s } = scene();
    const ac = new AbortController();
    const run = runDownscale(
      s,
      { method: 'bicubic', tileCoarsePx: 8 },
      { signal: ac.signal, onProgress: () => ac.abort() },
    );
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(runDownscale(s, { method: 'nope' as MethodId })).rejects.toBeInstanceOf(AppError);
  });
});
