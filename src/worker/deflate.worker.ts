/// <reference lib="webworker" />
import { webStreamsCodec } from '../io/deflate-codec.ts';
import { serveDeflate } from '../pipeline/deflate-serve.ts';
import { withJsDeflate } from './web-deflate.ts';

declare const self: DedicatedWorkerGlobalScope;

// Compresses and inflates blocks for the thread that writes and reads GeoTIFFs (pipeline/deflate-serve.ts).
serveDeflate(
  {
    postMessage: (msg, transfer) => self.postMessage(msg, transfer),
    onMessage: (handler) => self.addEventListener('message', (e: MessageEvent) => handler(e.data)),
  },
  withJsDeflate(webStreamsCodec),
);
