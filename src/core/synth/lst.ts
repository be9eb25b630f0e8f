import { fbmField } from './noise.ts';
import { subSeed } from '../random.ts';
import type { SceneParams } from './scene-options.ts';
import { LC, type LandCover } from './landcover.ts';
import type { Surface } from './surface.ts';
import { toPx, WATER_NONE, WATER_RIVER, type Terrain } from './terrain.ts';

/** The LST truth and the share of its variance that the residual noise carries. */
export interface LstResult {
  /** Fine-scale LST truth, K (no NaN: masks are applied by the caller). */
  lstK: Float32Array;
  /** Standard deviation of the unexplained residual added over land, K. */
  residualStdK: number;
  /** Achieved residual share of the land LST variance (close to `residualFraction`). */
  residualShare: number;
}

/**
 * Evaporative fraction proxy 0-1: vegetation transpires with a saturating response to moisture
 * (roots reach deeper water), bare soil evaporates in proportion to its moisture:
 * EF = cover * (0.45 + 0.55 * m / (m + 0.15) * 1.15) + (1 - cover) * 0.85 * m, clipped to 0..0.95.
 */
export function evaporativeFraction(cover: number, m: number): number {
  const veg = 0.45 + 0.55 * Math.min(1, (1.15 * m) / (m + 0.15));
  return Math.min(0.95, cover * veg + (1 - cover) * 0.85 * m);
}

/**
 * Fine LST truth (K). With Ta the scene air temperature at the mean elevation z0 and
 * Tz = Ta + lapse * (z - z0) / 1000:
 * - day land: Tz + H (1 - albedo)(1 - EF)(0.25 + 0.75 max(0, cos i)/sin(sun elevation))
 *   + 2 (cos i / sin(el) - 1) + UHI (0.4 urban + 0.6 urban density);
 *   H = solarHeatingK (22-40 K x sin(sun elevation)), EF = {@link evaporativeFraction}.
 * - night land: Tz - C (1 - 0.5 m)(1 - 0.4 cover) + 1.5 K x clamp(TPI / 100 m, -1, 0) (cold air
 *   pools in hollows) + 0.6 UHI (0.4 urban + 0.6 density); C = nightCoolingK (3-8 K).
 * - snow: min(273.15, Tz - 2) by day, Tz - C at night.
 * - water: Tz + waterOffsetK (rivers half of it), residual at 0.25 of the land amplitude.
 * - everywhere: + sigma * r, r a zero-mean unit-variance fractal field (8 km .. 2 px, persistence
 *   0.6) no auxiliary layer sees; sigma^2 = f/(1 - f) x var(deterministic land LST), f =
 *   residualFraction.
 */
export function computeLst(
  p: SceneParams,
  t: Terrain,
  lc: LandCover,
  s: Surface,
  cosI: Float32Array,
): LstResult {
  const { width: w, height: h } = p;
  const n = w * h;
  const lst = new Float32Array(n);
  let z0 = 0;
  for (let i = 0; i < n; i++) z0 += t.dem[i];
  z0 /= n;
  const isDay = p.timeOfDay === 'day';
  const sinEl = Math.sin((p.sunElevationDeg * Math.PI) / 180);
  const H = p.solarHeatingK;
  const C = p.nightCoolingK;
  const uhi = p.urbanHeatK * (isDay ? 1 : 0.6);
  let sum = 0;
  let sum2 = 0;
  let nLand = 0;
  for (let i = 0; i < n; i++) {
    const c = lc.classes[i];
    const tz = p.airTempK + (p.lapseRateKPerKm * (t.dem[i] - z0)) / 1000;
    let v: number;
    if (t.waterKind[i] !== WATER_NONE) {
      v = tz + (t.waterKind[i] === WATER_RIVER ? 0.5 : 1) * p.waterOffsetK;
    } else if (c === LC.SNOW) {
      v = isDay ? Math.min(273.15, tz - 2) : tz - C;
    } else {
      const m = s.moisture[i];
      const cover = s.vegCover[i];
      const urban = (c === LC.URBAN ? 0.4 : 0) + 0.6 * lc.urbanDensity[i];
      if (isDay) {
        const illum = cosI[i] / sinEl;
        const ef = evaporativeFraction(cover, m);
        v =
          tz +
          H * (1 - s.albedo[i]) * (1 - ef) * (0.25 + 0.75 * Math.max(0, illum)) +
          2 * (illum - 1) +
          uhi * urban;
      } else {
        const tpi = Math.max(-1, Math.min(0, t.tpiM[i] / 100));
        v = tz - C * (1 - 0.5 * m) * (1 - 0.4 * cover) + 1.5 * tpi + uhi * urban;
      }
      sum += v;
      sum2 += v * v;
      nLand++;
    }
    lst[i] = v;
  }
  const varLand = nLand > 1 ? Math.max(0, sum2 / nLand - (sum / nLand) ** 2) : 1;
  const f = p.residualFraction;
  const sigma = f > 0 ? Math.sqrt((f / (1 - f)) * Math.max(varLand, 0.25)) : 0;
  let residualShare = 0;
  if (sigma > 0) {
    const r = fbmField(w, h, {
      seed: subSeed(p.seed, 'lst-residual'),
      largestCellPx: toPx(8000, p),
      persistence: 0.6,
    });
    for (let i = 0; i < n; i++) lst[i] += sigma * r[i] * (t.waterKind[i] !== WATER_NONE ? 0.25 : 1);
    residualShare = (sigma * sigma) / (sigma * sigma + varLand);
  }
  return { lstK: lst, residualStdK: sigma, residualShare };
}
