import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crsFromEpsg } from '../core/geo/crs.ts';
import type { Raster } from '../core/raster/raster.ts';
import { readGeoTiff } from '../io/geotiff-read.ts';
import { runDownscale } from '../pipeline/downscale.ts';
import type { StageMethod } from '../pipeline/method.ts';
import { loadMethod } from '../pipeline/methods.ts';
import { prepareScene } from '../pipeline/prepare.ts';
import { openOutDir } from './out-dir.ts';
import { stageWriter } from './stage-files.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'srda-stage-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const crs = crsFromEpsg(32646);
function grid(n: number, px: number, f: (r: number, c: number) => number): Raster {
  const data = new Float32Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) data[r * n + c] = f(r, c);
  return { width: n, height: n, transform: [400000, px, 0, 2600000, 0, -px], crs, data };
}
const scene = prepareScene({
  lst: grid(40, 1000, (r, c) => (r === 7 && c === 9 ? Number.NaN : 300 + 4 * Math.sin(r / 5) + 3 * Math.cos(c / 7))),
  aux: { ndvi: grid(160, 250, (r, c) => 0.3 + 0.2 * Math.sin((r + c) / 9)) },
});

/** Bicubic, logging when each stage's tiles run. */
async function logged(events: string[]): Promise<StageMethod> {
  const m = await loadMethod('bicubic');
  return {
    ...m,
    runStage: async (input, o) => {
      events.push(`run ${input.fineGrid.width}`);
      return m.runStage(input, o);
    },
  };
}

describe('stageWriter', () => {
  it('starts writing stage 1 before stage 2 runs, and its files read back as the run returned them', async () => {
    const events: string[] = [];
    const out = await openOutDir(path.join(tmp, 'ok'));
    const writer = stageWriter(out, 'bicubic', { cog: true });
    const result = await runDownscale(scene, {
      method: await logged(events),
      onStageDone: (st) => {
        events.push(`done ${st.stage}`);
        writer.onStageDone(st);
      },
    });
    const files = await writer.done();
    await out.release();
    expect(events.filter((e) => e.startsWith('done'))).toEqual(['done 1', 'done 2']);
    expect(events.indexOf('done 1')).toBeLessThan(events.indexOf('run 160'));
    expect(events.indexOf('run 80')).toBeLessThan(events.indexOf('done 1'));
    expect(files.lst.map((f) => path.basename(f))).toEqual(['lst_stage1.tif', 'lst_stage2.tif']);
    expect(files.sigma).toEqual([]);
    for (const st of result.stages) {
      const b = readFileSync(files.lst[st.stage - 1]);
      const back = (await readGeoTiff(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer, 'x.tif')).bands[0].raster;
      expect(back.width).toBe(st.lst.width);
      expect(Array.from(back.data).every((v, i) => v === st.lst.data[i] || (v !== v && st.lst.data[i] !== st.lst.data[i]))).toBe(true);
    }
  });

  it('reports a failed write from done(), and settle() waits without throwing and leaves no temp file', async () => {
    const dir = path.join(tmp, 'fail');
    const out = await openOutDir(dir);
    const writer = stageWriter(out, 'bicubic', { cog: true });
    const result = await runDownscale(scene, { method: 'bicubic' });
    // A stage whose raster does not match its grid cannot be written.
    writer.onStageDone({ ...result.stages[0], lst: { ...result.stages[0].lst, data: new Float32Array(3) } });
    await writer.settle();
    await expect(writer.done()).rejects.toMatchObject({ code: 'GRID_MISMATCH' });
    await out.release();
    expect(existsSync(dir) && readdirSync(dir)).toEqual([]);
  });
});
