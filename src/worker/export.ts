import { zipSync, strToU8 } from 'fflate';
import { AppError, toAppError } from '../core/errors.ts';
import { throwIfAborted, yieldToEventLoop, type RunOptions } from '../core/progress.ts';
import { writeGeoTiff } from '../io/geotiff-write.ts';
import { getLayerRaster, layerIds } from './layers.ts';

function encodeLayer(id: string): Uint8Array {
  const hit = getLayerRaster(id);
  if (!hit) throw new AppError('BAD_ARGUMENT', `There is no layer ${id}; run the downscaling first.`);
  const units = hit.meta.kind === 'difference' ? 'K (difference)' : 'K';
  try {
    return writeGeoTiff([{ raster: hit.raster, name: hit.meta.label, units }], {
      metadata: { SRDA_LAYER: id, SRDA_APP: 'srda-lst web' },
    });
  } catch (e) {
    throw toAppError(e, 'WRITE_FAILED', `Writing ${id}.tif failed`);
  }
}

function ownBuffer(u8: Uint8Array): ArrayBuffer {
  return u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength
    ? (u8.buffer as ArrayBuffer)
    : (u8.slice().buffer as ArrayBuffer);
}

/** One layer as a float32 GeoTIFF (nodata -9999, its own CRS and grid), the CLI's writer. */
export async function exportLayerGeoTiff(layerId: string): Promise<{ fileName: string; bytes: ArrayBuffer }> {
  const stem = getLayerRaster(layerId)?.meta.fileStem ?? layerId;
  return { fileName: `${stem}.tif`, bytes: ownBuffer(encodeLayer(layerId)) };
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
    files[name] = [encodeLayer(id), { level: 0 }];
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
