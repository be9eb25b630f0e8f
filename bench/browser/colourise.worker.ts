/// <reference lib="webworker" />
import type { Raster } from '../../src/core/raster/raster.ts';
import { colouriseLayer } from '../colourise.ts';

declare const self: DedicatedWorkerGlobalScope;

/** A layer to colourise: its raster (the data a copy, transferred) and the page's request id. */
export interface ColouriseRequest {
  id: number;
  raster: Raster;
}

/** The RGBA's length, or why not. */
export type ColouriseReply = { id: number; rgbaBytes: number } | { id: number; error: string };

// The bench page's colourise (`colouriseLayer`: display grid, statistics, RGBA) beside its write.
self.addEventListener('message', (e: MessageEvent<ColouriseRequest>) => {
  const { id, raster } = e.data;
  let reply: ColouriseReply;
  try {
    reply = { id, rgbaBytes: colouriseLayer(raster) };
  } catch (err) {
    reply = { id, error: err instanceof Error ? err.message : String(err) };
  }
  self.postMessage(reply);
});
