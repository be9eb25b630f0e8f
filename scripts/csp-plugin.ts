import type { Plugin } from 'vite';

/** Host of the optional online basemap (only contacted when the user turns it on). */
const ONLINE_BASEMAP = 'https://tile.openstreetmap.org';

/**
 * The built app's Content-Security-Policy: everything from the app's own origin; wasm compilation
 * for the tfjs wasm backend ('wasm-unsafe-eval', no general eval); data:/blob: images and fetches
 * for the map's rendered layers and the downloads; inline style attributes (React, MapLibre);
 * the online basemap host for tiles only. No inline scripts, no plugins, no foreign forms.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  `connect-src 'self' data: blob: ${ONLINE_BASEMAP}`,
  `img-src 'self' data: blob: ${ONLINE_BASEMAP}`,
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/** Vite plugin: puts the policy as the first `<meta http-equiv>` of index.html in builds (not the dev server, whose HMR needs inline scripts). */
export function contentSecurityPolicy(): Plugin {
  return {
    name: 'srda-content-security-policy',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: () => [
        {
          tag: 'meta',
          attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
          injectTo: 'head-prepend',
        },
      ],
    },
  };
}
