import { zipSync, strToU8 } from 'fflate';
import { AppError, isAppError, toAppError } from '../core/errors.ts';
import { throwIfAborted, yieldToEventLoop, type RunOptions } from '../core/progress.ts';
import { writeGeoTiffAsync } from '../io/geotiff-write.ts';
import { getLayerRaster, layerIds } from './layers.ts';

async function encodeLayer(id: string, run: RunOptions): Promise<Uint8Array> {
  const hit = getLayerRaster(id);
  if (!hit) throw new AppError('BAD_ARGUMENT', `There is no layer ${id}; run the downscaling first.`);
  const units = hit.meta.kind === 'difference' ? 'K (difference)' : 'K';
  try {
    return await writeGeoTiffAsync(
      [{ raster: hit.raster, name: hit.meta.label, units }],
      { metadata: { SRDA_LAYER: id, SRDA_APP: 'srda-lst web' } },
      run,
    );
  } catch (e) {
    if (isAppError(e) && e.code === 'CANCELLED') throw e;
    throw toAppError(e, 'WRITE_FAILED', `Writing ${id}.tif failed`);
  }
}

function ownBuffer(u8: Uint8Array): ArrayBuffer {
  return u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength
    ? (u8.buffer as ArrayBuffer)
    : (u8.slice().buffer as ArrayBuffer);
}

/**
 * One layer as a float32 GeoTIFF (nodata -9999, its own CRS and grid), the CLI's writer. Progress
 * `{stage: 'export'}` per row of tiles (a full-tile layer takes seconds); `signal` cancels between rows.
 */
export async function exportLayerGeoTiff(layerId: string, run: RunOptions = {}): Promise<{ fileName: string; bytes: ArrayBuffer }> {
  const stem = getLayerRaster(layerId)?.meta.fileStem ?? layerId;
  const bytes = await encodeLayer(layerId, {
    signal: run.signal,
    onProgress: run.onProgress && ((p) => run.onProgress!({ stage: 'export', done: p.done, total: p.total, detail: `${stem}.tif` })),
  });
  return { fileName: `${stem}.tif`, bytes: ownBuffer(bytes) };
}

/**
 * Every layer as GeoTIFF plus report.json (and any extra files, e.g. the map PNG) in one ZIP.
 * Progress `{stage: 'export'}` per layer written; `signal` cancels between layers.
 */
export async function exportZip(
  report: unknown,
  extra: { name: string; bytes: ArrayBuffer }[],
  zipStem = 'srda-lst-results',
  run: RunOptions = {},
): Promise<{ fileName: string; bytes: ArrayBuffer }> {
  const ids = layerIds();
  if (ids.length === 0)
    throw new AppError('BAD_ARGUMENT', 'There is nothing to export yet; run the downscaling first.');
  const files: Record<string, Uint8Array | [Uint8Array, { level: 0 }]> = {};
  // GeoTIFFs are already deflated inside; storing them avoids compressing twice.
  let done = 0;
  for (const id of ids) {
    throwIfAborted(run.signal);
    const name = `${getLayerRaster(id)!.meta.fileStem}.tif`;
    files[name] = [await encodeLayer(id, { signal: run.signal }), { level: 0 }];
    run.onProgress?.({ stage: 'export', done: ++done, total: ids.length, detail: name });
    // Lets a cancel message in between layers (each GeoTIFF takes up to seconds on a full tile).
    await yieldToEventLoop();
  }
  throwIfAborted(run.signal);
  files['report.json'] = strToU8(JSON.stringify(report, null, 2));
  for (const f of extra) files[f.name] = [new Uint8Array(f.bytes), { level: 0 }];
  try {
    return { fileName: `${zipStem}.zip`, bytes: ownBuffer(zipSync(files)) };
  } catch (e) {
    throw toAppError(e, 'WRITE_FAILED', 'Building the ZIP failed');
  }
}
