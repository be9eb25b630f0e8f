// Offline cache for srda-lst: same-origin GET requests only; nothing else is touched.
// On install it caches every file of the build (precache.json, written by vite.config.ts), so the
// app, the demo scene, the tfjs wasm binaries and the SRDA-Net weights work offline afterwards.
const CACHE = 'srda-lst-v1';
// Hashed build assets and versioned wasm never change; everything else is network-first.
const IMMUTABLE = ['/assets/', '/tfjs-wasm/'];
// Cross-origin isolation for static hosts that cannot set headers (GitHub Pages and the like): the
// same COOP/COEP headers vite dev/preview send (vite.config.ts), added to every response served
// here. They take effect from the first load this worker controls (the next visit or reload).
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'credentialless',
};

function withIsolation(res) {
  if (!res || res.status === 0 || res.type === 'opaque' || res.type === 'opaqueredirect') return res;
  const headers = new Headers(res.headers);
  for (const [k, v] of Object.entries(ISOLATION_HEADERS)) headers.set(k, v);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

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
    caches.open(CACHE).then(async (cache) => withIsolation(await respond(cache, req, isImmutable))),
  );
});

/** The response for a same-origin GET: cache first for immutable files, network first otherwise. */
async function respond(cache, req, isImmutable) {
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
}
