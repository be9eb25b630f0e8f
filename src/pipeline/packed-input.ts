import type { AuxName, Raster } from '../core/raster/raster.ts';
import { unpackRaster } from '../core/raster/packed.ts';
import type { Scratch } from '../core/scratch.ts';
import type { StageInput } from './method.ts';

/**
 * `input` with its packed fine layers (`packedFineAux`) decoded into `fineAux`, as the runner would
 * have decoded them (the same float32 values): for a method that does not take packed layers, or
 * the worker side of one that does. Returns `input` itself when nothing is packed. With `scratch`,
 * decoded into its arrays (role `fineAux.<layer>`), valid until the next call with the same pool.
 */
export function withFineAuxDecoded(input: StageInput, scratch?: Scratch): StageInput {
  const packed = input.packedFineAux;
  if (!packed) return input;
  const fineAux: Partial<Record<AuxName, Raster>> = { ...input.fineAux };
  for (const [k, layer] of Object.entries(packed)) fineAux[k as AuxName] = unpackRaster(layer, scratch?.f32(`fineAux.${k}`, layer.width * layer.height));
  const { packedFineAux: _, ...rest } = input;
  return { ...rest, fineAux };
}

/** The buffers of `input`'s packed fine layers, to transfer rather than copy to a worker. */
export function packedBuffers(input: StageInput): ArrayBuffer[] {
  return Object.values(input.packedFineAux ?? {}).flatMap((l) => l.bands.flatMap((b) => (b ? [b.buffer as ArrayBuffer] : [])));
}
