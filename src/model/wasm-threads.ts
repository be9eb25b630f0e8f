import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import threadedFactory from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
import threadedSource from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?raw';

/**
 * Prepares tfjs-backend-wasm's threaded build (XNNPACK threads; browser only, the page must be
 * cross-origin isolated). tfjs starts each pthread worker from the text
 * `var WasmBackendModuleThreadedSimd = ${factory.toString()}`; once bundled and minified, that text
 * refers to renamed variables of the closure around it and every pthread worker fails
 * ("e is not defined"). The factory's text is therefore the module's shipped source, whole.
 */
export function prepareWasmThreads(threads: number): void {
  Object.defineProperty(threadedFactory, 'toString', {
    value: () => `(() => {\n${threadedSource}\nreturn WasmBackendModuleThreadedSimd;\n})()`,
    configurable: true,
  });
  setThreadsCount(threads);
}
