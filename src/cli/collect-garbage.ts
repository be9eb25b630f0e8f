import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

/**
 * Runs a full garbage collection now, where Node allows it (always, unless the flag cannot be set).
 * Called once the scene is prepared: the files and rasters as read (a few hundred MB on a full
 * MODIS tile) are garbage from then on, but V8 frees them only at its next major collection, which
 * may come after the run's peak, adding them to the process's peak memory. The collector is made
 * reachable by turning on `--expose-gc` at run time and taking `gc` from a fresh context.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    try {
      if (!exposed) setFlagsFromString('--expose-gc');
      gc = exposed ?? (runInNewContext('gc') as () => void);
    } catch {
      gc = null;
    }
  }
  gc?.();
}
