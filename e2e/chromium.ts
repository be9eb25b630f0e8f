/**
 * How the project launches Debian's headless Chromium (e2e tests and the browser benchmark):
 * the binary (override with CHROMIUM_PATH) and the flags measured to work on these machines
 * (../shared/TOOLCHAIN.md); `--enable-unsafe-webgpu` exposes the software WebGPU adapter.
 *
 * The GPU process runs on SwiftShader (`--use-angle=swiftshader`) rather than `--disable-gpu`:
 * with `--disable-gpu` the compositor is software, so it copies every frame of a WebGL canvas
 * (maplibre's map) back with glReadPixels, and Chromium logs "GPU stall due to ReadPixels" four
 * times per page load. The page itself makes no readPixels call on load.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumArgs: readonly string[] = [
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
];
