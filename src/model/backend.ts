import * as tf from '@tensorflow/tfjs-core';
// tfjs-core and the backends, not the @tensorflow/tfjs bundle: that one also loads tfjs-layers,
// -converter and -data (~60 MB more per worker thread in Node), which wasm and cpu inference do
// not need. The bundle is loaded where it is needed: for webgl and webgpu (their kernels call
// chained tensor methods such as x.reshape, which it registers) and for training (model/train.ts:
// gradients). cpu always (the last fallback).
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { AppError } from '../core/errors.ts';

/** tfjs backends the project uses, fastest first on machines with a GPU. */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** The backend in use and why each faster one was skipped. */
export interface BackendChoice {
  backend: BackendName;
  skipped: { backend: BackendName; reason: string }[];
}

/** Options of backend selection. */
export interface BackendOptions {
  /** Try only this backend (no fallback), e.g. from `--backend wasm`. */
  only?: BackendName;
  /** Folder or URL prefix holding the tfjs-backend-wasm `.wasm` files (browser builds). */
  wasmPaths?: string;
  /** XNNPACK threads of the wasm backend where the page is cross-origin isolated (default 1: no threads). */
  wasmThreads?: number;
}

let wasmRegistered = false;
let webgpuRegistered = false;
let webglRegistered = false;

async function register(name: BackendName, opts: BackendOptions): Promise<string | undefined> {
  const g = globalThis as { navigator?: { gpu?: unknown }; document?: unknown; OffscreenCanvas?: unknown };
  if (name === 'webgpu') {
    if (!g.navigator?.gpu) return 'navigator.gpu is not available (no WebGPU in this environment)';
    if (!webgpuRegistered) {
      await import('@tensorflow/tfjs'); // the GPU kernels call chained tensor methods (see below)
      await import('@tensorflow/tfjs-backend-webgpu');
      webgpuRegistered = true;
    }
  } else if (name === 'webgl') {
    if (!g.document && !g.OffscreenCanvas) return 'no canvas (WebGL needs a browser or OffscreenCanvas)';
    if (!webglRegistered) {
      await import('@tensorflow/tfjs'); // registers webgl and the chained tensor methods its kernels call
      webglRegistered = true;
    }
  } else if (name === 'wasm') {
    const threads = opts.wasmThreads ?? 1;
    if (threads > 1 && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true)
      (await import('./wasm-threads.ts')).prepareWasmThreads(threads);
    else tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (opts.wasmPaths) setWasmPaths(opts.wasmPaths);
    if (!wasmRegistered) {
      await import('@tensorflow/tfjs-backend-wasm');
      wasmRegistered = true;
    }
  }
  return undefined;
}

/**
 * Selects the fastest working backend (webgpu -> webgl -> wasm -> cpu) and returns the reason each
 * faster one was skipped. With `only`, that backend or NO_BACKEND.
 */
export async function selectBackend(opts: BackendOptions = {}): Promise<BackendChoice> {
  const order = opts.only ? [opts.only] : BACKEND_ORDER;
  const skipped: BackendChoice['skipped'] = [];
  for (const name of order) {
    let reason = await register(name, opts).catch((e: unknown) => `failed to load: ${e instanceof Error ? e.message : String(e)}`);
    if (!reason) {
      try {
        const ok = await tf.setBackend(name);
        if (ok) {
          await tf.ready();
          return { backend: name, skipped };
        }
        reason = 'initialisation failed';
      } catch (e) {
        reason = `initialisation failed: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    skipped.push({ backend: name, reason });
  }
  throw new AppError('NO_BACKEND', `No TensorFlow.js backend works here: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}.`);
}

/** The backend currently active (after `selectBackend`). */
export function currentBackend(): string {
  return tf.getBackend();
}
