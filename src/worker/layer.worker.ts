/// <reference lib="webworker" />
import { serveLayers } from './layer-pool.ts';

declare const self: DedicatedWorkerGlobalScope;

// Makes map layers (display grid and statistics) for the thread that ran the stages (worker/layer-pool.ts).
serveLayers({
  postMessage: (msg, transfer) => self.postMessage(msg, transfer),
  onMessage: (handler) => self.addEventListener('message', (e: MessageEvent) => handler(e.data)),
});
