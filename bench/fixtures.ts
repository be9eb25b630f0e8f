import { MODIS_SINUSOIDAL } from '../src/core/geo/crs.ts';
import type { Raster } from '../src/core/raster/raster.ts';
import { degradeArray } from '../src/core/raster/aggregate.ts';
import { generateScene } from '../src/core/synth/scene.ts';
import { writeGeoTiff } from '../src/io/geotiff-write.ts';

/** MODIS 250 m cell (m) and the 1 km cell (4x). */
export const CELL_250_M = 231.65635826;

/** Upper-left corner of MODIS tile h19v04 (sinusoidal metres): a real tile origin, so grids are MODIS-aligned. */
const TILE_X0 = -20015109.354 + 19 * 1111950.5197665;
const TILE_Y0 = 10007554.677 - 4 * 1111950.5197665;

/** A benchmark scene: one 1 km LST and 250 m auxiliary layers as GeoTIFF bytes (MODIS-style names). */
export interface BenchScene {
  /** File name -> GeoTIFF bytes. */
  files: Record<string, Uint8Array>;
  lstSizePx: number;
  fineSizePx: number;
}

/** File names the scene uses, by role. */
export const BENCH_FILE_NAMES = {
  lst: 'MOD11A1.061_LST_Day_1km_doy2025172000000_aid0001.tif',
  ndvi: 'MOD13Q1.061__250m_16_days_NDVI_doy2025161000000_aid0001.tif',
  dem: 'SRTMGL3_NC.003_SRTMGL3_DEM_doy2000042000000_aid0001.tif',
} as const;

/**
 * Builds a deterministic synthetic MODIS-like scene of `lstSizePx` 1 km LST pixels a side (1200 =
 * a full MODIS tile) with NDVI and DEM at 250 m (4x finer), quantised like the real products.
 * Memory: about 20 float layers of the fine size while generating (~2 GB for a full tile).
 */
export function makeBenchScene(lstSizePx: number, seed = 20261124): BenchScene {
  const n = 4 * lstSizePx;
  const scene = generateScene({
    seed,
    width: n,
    height: n,
    pixelSizeM: CELL_250_M,
    sceneType: 'mixed',
    timeOfDay: 'day',
    cloudFraction: 0.05,
  });
  const fine = {
    width: n,
    height: n,
    crs: MODIS_SINUSOIDAL,
    transform: [TILE_X0, CELL_250_M, 0, TILE_Y0, 0, -CELL_250_M] as const,
  };
  const coarse = degradeArray(scene.lstK, n, n, 4, { psfSigmaFinePx: 2 });
  const lst: Raster = {
    width: coarse.width,
    height: coarse.height,
    crs: MODIS_SINUSOIDAL,
    transform: [TILE_X0, 4 * CELL_250_M, 0, TILE_Y0, 0, -4 * CELL_250_M],
    data: coarse.data,
  };
  const q = (a: Float32Array, step: number) => a.map((v) => Math.round(v / step) * step);
  const meta = {
    SRDA_SYNTHETIC: 'yes: srda-lst bench scene, not a real MODIS product',
    SRDA_SEED: String(seed),
  };
  return {
    lstSizePx,
    fineSizePx: n,
    files: {
      [BENCH_FILE_NAMES.lst]: writeGeoTiff(
        [{ raster: { ...lst, data: q(lst.data, 0.02) }, name: 'LST_Day_1km', units: 'K' }],
        { metadata: meta, nodata: -9999 },
      ),
      [BENCH_FILE_NAMES.ndvi]: writeGeoTiff(
        [{ raster: { ...fine, data: q(scene.ndvi, 1e-4) }, name: '250m_16_days_NDVI' }],
        { metadata: meta, nodata: -9999 },
      ),
      [BENCH_FILE_NAMES.dem]: writeGeoTiff(
        [{ raster: { ...fine, data: q(scene.dem, 1) }, name: 'SRTMGL3_DEM', units: 'm' }],
        { metadata: meta, nodata: -9999 },
      ),
    },
  };
}
