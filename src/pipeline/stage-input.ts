import type { PixelWindow } from '../core/geo/grid.ts';
import { cropGrid, refineGrid } from '../core/geo/grid.ts';
import { cropPacked, isPacked, unpackRaster, unpackWindow, type AuxLayer, type PackedRaster } from '../core/raster/packed.ts';
import type { AuxName, Raster } from '../core/raster/raster.ts';
import { extractTile, scaleWindow } from '../core/raster/tiling.ts';
import type { StageInput, StageMethod } from './method.ts';

/** A stage's input as the scene holds it: the auxiliary layers may be int16-packed (decoded per tile). */
export type SceneStageInput = Omit<StageInput, 'fineAux' | 'coarseAux'> & {
  fineAux: Partial<Record<AuxName, AuxLayer>>;
  coarseAux: Partial<Record<AuxName, AuxLayer>>;
};

/** The whole stage input in float32 (packed layers decoded: new memory for those only). */
export function unpackInput(input: SceneStageInput): StageInput {
  const all = (aux: Partial<Record<AuxName, AuxLayer>>): Partial<Record<AuxName, Raster>> =>
    Object.fromEntries(Object.entries(aux).map(([k, r]) => [k, unpackRaster(r as AuxLayer)]));
  return { ...input, fineAux: all(input.fineAux), coarseAux: all(input.coarseAux) };
}

// The float32 windows `tileInput` cut for a tile (new arrays no one else holds), until `takeTileCrops` hands them on.
const tileCrops = new WeakSet<ArrayBufferLike>();

/** `lent`: written into a buffer `StageMethod.windowBuffer` lent, the tile's alone though larger than the window. */
function ownCrop(data: Float32Array, lent = false): Float32Array {
  if (data.byteOffset === 0 && (lent || data.byteLength === data.buffer.byteLength)) tileCrops.add(data.buffer);
  return data;
}

/**
 * The buffers of `input`'s float32 windows that `tileInput` cut for it (its coarse LST and decoded
 * layers, not the scene's own arrays), each handed on once: a worker runner moves them with the
 * tile instead of copying them, so the thread that cuts the tiles keeps no garbage of them.
 */
export function takeTileCrops(input: StageInput): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const take = (r: Raster | undefined): void => {
    const b = r?.data.buffer;
    if (b && tileCrops.delete(b)) out.push(b as ArrayBuffer);
  };
  take(input.coarseLst);
  for (const r of Object.values(input.fineAux)) take(r);
  for (const r of Object.values(input.coarseAux)) take(r);
  return out;
}

/** The tile's window of the coarse LST, in a buffer the method lends where it has one (an inference pool's, handed back by its workers). */
function cropLst(lst: Raster, w: PixelWindow, method: StageMethod): Raster {
  const n = w.width * w.height;
  const lent = method.windowBuffer?.(4 * n);
  const data = extractTile(lst.data, lst.width, lst.height, w, 'nan', lent ? new Float32Array(lent, 0, n) : undefined);
  return { ...cropGrid(lst, w), data: ownCrop(data, lent !== undefined) };
}

export function tileInput(input: SceneStageInput, w: PixelWindow, core: PixelWindow, method: StageMethod): StageInput {
  const fine = scaleWindow(w, 2);
  // Only the tile's window is decoded to float32: the scene keeps its packed layers as they are.
  const pick = (aux: Partial<Record<AuxName, AuxLayer>>, win: PixelWindow): Partial<Record<AuxName, Raster>> =>
    Object.fromEntries(Object.entries(aux).map(([k, r]) => [k, { ...cropGrid(r as AuxLayer, win), data: ownCrop(unpackWindow(r as AuxLayer, win)) }]));
  // A method that decodes packed layers itself (an inference pool) gets their int16 window instead.
  const keepPacked = method.takesPackedAux === true;
  const packedFine = keepPacked ? Object.entries(input.fineAux).filter(([, r]) => isPacked(r as AuxLayer)) : [];
  const fineAux = packedFine.length ? Object.fromEntries(Object.entries(input.fineAux).filter(([, r]) => !isPacked(r as AuxLayer))) : input.fineAux;
  return {
    coarseLst: cropLst(input.coarseLst, w, method),
    fineGrid: refineGrid(cropGrid(input.coarseLst, w), 2),
    fineAux: pick(fineAux, fine),
    coarseAux: method.readsCoarseAux !== false ? pick(input.coarseAux, w) : {},
    core: { col: core.col - w.col, row: core.row - w.row, width: core.width, height: core.height },
    ...(packedFine.length
      ? { packedFineAux: Object.fromEntries(packedFine.map(([k, r]) => [k, cropPacked(r as PackedRaster, fine, method.windowBuffer?.(2 * fine.width * fine.height))])) }
      : {}),
  };
}
