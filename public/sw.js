// Offline cache for srda-lst: same-origin GET requests only; nothing else is touched.
const CACHE = 'srda-lst-v1';
// Hashed build assets and versioned wasm never change; everything else is network-first.
const IMMUTABLE = ['/assets/', '/tfjs-wasm/'];

async function precacheModel(cache) {
  try {
    const url = new URL('./models/srda-net/model.json', self.registration.scope);
    const res = await fetch(url);
    if (!res.ok) return;
    await cache.put(url, res.clone());
    const manifest = (await res.json()).weightsManifest ?? [];
    const paths = manifest.flatMap((g) => g.paths.map((p) => new URL(p, url).href));
    await cache.addAll(paths);
  } catch {
    // The weights are cached on first use instead.
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then(precacheModel).then(() => self.skipWaiting()));
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
        const hit = await cache.match(req);
        if (hit) return hit;
      }
      try {
        const res = await fetch(req);
        if (res.ok) cache.put(req, res.clone());
        return res;
      } catch (e) {
        const hit = await cache.match(req, { ignoreSearch: true });
        if (hit) return hit;
        throw e;
      }
    }),
  );
});
