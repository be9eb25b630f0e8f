import { store } from './store.ts';
import { worker } from './worker-handle.ts';

/** Id of the map layer showing the dropped LST before any run. */
export const DROPPED = 'lst-dropped';
/** The input the dropped-LST layer shows (or was last asked for). */
let droppedFor: string | undefined;
/** Aborts the dropped-LST layer the worker is still making. */
let making: AbortController | undefined;

/**
 * Puts the dropped LST on the map before any run (it gives way to the run's own input layer). A
 * layer still being made for another LST is cancelled: the worker stops its display reprojection
 * at the next block of rows, and its answer is not shown.
 */
export async function showDroppedLst(lstId: string | undefined): Promise<void> {
  const s = store.get();
  const hasResults = s.layers.some((l) => l.id !== DROPPED);
  if (hasResults || lstId === droppedFor) return;
  making?.abort();
  droppedFor = lstId;
  if (!lstId) {
    store.set((x) => ({ layers: x.layers.filter((l) => l.id !== DROPPED) }));
    return;
  }
  const ctrl = new AbortController();
  making = ctrl;
  try {
    const { layer } = await worker().call('inputLayer', { id: lstId }, { signal: ctrl.signal });
    if (ctrl.signal.aborted || store.get().layers.some((l) => l.id !== DROPPED)) return;
    store.set({ layers: [layer], visible: { [DROPPED]: true } });
  } catch (e) {
    if (!ctrl.signal.aborted) throw e;
  } finally {
    if (making === ctrl) making = undefined;
  }
}

/** Results replaced the dropped LST: show it again if they go. */
export function forgetDropped(): void {
  droppedFor = undefined;
}
