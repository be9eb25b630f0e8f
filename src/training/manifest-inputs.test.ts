import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataPath, hasData, SHARED_DATA } from '../test-support/data.ts';
import { hasGdal } from '../test-support/gdal.ts';
import { manifestScene } from './manifest.ts';
import { loadManifestInputs } from './manifest-inputs.ts';

/** One band of a raster as GDAL reads it (raw DN, no scaling), via gdal_translate to ENVI float32. */
function gdalBand(file: string, band: number): Float32Array {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mi-'));
  try {
    const out = path.join(dir, 'b.raw');
    execFileSync('gdal_translate', ['-q', '-b', String(band), '-ot', 'Float32', '-of', 'ENVI', '-unscale', file, out]);
    const buf = readFileSync(out);
    return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const canRun = hasGdal() && hasData('landsat7_chiapas_opengeotutorial') && hasData('landsat7_talca_chile_water');

describe.skipIf(!canRun)('manifest scenes load as kelvin with their cloud masks (GDAL reads the same DN)', () => {
  it('Chiapas 2002: LEDAPS band-6 temperature (deg C x 100) in K, Fmask cloud and shadow masked out', async () => {
    const s = manifestScene('chiapas-2002');
    const loaded = await loadManifestInputs(SHARED_DATA, s);
    const file = dataPath('landsat7_chiapas_opengeotutorial/LE70220492002106EDC00_stack.gtif');
    const dn = gdalBand(file, 7);
    const fmask = gdalBand(file, 8);
    const lst = loaded.inputs.lst.data;
    expect(lst.length).toBe(dn.length);
    let masked = 0;
    let maxErr = 0;
    for (let i = 0; i < dn.length; i++) {
      if (fmask[i] !== 0 && fmask[i] !== 1) {
        expect(Number.isNaN(lst[i])).toBe(true);
        masked++;
      } else {
        maxErr = Math.max(maxErr, Math.abs(lst[i] - (dn[i] / 100 + 273.15)));
      }
    }
    // README: 20 % cloud + 7 % shadow on this date.
    expect(masked / dn.length).toBeGreaterThan(0.2);
    expect(masked / dn.length).toBeLessThan(0.35);
    expect(maxErr).toBeLessThan(1e-3);
  });

  it('Talca: ETM+ band 6 low gain DN -> brightness temperature with the gain, bias of L7.MTL.txt; SLC gaps NaN', async () => {
    const loaded = await loadManifestInputs(SHARED_DATA, manifestScene('talca'));
    const mtl = readFileSync(dataPath('landsat7_talca_chile_water/L7.MTL.txt'), 'latin1').replace(/\0/g, '');
    const num = (k: string) => Number(new RegExp(`${k}\\s*=\\s*([-0-9.]+)`).exec(mtl)![1]);
    const [mult, add] = [num('RADIANCE_MULT_BAND_6_VCID_1'), num('RADIANCE_ADD_BAND_6_VCID_1')];
    const dn = gdalBand(dataPath('landsat7_talca_chile_water/L7_Talca.tif'), 6);
    const lst = loaded.inputs.lst.data;
    expect(lst.length).toBe(dn.length);
    let n = 0;
    let maxErr = 0;
    for (let i = 0; i < dn.length; i++) {
      if (dn[i] === 0 || dn[i] === 65535) {
        expect(Number.isNaN(lst[i])).toBe(true);
        continue;
      }
      // ETM+ handbook thermal constants (the MTL of this scene carries none).
      const bt = 1282.71 / Math.log(666.09 / (dn[i] * mult + add) + 1);
      maxErr = Math.max(maxErr, Math.abs(lst[i] - bt));
      n++;
    }
    expect(n / dn.length).toBeGreaterThan(0.9);
    expect(maxErr).toBeLessThan(1e-3);
    // Red is TOA reflectance, not DN.
    const red = loaded.inputs.aux.red!.data.filter(Number.isFinite);
    expect(red.length).toBeGreaterThan(0);
    expect(red.reduce((a, b) => Math.max(a, b), 0)).toBeLessThan(1);
  });
});

describe.skipIf(!hasData('landsat_lst_ndvi_zhangye_tvdi') || !hasData('dhaka-mod11a2-mod13q1-2024-citypath'))('snapAuxToLst', () => {
  it('puts the Zhangye NDVI (stated 30.03 m) on the 30 m LST grid, where it lines up best with the LST', async () => {
    const lines: string[] = [];
    const loaded = await loadManifestInputs(SHARED_DATA, manifestScene('zhangye'), (l) => lines.push(l));
    const { lst } = loaded.inputs;
    const ndvi = loaded.inputs.aux.ndvi!;
    expect(ndvi.transform).toEqual(lst.transform);
    expect(lines.join('\n')).toMatch(/ndvi put on the LST's grid/);
    // Correlation of LST with NDVI shifted by (dx, dy) pixels: strongest (most negative) at zero shift.
    const w = lst.width;
    const corr = (dx: number, dy: number): number => {
      let [n, sa, sb, saa, sbb, sab] = [0, 0, 0, 0, 0, 0];
      for (let y = 2; y < lst.height - 2; y += 2) {
        for (let x = 2; x < w - 2; x += 2) {
          const a = lst.data[y * w + x];
          const b = ndvi.data[(y + dy) * w + x + dx];
          if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
          n++;
          sa += a;
          sb += b;
          saa += a * a;
          sbb += b * b;
          sab += a * b;
        }
      }
      return (sab - (sa * sb) / n) / Math.sqrt((saa - (sa * sa) / n) * (sbb - (sb * sb) / n));
    };
    const zero = corr(0, 0);
    expect(zero).toBeLessThan(-0.8);
    for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) expect(zero).toBeLessThan(corr(dx, dy));
  });

  it('refuses layers that are not the LST grid (Dhaka: 1 km LST, 250 m NDVI), naming the scene', async () => {
    const dhaka = { ...manifestScene('dhaka-097'), snapAuxToLst: true };
    await expect(loadManifestInputs(SHARED_DATA, dhaka)).rejects.toThrow(/dhaka-097: ndvi cannot be snapped.*size/);
  });
});

describe.skipIf(!hasGdal() || !hasData('landsat7_pennsylvania_goslee'))('Pennsylvania ETM+ DN without an MTL (constants from its documentation)', () => {
  it('calibrates july61 to brightness temperature and july3 to TOA reflectance, pixel by pixel as GDAL reads the DN; cumulus masked', async () => {
    const lines: string[] = [];
    const loaded = await loadManifestInputs(SHARED_DATA, manifestScene('pennsylvania'), (l) => lines.push(l));
    const dn61 = gdalBand(dataPath('landsat7_pennsylvania_goslee/july61.tif'), 1);
    const dn3 = gdalBand(dataPath('landsat7_pennsylvania_goslee/july3.tif'), 1);
    const dn1 = gdalBand(dataPath('landsat7_pennsylvania_goslee/july1.tif'), 1);
    const lst = loaded.inputs.lst.data;
    const red = loaded.inputs.aux.red!.data;
    expect(lst.length).toBe(dn61.length);
    // README: L = 0.067087 DN - 0.067087; BT = 1282.71 / ln(666.09 / L + 1); red L = 0.61922 DN - 5.00,
    // reflectance = pi L d^2 / (1533 sin 61.4 deg), d(DOY 201) ~ 1.016.
    let [maxBt, maxRed, masked] = [0, 0, 0];
    for (let i = 0; i < lst.length; i++) {
      if (dn1[i] >= 150) {
        expect(Number.isNaN(lst[i])).toBe(true);
        masked++;
        continue;
      }
      maxBt = Math.max(maxBt, Math.abs(lst[i] - 1282.71 / Math.log(666.09 / (0.067087 * dn61[i] - 0.067087) + 1)));
      if (dn3[i] < 255) maxRed = Math.max(maxRed, Math.abs(red[i] - (Math.PI * (0.61922 * dn3[i] - 5) * 1.016 ** 2) / (1533 * Math.sin((61.4 * Math.PI) / 180))));
    }
    expect(maxBt).toBeLessThan(1e-3);
    expect(maxRed).toBeLessThan(2e-3); // the reader's earth-sun distance is its own (first-order) formula
    // README: ~2.6 % bright cloud-like pixels (B1 >= 150).
    expect(masked / lst.length).toBeGreaterThan(0.01);
    expect(masked / lst.length).toBeLessThan(0.05);
    expect(lines.join('\n')).toMatch(/pennsylvania: .* masked as cloud \(july1\.tif >= 150/);
  });
});

