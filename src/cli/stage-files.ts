import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../core/errors.ts';
import type { Grid } from '../core/raster/raster.ts';
import type { StageResult, StageSink } from '../pipeline/downscale.ts';
import { openGeoTiffFileStream, type GeoTiffFileStream } from './geotiff-stream-file.ts';
import { writeGeoTiffFile } from './native-deflate.ts';

/** The files of the stages written so far, in stage order (full paths). */
export interface StageFiles {
  lst: string[];
  sigma: string[];
}

/** Where the stage files go: an OutDir (temp file, then rename) or a folder that is renamed whole. */
interface StageOut {
  /** The folder the files land in: the streamed stage keeps its full-resolution tiles there until the end. */
  dir: string;
  write: (name: string, fill: (fh: FileHandle) => Promise<unknown>) => Promise<string>;
}

const lstName = (stage: number, methodId: string) => `LST stage ${stage} (${methodId})`;
const sigmaName = (stage: number, methodId: string) => `LST stage ${stage} uncertainty, 1 sigma (${methodId})`;
// Run-length matches only for the uncertainty: its low bytes are noise, where zlib's full match search
// spends twice the CPU to save 1 % (full tile: 4800x4800 sigma 69.6 vs 69.2 MB at level 2).
const SIGMA_OPTS = { strategy: 'rle' as const };

/**
 * Writes each stage's GeoTIFFs (LST, and with `sigma` its uncertainty where the method gives one) through `out.write` (an OutDir's: temp file, then rename)
 * as soon as the stage ends, in the background: stage 1's while stage 2 runs. One stage's files
 * at a time, in order (so at most one writer's tiles are in flight). `onStageDone` goes to
 * `runDownscale`; `done()` waits for every write and throws the first failure; `settle()` waits
 * for them without throwing (a failed run: their temp files are removed before the caller goes on).
 * `lastStageSink` goes to `runDownscale` too: the last stage's files are then written band by band
 * as its tiles complete (`streamGeoTiff`, the same bytes), never whole in memory.
 */
export function stageWriter(
  out: StageOut,
  methodId: string,
  { cog, sigma = true }: { cog: boolean; sigma?: boolean },
): { onStageDone: (st: StageResult) => void; lastStageSink: StageSink; done: () => Promise<StageFiles>; settle: () => Promise<void> } {
  const files: StageFiles = { lst: [], sigma: [] };
  let chain: Promise<void> = Promise.resolve();
  const write = async (st: StageResult): Promise<void> => {
    // Tiles go to disk as node:zlib compresses them: the file is never whole in memory.
    const lstBand = [{ raster: st.lst, name: lstName(st.stage, methodId), units: 'K' }];
    files.lst[st.stage - 1] = await out.write(`lst_stage${st.stage}.tif`, (fh) => writeGeoTiffFile(fh, lstBand, { nodata: -9999, cog }));
    if (sigma && st.sigma) {
      const sigmaBand = [{ raster: st.sigma, name: sigmaName(st.stage, methodId), units: 'K' }];
      files.sigma[st.stage - 1] = await out.write(`lst_stage${st.stage}_sigma.tif`, (fh) => writeGeoTiffFile(fh, sigmaBand, { nodata: -9999, cog, ...SIGMA_OPTS }));
    }
  };
  let streams: Array<ReturnType<typeof streamedFile>> = [];
  let streamedStage = 0;
  const lastStageSink: StageSink = {
    open: async ({ stage, grid, hasSigma }) => {
      streamedStage = stage;
      streams = [streamedFile(out, `lst_stage${stage}.tif`, grid, { name: lstName(stage, methodId), units: 'K' }, { nodata: -9999, cog })];
      if (sigma && hasSigma) streams.push(streamedFile(out, `lst_stage${stage}_sigma.tif`, grid, { name: sigmaName(stage, methodId), units: 'K' }, { nodata: -9999, cog, ...SIGMA_OPTS }));
      // The temp files exist before the first band comes; if one cannot be made, none is left.
      await Promise.all(streams.map((s) => s.ready)).catch(async (e: unknown) => {
        await Promise.all(streams.map((f) => f.cancel()));
        throw e;
      });
    },
    rows: async ({ lst, sigma: sg }) => {
      const [l, s] = await Promise.all(streams.map((f) => f.ready));
      await Promise.all([l.push([lst]), s && sg ? s.push([sg]) : undefined]);
    },
    // Column blocks of a band as they complete: their full-resolution tiles are cut and compressed
    // now, while later tiles run, and `rows` then finds them done. Before the files are open there
    // is nowhere to start them: `rows` cuts them as usual.
    columns: ({ row, col, width, lst, sigma: sg }) => {
      const [l, s] = streams.map((f) => f.current());
      l?.ahead(row, [lst], col, col + width);
      if (s && sg) s.ahead(row, [sg], col, col + width);
    },
    close: async () => {
      const [l, s] = await Promise.all(streams.map((f) => f.end()));
      files.lst[streamedStage - 1] = l;
      if (s) files.sigma[streamedStage - 1] = s;
    },
    abort: async () => {
      await Promise.all(streams.map((f) => f.cancel()));
    },
  };
  return {
    onStageDone: (st) => {
      chain = chain.then(() => write(st));
      // Awaited by done() or settle(); until then a failure must not count as unhandled.
      chain.catch(() => undefined);
    },
    lastStageSink,
    done: async () => {
      await chain;
      return { lst: files.lst.filter(Boolean), sigma: files.sigma.filter(Boolean) };
    },
    settle: () => chain.catch(() => undefined),
  };
}

/**
 * A GeoTIFF of `out` written from streamed rows: `ready` once its temp file and spill are open,
 * `end()` finishes it (resolves its path, renamed into place), `cancel()` drops it (no file left).
 */
function streamedFile(out: StageOut, name: string, grid: Grid, band: { name: string; units: string }, opts: { nodata: number; cog: boolean }) {
  let finish!: (go: boolean) => void;
  const decided = new Promise<boolean>((res) => (finish = res));
  let setReady!: (s: GeoTiffFileStream) => void;
  let failReady!: (e: unknown) => void;
  let opened: GeoTiffFileStream | undefined;
  const ready = new Promise<GeoTiffFileStream>((res, rej) => ((setReady = res), (failReady = rej)));
  ready.catch(() => undefined);
  const spillPath = path.join(out.dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tiles.tmp`);
  let settled = false;
  const written = out.write(name, async (fh) => {
    const s = await openGeoTiffFileStream(fh, spillPath, grid, [band], opts);
    opened = s;
    setReady(s);
    if (!(await decided)) {
      await s.abort();
      throw new AppError('CANCELLED', `${name}: the run stopped before its last rows.`);
    }
    await s.finish();
  });
  written.catch((e: unknown) => failReady(e));
  return {
    ready,
    /** The stream once open (undefined before, and once ended or dropped). */
    current: (): GeoTiffFileStream | undefined => (settled ? undefined : opened),
    end: async (): Promise<string> => {
      settled = true;
      finish(true);
      return written;
    },
    cancel: async (): Promise<void> => {
      settled = true;
      finish(false);
      // Once a failed stream has let go of its spill: the stream's own failure is the run's.
      const s = await ready.catch(() => undefined);
      await written.catch(() => undefined);
      if (s) await s.abort();
    },
  };
}
