// Offline cache for srda-lst: same-origin GET requests only; nothing else is touched.
// On install it caches every file of the build (precache.json, written by vite.config.ts), so the
// app, the demo scene, the tfjs wasm binaries and the SRDA-Net weights work offline afterwards.
const CACHE = 'srda-lst-v1';
// Hashed build assets and versioned wasm never change; everything else is network-first.
const IMMUTABLE = ['/assets/', '/tfjs-wasm/'];

async function precache() {
  const cache = await caches.open(CACHE);
  const scope = self.registration.scope;
  try {
    const res = await fetch(new URL('precache.json', scope), { cache: 'no-store' });
    if (!res.ok) return;
    const { files } = await res.json();
    await cache.addAll(['./', ...files].map((f) => new URL(f, scope).href));
  } catch (e) {
    // Offline use then covers what was fetched while online.
    console.warn('srda-lst: precache incomplete', e);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  const isImmutable = IMMUTABLE.some((p) => url.pathname.includes(p));
  event.respondWith(
    caches.open(CACHE).then(async (cache) => {
      if (isImmutable) {
        const hit = await cache.match(req, { ignoreVary: true });
        if (hit) return hit;
      }
      try {
        const res = await fetch(req);
        if (res.ok) cache.put(req, res.clone());
        return res;
      } catch (e) {
        const hit = await cache.match(req, { ignoreSearch: true, ignoreVary: true });
        if (hit) return hit;
        throw e;
      }
    }),
  );
});
