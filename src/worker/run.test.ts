import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readGeoTiff } from '../io/geotiff-read.ts';
import { exportLayerGeoTiff } from './export.ts';
import { ingestFiles } from './inputs.ts';
import { nominalResolutionM } from './layers.ts';
import { runJob } from './run.ts';

const demo = resolve(import.meta.dirname, '../../public/demo');
const file = (name: string) => new File([readFileSync(join(demo, name))], name);

describe('worker run job on the demo scene', () => {
  it('ingests, downscales 1 km -> 500 m -> 250 m, and exports a layer that reads back identically', async () => {
    const manifest = JSON.parse(readFileSync(join(demo, 'manifest.json'), 'utf8')) as { files: string[] };
    const rows = await ingestFiles([...manifest.files.map(file), new File(['not a tiff'], 'notes.txt')]);
    expect(rows.map((r) => r.role)).toEqual(['lst', 'ndvi', 'dem', 'unknown']);
    expect(rows[3].problem?.code).toBe('NOT_GEOTIFF');
    const transfer: Transferable[] = [];
    const progress: string[] = [];
    const result = await runJob(
      {
        inputs: rows.filter((r) => !r.problem).map((r) => ({ id: r.id, role: r.role })),
        method: 'tsharp',
        residualCorrection: true,
        finetuneSteps: 0,
        backend: 'auto',
        evaluate: true,
        appBaseUrl: 'http://localhost/',
      },
      { onProgress: (p) => progress.push(p.stage) },
      transfer,
    );
    expect(result.layers.map((l) => l.id)).toEqual([
      'lst-1000m',
      'lst-500m',
      'lst-250m',
      'bicubic-500m',
      'bicubic-250m',
      'diff-bicubic-250m',
    ]);
    const fine = result.layers.find((l) => l.id === 'lst-250m')!;
    expect([fine.grid.width, fine.grid.height]).toEqual([256, 256]);
    expect(fine.method).toBe('tsharp');
    for (const e of result.energyError) expect(e.maxAbsK).toBeLessThan(0.01);
    expect(result.metrics.map((m) => m.method).sort()).toEqual(['bicubic', 'tsharp']);
    expect(result.scatter[0].x.length).toBe(64 * 64);
    expect(progress.some((s) => s.startsWith('TsHARP'))).toBe(true);
    expect(transfer.length).toBeGreaterThan(2 * result.layers.length - 1);

    const { bytes, fileName } = await exportLayerGeoTiff('lst-250m');
    expect(fileName).toBe('lst-250m.tif');
    // Cloud-optimised like the CLI's outputs (GDAL's structural metadata right after the header).
    expect(new TextDecoder().decode(new Uint8Array(bytes, 8, 30))).toBe('GDAL_STRUCTURAL_METADATA_SIZE=');
    const back = await readGeoTiff(bytes, fileName);
    expect(back.crs.name).toMatch(/Sinusoidal/);
    expect(back.transform).toEqual(fine.grid.transform);
    const data = back.bands[0].raster.data;
    let maxAbs = 0;
    for (let i = 0; i < data.length; i++) maxAbs = Math.max(maxAbs, Math.abs(data[i] - fine.data[i]));
    expect(maxAbs).toBe(0);
  });

  it('snaps pixel sizes to MODIS nominal resolutions', () => {
    expect(nominalResolutionM(926.6)).toBe(1000);
    expect(nominalResolutionM(849)).toBe(1000);
    expect(nominalResolutionM(231.7)).toBe(250);
    expect(nominalResolutionM(30)).toBe(30);
  });
});
