import { readdirSync, readFileSync } from 'node:fs';

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

/** Pids of the Chromium renderer processes below this process in the process tree (Linux /proc). */
export function rendererPids(): number[] {
  return chromiumPids().filter((pid) => isRenderer(pid));
}

/** Pids of the other Chromium processes below this process (browser, GPU, network and storage utilities). */
export function otherChromiumPids(): number[] {
  return chromiumPids().filter((pid) => !isRenderer(pid) && /chrom/i.test(commandOf(pid)));
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

const isRenderer = (pid: number): boolean => commandOf(pid).includes('--type=renderer');

/** Pids of every process below this one in the process tree. */
function chromiumPids(): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended
    }
  }
  return [...parent.keys()].filter((pid) => {
    let p = parent.get(pid);
    while (p !== undefined && p > 1 && p !== process.pid) p = parent.get(p);
    return p === process.pid;
  });
}
