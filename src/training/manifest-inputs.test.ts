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

