import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import {
  generateScene,
  generateSceneAsync,
  LC,
  randomSceneOptions,
  SCENE_STAGES,
  SCENE_TYPES,
  sceneRaster,
  type SyntheticScene,
} from './scene.ts';
import { degradeArray } from '../raster/aggregate.ts';
import { isForestClass } from './landcover.ts';

const LAYERS = [
  'lstK',
  'dem',
  'ndvi',
  'ndwi',
  'albedo',
  'red',
  'nir',
  'swir',
  'landcover',
  'moisture',
  'cosIncidence',
] as const;
const IGBP = new Set<number>(Object.values(LC));

function meanOf(a: Float32Array, keep: (i: number) => boolean): { mean: number; n: number } {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (keep(i) && !Number.isNaN(a[i])) {
      s += a[i];
      n++;
    }
  }
  return { mean: s / n, n };
}

function pearson(x: Float32Array, y: Float32Array, keep: (i: number) => boolean): number {
  let sx = 0,
    sy = 0,
    sxx = 0,
    syy = 0,
    sxy = 0,
    n = 0;
  for (let i = 0; i < x.length; i++) {
    if (!keep(i)) continue;
    sx += x[i];
    sy += y[i];
    sxx += x[i] * x[i];
    syy += y[i] * y[i];
    sxy += x[i] * y[i];
    n++;
  }
  const cov = sxy / n - (sx / n) * (sy / n);
  return cov / Math.sqrt((sxx / n - (sx / n) ** 2) * (syy / n - (sy / n) ** 2));
}

/** Least squares y ~ b0 + sum b_k x_k via normal equations (Gaussian elimination). */
function regress(xs: number[][], y: number[]): number[] {
  const p = xs[0].length + 1;
  const a = Array.from({ length: p }, () => new Array<number>(p + 1).fill(0));
  for (let r = 0; r < y.length; r++) {
    const row = [1, ...xs[r]];
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) a[i][j] += row[i] * row[j];
      a[i][p] += row[i] * y[r];
    }
  }
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
    [a[c], a[piv]] = [a[piv], a[c]];
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      for (let k = c; k <= p; k++) a[r][k] -= f * a[c][k];
    }
  }
  return a.map((row, i) => row[p] / a[i][i]);
}

/** Std of LST minus its 5x5 mean, over pixels whose whole 5x5 window satisfies `keep`. */
function localTextureStd(s: SyntheticScene, keep: (i: number) => boolean): number {
  const { width: w, height: h } = s;
  let s2 = 0;
  let n = 0;
  for (let y = 2; y < h - 2; y++) {
    for (let x = 2; x < w - 2; x++) {
      let all = true;
      let m = 0;
      for (let dy = -2; dy <= 2 && all; dy++)
        for (let dx = -2; dx <= 2; dx++) {
          const j = (y + dy) * w + x + dx;
          if (!keep(j)) {
            all = false;
            break;
          }
          m += s.lstK[j];
        }
      if (!all) continue;
      const d = s.lstK[y * w + x] - m / 25;
      s2 += d * d;
      n++;
    }
  }
  expect(n).toBeGreaterThan(50);
  return Math.sqrt(s2 / n);
}

describe('generateScene', () => {
  it('returns bit-identical layers for the same seed and different ones for another seed', () => {
    const o = {
      seed: 11,
      width: 96,
      height: 80,
      pixelSizeM: 250,
      sceneType: 'mixed' as const,
      haze: 0.5,
      cloudFraction: 0.1,
    };
    const a = generateScene(o);
    const b = generateScene(o);
    const c = generateScene({ ...o, seed: 12 });
    for (const k of LAYERS) {
      expect(a[k].length).toBe(96 * 80);
      expect(b[k]).toEqual(a[k]);
      expect(c[k]).not.toEqual(a[k]);
    }
    expect(b.cloudMask).toEqual(a.cloudMask);
    expect(b.params).toEqual(a.params);
  });

  it.each(
    SCENE_TYPES.flatMap(
      (t) =>
        [
          [t, 'day'],
          [t, 'night'],
        ] as const,
    ),
  )('keeps every layer in its physical range (%s, %s)', (sceneType, timeOfDay) => {
    const s = generateScene({
      seed: 5,
      width: 128,
      height: 128,
      pixelSizeM: 250,
      sceneType,
      timeOfDay,
      haze: 0.6,
    });
    const ta = s.params.airTempK;
    const range = (a: Float32Array): [number, number] => {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of a) {
        if (!(v >= lo)) lo = v;
        if (!(v <= hi)) hi = v;
      }
      return [lo, hi];
    };
    const within = (a: Float32Array, lo: number, hi: number): void => {
      const [mn, mx] = range(a);
      expect(mn).toBeGreaterThanOrEqual(lo);
      expect(mx).toBeLessThanOrEqual(hi);
    };
    within(s.lstK, Math.max(220, ta - 45), Math.min(350, ta + 45));
    within(s.ndvi, -1, 1);
    within(s.ndwi, -1, 1);
    within(s.albedo, 0, 1);
    for (const band of [s.red, s.nir, s.swir]) within(band, 0, 1.06);
    within(s.moisture, 0, 1);
    within(s.dem, -500, 9000);
    for (const c of new Set(s.landcover)) expect(IGBP.has(c)).toBe(true);
    // Diverse enough to learn from: LST varies by more than 1 K over the scene.
    const [lo, hi] = range(s.lstK);
    expect(hi - lo).toBeGreaterThan(1);
  });

  it('gives back the NDVI and NDWI layers from the red/NIR/SWIR bands to 1e-4, with and without haze', () => {
    for (const haze of [0, 1]) {
      const s = generateScene({
        seed: 3,
        width: 128,
        height: 128,
        pixelSizeM: 120,
        sceneType: 'agricultural',
        haze,
      });
      let worst = 0;
      for (let i = 0; i < s.ndvi.length; i++) {
        worst = Math.max(worst, Math.abs((s.nir[i] - s.red[i]) / (s.nir[i] + s.red[i]) - s.ndvi[i]));
        worst = Math.max(worst, Math.abs((s.nir[i] - s.swir[i]) / (s.nir[i] + s.swir[i]) - s.ndwi[i]));
      }
      expect(worst).toBeLessThan(1e-4);
    }
  });

  it('cools LST with elevation at the lapse rate within forest (regression controlling for the other drivers)', () => {
    for (const lapse of [-6.5, -9.8]) {
      const s = generateScene({
        seed: 21,
        width: 256,
        height: 256,
        pixelSizeM: 250,
        sceneType: 'mountain',
        timeOfDay: 'day',
        lapseRateKPerKm: lapse,
        residualFraction: 0,
      });
      const xs: number[][] = [];
      const y: number[] = [];
      for (let i = 0; i < s.lstK.length; i++) {
        if (!isForestClass(s.landcover[i])) continue;
        xs.push([s.dem[i] / 1000, s.cosIncidence[i], s.moisture[i], s.ndvi[i], s.albedo[i]]);
        y.push(s.lstK[i]);
      }
      expect(y.length).toBeGreaterThan(2000);
      // The surface-energy terms are nonlinear (products of albedo, EF and illumination), so a
      // linear control leaves ~0.7 K/km of bias; the tolerance allows that, not a unit error.
      expect(Math.abs(regress(xs, y)[1] - lapse)).toBeLessThan(1);
    }
  });

  it('changes nothing but the elevation term when only the lapse rate changes', () => {
    const base = {
      seed: 22,
      width: 128,
      height: 128,
      pixelSizeM: 250,
      sceneType: 'mountain' as const,
      residualFraction: 0,
    };
    const a = generateScene({ ...base, lapseRateKPerKm: -5 });
    const b = generateScene({ ...base, lapseRateKPerKm: -8 });
    expect(b.ndvi).toEqual(a.ndvi);
    const xs: number[][] = [];
    const dy: number[] = [];
    for (let i = 0; i < a.lstK.length; i++) {
      // Daytime snow is capped at 0 degC, so it is left out.
      if (a.landcover[i] === LC.SNOW) continue;
      xs.push([a.dem[i] / 1000]);
      dy.push(b.lstK[i] - a.lstK[i]);
    }
    const fit = regress(xs, dy);
    expect(fit[1]).toBeCloseTo(-3, 3);
    let worst = 0;
    for (let i = 0; i < dy.length; i++) worst = Math.max(worst, Math.abs(fit[0] + fit[1] * xs[i][0] - dy[i]));
    expect(worst).toBeLessThan(1e-3);
  });

  it('makes sunward slopes warmer than shaded ones by day but not at night', () => {
    for (const timeOfDay of ['day', 'night'] as const) {
      const s = generateScene({
        seed: 8,
        width: 192,
        height: 192,
        pixelSizeM: 250,
        sceneType: 'mountain',
        timeOfDay,
        sunElevationDeg: 35,
      });
      const r = pearson(s.cosIncidence, s.lstK, (i) => isForestClass(s.landcover[i]));
      if (timeOfDay === 'day') expect(r).toBeGreaterThan(0.2);
      else expect(Math.abs(r)).toBeLessThan(0.2);
    }
  });

  it('gives water less local LST texture than land', () => {
    const s = generateScene({
      seed: 4,
      width: 192,
      height: 192,
      pixelSizeM: 250,
      sceneType: 'coastal',
      timeOfDay: 'day',
    });
    const water = localTextureStd(s, (i) => s.landcover[i] === LC.WATER);
    const land = localTextureStd(s, (i) => s.landcover[i] !== LC.WATER);
    expect(water).toBeLessThan(0.5 * land);
  });

  it('keeps urban warmer than cropland on average, day and night', () => {
    for (const timeOfDay of ['day', 'night'] as const) {
      const s = generateScene({
        seed: 6,
        width: 192,
        height: 192,
        pixelSizeM: 250,
        sceneType: 'urban',
        timeOfDay,
      });
      const urban = meanOf(s.lstK, (i) => s.landcover[i] === LC.URBAN);
      const crop = meanOf(s.lstK, (i) => s.landcover[i] === LC.CROPLAND);
      expect(urban.n).toBeGreaterThan(500);
      expect(crop.n).toBeGreaterThan(500);
      expect(urban.mean - crop.mean).toBeGreaterThan(1);
    }
  });

  it('correlates fine LST negatively with NDVI over land in daytime agricultural scenes', () => {
    for (const seed of [1, 2, 3]) {
      const s = generateScene({
        seed,
        width: 160,
        height: 160,
        pixelSizeM: 250,
        sceneType: 'agricultural',
        timeOfDay: 'day',
        haze: 0,
      });
      expect(pearson(s.ndvi, s.lstK, (i) => s.landcover[i] !== LC.WATER)).toBeLessThan(-0.3);
    }
  });

  it('produces a regime where the coarse LST-NDVI slope has the opposite sign to the within-pixel one (cold water)', () => {
    const s = generateScene({
      seed: 4,
      width: 256,
      height: 256,
      pixelSizeM: 250,
      sceneType: 'coastal',
      timeOfDay: 'day',
    });
    const f = 4;
    const cl = degradeArray(s.lstK, s.width, s.height, f).data;
    const cn = degradeArray(s.ndvi, s.width, s.height, f).data;
    const slope = (xs: number[], ys: number[]): number =>
      regress(
        xs.map((x) => [x]),
        ys,
      )[1];
    const coarse = slope(Array.from(cn), Array.from(cl));
    const fx: number[] = [];
    const fy: number[] = [];
    const cw = s.width / f;
    for (let y = 0; y < s.height; y++) {
      for (let x = 0; x < s.width; x++) {
        const c = Math.floor(y / f) * cw + Math.floor(x / f);
        fx.push(s.ndvi[y * s.width + x] - cn[c]);
        fy.push(s.lstK[y * s.width + x] - cl[c]);
      }
    }
    expect(coarse).toBeGreaterThan(2);
    expect(slope(fx, fy)).toBeLessThan(-2);
  });

  it('mixes crop fields inside pixels coarser than a field (less field-to-field NDVI contrast at 1 km)', () => {
    const cropStd = (pixelSizeM: number): number => {
      const s = generateScene({
        seed: 9,
        width: 160,
        height: 160,
        pixelSizeM,
        sceneType: 'agricultural',
        fieldSizeM: 600,
      });
      const crop = (i: number): boolean => s.landcover[i] === LC.CROPLAND;
      const m = meanOf(s.ndvi, crop);
      expect(m.n).toBeGreaterThan(2000);
      return Math.sqrt(
        meanOf(
          s.ndvi.map((v) => (v - m.mean) ** 2),
          crop,
        ).mean,
      );
    };
    expect(cropStd(1000)).toBeLessThan(0.75 * cropStd(120));
  });

  it('puts the requested share of land LST variance into the unexplained residual', () => {
    const base = {
      seed: 13,
      width: 160,
      height: 160,
      pixelSizeM: 250,
      sceneType: 'mixed' as const,
      timeOfDay: 'day' as const,
    };
    const clean = generateScene({ ...base, residualFraction: 0 });
    for (const f of [0.1, 0.4]) {
      const noisy = generateScene({ ...base, residualFraction: f });
      const diff = new Float32Array(clean.lstK.length);
      for (let i = 0; i < diff.length; i++) diff[i] = noisy.lstK[i] - clean.lstK[i];
      const land = (i: number): boolean => clean.landcover[i] !== LC.WATER;
      const v = (a: Float32Array): number => {
        const m = meanOf(a, land).mean;
        return meanOf(
          a.map((x) => (x - m) ** 2),
          land,
        ).mean;
      };
      expect(v(diff) / v(noisy.lstK)).toBeGreaterThan(f - 0.08);
      expect(v(diff) / v(noisy.lstK)).toBeLessThan(f + 0.08);
      expect(noisy.residualShare).toBeCloseTo(f, 1);
    }
    expect(clean.residualStdK).toBe(0);
  });

  it('masks clouds and, on request, the sea with NaN LST', () => {
    const s = generateScene({
      seed: 2,
      width: 128,
      height: 128,
      pixelSizeM: 250,
      sceneType: 'coastal',
      cloudFraction: 0.25,
      maskOcean: true,
    });
    let cloud = 0;
    for (let i = 0; i < s.lstK.length; i++) {
      if (s.cloudMask![i] === 1) {
        cloud++;
        expect(Number.isNaN(s.lstK[i])).toBe(true);
      } else if (!Number.isNaN(s.lstK[i])) {
        expect(s.landcover[i] === LC.WATER && s.dem[i] === 0).toBe(false);
      }
      expect(Number.isNaN(s.ndvi[i])).toBe(false);
    }
    expect(cloud / s.lstK.length).toBeGreaterThan(0.2);
    expect(cloud / s.lstK.length).toBeLessThan(0.3);
  });

  it('rejects bad requests with BAD_ARGUMENT', () => {
    expect(() => generateScene({ seed: 1, width: 4, height: 64, pixelSizeM: 250 })).toThrow(AppError);
    expect(() => generateScene({ seed: 1, width: 64, height: 64, pixelSizeM: 0 })).toThrow(/pixelSizeM/);
    expect(() => generateScene({ seed: 1, width: 64, height: 64, pixelSizeM: 250, airTempK: 400 })).toThrow(
      /airTempK/,
    );
  });

  it('wraps a layer as a georeferenced Raster sharing the array', () => {
    const s = generateScene({ seed: 1, width: 32, height: 16, pixelSizeM: 250 });
    const r = sceneRaster(s, 'ndvi');
    expect(r.data).toBe(s.ndvi);
    expect(r.width).toBe(32);
    expect(r.transform[1]).toBe(250);
    expect(r.transform[5]).toBe(-250);
  });
});

describe('generateSceneAsync', () => {
  it('reports every stage and returns the same scene as the synchronous call', async () => {
    const o = { seed: 31, width: 64, height: 64, pixelSizeM: 250 };
    const stages: string[] = [];
    const s = await generateSceneAsync(o, { onProgress: (p) => stages.push(p.detail ?? '') });
    expect(stages).toEqual([...SCENE_STAGES]);
    expect(s.lstK).toEqual(generateScene(o).lstK);
  });

  it('stops with CANCELLED when the signal fires between stages', async () => {
    const ac = new AbortController();
    const run = generateSceneAsync(
      { seed: 1, width: 64, height: 64, pixelSizeM: 250 },
      { signal: ac.signal, onProgress: (p) => p.done === 2 && ac.abort() },
    );
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('randomSceneOptions', () => {
  it('is deterministic and covers the scene types and both times of day', () => {
    expect(randomSceneOptions(5)).toEqual(randomSceneOptions(5));
    const types = new Set<string>();
    const times = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const o = randomSceneOptions(seed, { width: 64, height: 64, pixelSizeM: 500 });
      types.add(o.sceneType!);
      times.add(o.timeOfDay!);
      expect(o.width).toBe(64);
    }
    expect(types.size).toBe(SCENE_TYPES.length);
    expect(times.size).toBe(2);
  });

  it('produces options that generate valid scenes', () => {
    for (let seed = 100; seed < 106; seed++) {
      const s = generateScene(randomSceneOptions(seed, { width: 64, height: 64, pixelSizeM: 250 }));
      expect(s.lstK.some((v) => Number.isFinite(v))).toBe(true);
    }
  });
});

describe('large scenes', () => {
  it('generates a 2048x2048 scene in bounded time', () => {
    const t0 = performance.now();
    const s = generateScene({ seed: 1, width: 2048, height: 2048, pixelSizeM: 250, sceneType: 'mixed' });
    const seconds = (performance.now() - t0) / 1000;
    expect(s.lstK.length).toBe(2048 * 2048);
    expect(s.lstK.every((v) => Number.isFinite(v))).toBe(true);
    // Generous: the shared 2-core machine may be heavily loaded.
    expect(seconds).toBeLessThan(60);
  }, 180_000);

  // A full MODIS tile at 250 m (~2 GB resident); run with SYNTH_BENCH=1.
  it.skipIf(!process.env.SYNTH_BENCH)(
    'generates a 4800x4800 scene (full MODIS tile at 250 m)',
    () => {
      const s = generateScene({ seed: 1, width: 4800, height: 4800, pixelSizeM: 250, sceneType: 'mixed' });
      expect(s.lstK.length).toBe(4800 * 4800);
      expect(s.lstK.every((v) => Number.isFinite(v))).toBe(true);
    },
    600_000,
  );
});
