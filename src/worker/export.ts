import { strToU8 } from 'fflate';
import { AppError, isAppError, toAppError } from '../core/errors.ts';
import { throwIfAborted, type Progress, type RunOptions } from '../core/progress.ts';
import type { DeflateCodec } from '../io/deflate-codec.ts';
import { writeGeoTiffAsync, type GeoTiffBandInput, type WriteGeoTiffOptions } from '../io/geotiff-write.ts';
import { startDeflateWorkers } from './deflate-pool-web.ts';
import { writeGeoTiffBlob } from './geotiff-blob.ts';
import { allSceneLayers, getLayerRaster, layerIds } from './layers.ts';
import { writeZipBlob, type ZipBlobEntry } from './zip-blob.ts';

/** Writes a layer as a GeoTIFF through `write`: in one buffer (`writeGeoTiffAsync`) or as a Blob (`writeGeoTiffBlob`). */
async function encodeLayer<T>(
  write: (bands: GeoTiffBandInput[], opts: WriteGeoTiffOptions, run: RunOptions) => Promise<T>,
  id: string,
  codec: DeflateCodec,
  run: RunOptions,
  sceneId?: string,
  hit = getLayerRaster(id, sceneId),
): Promise<T> {
  if (!hit) throw new AppError('BAD_ARGUMENT', `There is no layer ${id}; run the downscaling first.`);
  const units = hit.meta.kind === 'difference' ? 'K (difference)' : 'K';
  try {
    return await write(
      [{ raster: hit.raster, name: hit.meta.description ?? hit.meta.label, units }],
      {
        metadata: { SRDA_LAYER: id, SRDA_APP: 'srda-lst web', ...(sceneId ? { SRDA_SCENE: sceneId } : {}) },
        codec,
        // As the CLI writes its uncertainty files: run-length Deflate (noise-like low bytes).
        ...(hit.meta.kind === 'uncertainty' ? { strategy: 'rle' as const } : {}),
      },
      run,
    );
  } catch (e) {
    if (isAppError(e) && e.code === 'CANCELLED') throw e;
    throw toAppError(e, 'WRITE_FAILED', `Writing ${id}.tif failed`);
  }
}

/**
 * One layer as a float32 GeoTIFF (nodata -9999, its own CRS and grid), the CLI's writer: of the
 * scene `sceneId` (a date of a series), else of the scene run last, its tiles compressed on deflate
 * workers (worker/deflate-pool-web.ts) while this thread cuts the next, and the file a Blob built as
 * they come (this thread never holds the whole file). Progress `{stage: 'export'}` per row of tiles
 * (a full-tile layer takes seconds); `signal` cancels between rows.
 */
export async function exportLayerGeoTiff(
  layerId: string,
  run: RunOptions & { sceneId?: string } = {},
): Promise<{ fileName: string; file: Blob }> {
  const stem = getLayerRaster(layerId, run.sceneId)?.meta.fileStem ?? layerId;
  const codec = startDeflateWorkers();
  try {
    const file = await encodeLayer(
      writeGeoTiffBlob,
      layerId,
      codec,
      {
        signal: run.signal,
        onProgress: run.onProgress && ((p) => run.onProgress!({ stage: 'export', done: p.done, total: p.total, detail: `${stem}.tif` })),
      },
      run.sceneId,
    );
    return { fileName: `${stem}.tif`, file };
  } finally {
    codec.close();
  }
}

type ZipEntry = { sceneId?: string; id: string; hit: NonNullable<ReturnType<typeof getLayerRaster>> };

/**
 * The layers a ZIP holds: of the scenes asked for (dates of a series, in that order), else of the
 * scene run last; taken when the export starts, so a run that replaces the layers meanwhile (the
 * app lets Run start during an export) changes nothing in this ZIP.
 */
function zipEntries(sceneIds: readonly string[] | undefined): ZipEntry[] {
  const entries = sceneIds ? sceneIds.flatMap((s) => allSceneLayers().filter((l) => l.sceneId === s)) : layerIds().map((id) => ({ id, sceneId: undefined }));
  return entries.flatMap((e) => {
    const hit = getLayerRaster(e.id, e.sceneId);
    return hit ? [{ ...e, hit }] : [];
  });
}

/**
 * Every layer as GeoTIFF plus report.json (and any extra files, e.g. the map PNG) in one ZIP, a
 * Blob: of the scenes `sceneIds` (one GeoTIFF per date and layer, names carrying the date), else of
 * the scene run last. Progress `{stage: 'export'}`: rows of tiles written of the layer being written
 * (`done`/`total`, 0 before its first), that layer the `step`th of `steps`; then `{stage: 'zip'}`:
 * bytes of the ZIP built of its size (`writeZipBlob`; `steps` still the layers). `signal` cancels at
 * the next row of tiles (a full-tile layer takes seconds) or the next ~8 MiB of the ZIP.
 */
export async function exportZip(
  report: unknown,
  extra: { name: string; bytes: ArrayBuffer }[],
  zipStem = 'srda-lst-results',
  run: RunOptions = {},
  sceneIds?: readonly string[],
): Promise<{ fileName: string; file: Blob }> {
  const ids = zipEntries(sceneIds);
  if (ids.length === 0)
    throw new AppError('BAD_ARGUMENT', 'There is nothing to export yet; run the downscaling first.');
  const fileName = `${zipStem}.zip`;
  // GeoTIFFs are already deflated inside: stored, not compressed twice.
  const files: ZipBlobEntry[] = [];
  const codec = startDeflateWorkers();
  try {
    for (const [i, { id, sceneId, hit }] of ids.entries()) {
      throwIfAborted(run.signal);
      const stem = hit.meta.fileStem;
      // Two tiles of one date share a file stem: the second goes into a folder named after its scene.
      const name = files.some((f) => f.name === `${stem}.tif`) && sceneId ? `${sceneId.replace(/[^A-Za-z0-9._-]+/g, '_')}/${stem}.tif` : `${stem}.tif`;
      const onProgress = run.onProgress && ((p: Progress) => run.onProgress!({ stage: 'export', done: p.done, total: p.total, step: i + 1, steps: ids.length, detail: name }));
      files.push({ name, bytes: await encodeLayer(writeGeoTiffAsync, id, codec, { signal: run.signal, onProgress }, sceneId, hit) });
    }
  } finally {
    codec.close();
  }
  throwIfAborted(run.signal);
  files.push({ name: 'report.json', bytes: strToU8(JSON.stringify(report, null, 2)), isDeflated: true });
  for (const f of extra) files.push({ name: f.name, bytes: new Uint8Array(f.bytes) });
  const onProgress = run.onProgress && ((p: Progress) => run.onProgress!({ stage: 'zip', done: p.done, total: p.total, steps: ids.length, detail: fileName }));
  try {
    return { fileName, file: await writeZipBlob(files, fileName, { signal: run.signal, onProgress }) };
  } catch (e) {
    if (isAppError(e)) throw e;
    throw toAppError(e, 'WRITE_FAILED', `Building ${fileName} failed`);
  }
}
