/**
 * How the project launches Debian's headless Chromium (e2e tests and the browser benchmark):
 * the binary (override with CHROMIUM_PATH) and the flags measured to work on these machines
 * (../shared/TOOLCHAIN.md); `--enable-unsafe-webgpu` exposes the software WebGPU adapter.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumArgs: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
];
