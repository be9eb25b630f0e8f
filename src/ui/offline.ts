/**
 * Registers the service worker that caches the app, the tfjs wasm binaries and the SRDA-Net weights
 * after the first load, so everything works offline afterwards. Skipped in dev (Vite serves
 * modules on demand) and where service workers are unavailable.
 */
export function registerOfflineCache(): void {
  if (import.meta.env.DEV || !('serviceWorker' in navigator)) return;
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('./sw.js').catch((e: unknown) => {
      console.warn('Offline cache unavailable:', e);
    });
  });
}
