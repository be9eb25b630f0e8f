import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectRole } from './band-roles.ts';
import { espaBandOf, isEspaXmlName, parseEspaXml, pickEspaXmlName, unusedBesideSurfaceReflectance } from './espa.ts';

const mendoza = path.resolve(import.meta.dirname, '../../../shared/data/landsat8_mendoza_water');
const scene = 'LC82320832016040LGN00';

describe('ESPA band files of one folder', () => {
  const names = [`${scene}.xml`, `${scene}_MTL.txt`, `${scene}_band4.tif`, `${scene}_band10.tif`, `${scene}_sr_band4.tif`, `${scene}_toa_band5.tif`, `${scene}_sr_band5.tif`, `${scene}_band7.tif`];

  it('leaves an L1 or top-of-atmosphere band unused beside the surface reflectance of the same band, and says which file is used instead', () => {
    expect(unusedBesideSurfaceReflectance(`${scene}_band4.tif`, names)).toMatch(new RegExp(`^unused: ${scene}_sr_band4\\.tif is the red band \\(surface reflectance, picked over L1 digital numbers`));
    expect(unusedBesideSurfaceReflectance(`${scene}_toa_band5.tif`, names)).toMatch(/sr_band5\.tif is the NIR band \(surface reflectance, picked over top-of-atmosphere reflectance/);
    // The surface reflectance itself, a thermal band (no surface reflectance of it) and a band with no twin stay in use.
    for (const used of ['sr_band4', 'band10', 'band7']) expect(unusedBesideSurfaceReflectance(`${scene}_${used}.tif`, names)).toBeUndefined();
    // Another scene's surface reflectance does not count.
    expect(unusedBesideSurfaceReflectance(`${scene}_band4.tif`, ['LC82320832016056LGN00_sr_band4.tif'])).toBeUndefined();
  });

  it('gives the unused band the role unknown, keeping the role it would have for its calibration', () => {
    const g = detectRole({ fileName: `${scene}_band4.tif`, siblingNames: names });
    expect([g.role, g.unused?.role, g.landsat?.band]).toEqual(['unknown', 'red', 4]);
    expect(g.reason).toBe(g.unused?.because);
    expect(detectRole({ fileName: `${scene}_band4.tif` }).role).toBe('red');
    expect(detectRole({ fileName: `${scene}_sr_band4.tif`, siblingNames: names }).role).toBe('red');
  });

  it('pairs a band file with its scene\'s metadata file, never with a GDAL .aux.xml sidecar', () => {
    expect(pickEspaXmlName(`${scene}_sr_band4.tif`, names)).toBe(`${scene}.xml`);
    expect(pickEspaXmlName('other_sr_band4.tif', names)).toBeUndefined();
    expect(isEspaXmlName(`${scene}_sr_band4.tif.aux.xml`)).toBe(false);
    expect(parseEspaXml('GROUP = L1_METADATA_FILE\nEND_GROUP = L1_METADATA_FILE\n')).toBeUndefined();
  });
});

describe.skipIf(!existsSync(mendoza))('the Mendoza ESPA metadata file (landsat8_mendoza_water)', () => {
  const text = () => readFileSync(path.join(mendoza, `${scene}.xml`), 'utf8');

  it('reads its date, satellite and the product, scale and fill of each band file', () => {
    const meta = parseEspaXml(text())!;
    expect([meta.sceneId, meta.satellite, meta.date, meta.bands.length]).toEqual([scene, 'LANDSAT_8', '2016-02-09', 35]);
    expect(espaBandOf(meta, `${scene}_sr_band4.tif`)).toEqual({ name: 'sr_band4', product: 'sr_refl', fileName: `${scene}_sr_band4.tif`, category: 'image', scale: 0.0001, fill: -9999 });
    expect(espaBandOf(meta, `${scene}_band10.tif`)?.product).toBe('L1T');
  });

  it('gives the folder\'s roles: surface reflectance for blue to SWIR 2, the L1 reflective bands unused, both thermal bands LST', () => {
    const meta = parseEspaXml(text())!;
    const names = readdirSync(mendoza);
    const roles = Object.fromEntries(
      names
        .filter((n) => n.endsWith('.tif'))
        .map((n) => [n.slice(scene.length + 1, -4), detectRole({ fileName: n, espaBand: espaBandOf(meta, n), siblingNames: names }).role]),
    );
    expect(roles).toEqual({
      band2: 'unknown', band3: 'unknown', band4: 'unknown', band5: 'unknown', band6: 'unknown', band7: 'unknown',
      band10: 'lst', band11: 'lst',
      sr_band2: 'blue', sr_band3: 'green', sr_band4: 'red', sr_band5: 'nir', sr_band6: 'swir', sr_band7: 'swir2',
    });
    const sr = detectRole({ fileName: `${scene}_sr_band4.tif`, espaBand: espaBandOf(meta, `${scene}_sr_band4.tif`) });
    expect([sr.scale?.scale, sr.scale?.fill, sr.reason]).toEqual([0.0001, -9999, 'ESPA metadata: surface reflectance band 4, scale 0.0001']);
  });
});
