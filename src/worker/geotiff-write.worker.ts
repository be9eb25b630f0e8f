/// <reference lib="webworker" />
import { serveGeoTiffWriter } from './geotiff-writer.ts';

declare const self: DedicatedWorkerGlobalScope;

// Encodes one GeoTIFF off the thread that runs the pipeline (worker/geotiff-writer.ts).
serveGeoTiffWriter({
  postMessage: (msg, transfer) => self.postMessage(msg, transfer),
  onMessage: (handler) => self.addEventListener('message', (e: MessageEvent) => handler(e.data)),
});
