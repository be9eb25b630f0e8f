/** What the browser offers for a GPU backend, before tfjs is asked. */
export interface GpuProbe {
  isUsable: boolean;
  /** Adapter or renderer description, when known. */
  adapter?: string;
  /** Why it is not used for `auto`. */
  reason?: string;
}

const SOFTWARE = /swiftshader|llvmpipe|softpipe|software|basic render/i;

/** The software rasteriser's name as found in an adapter string (e.g. `SwiftShader`). */
function softwareName(s: string): string {
  return SOFTWARE.exec(s)?.[0] ?? s;
}

/** Looks for a WebGPU adapter; a software (fallback) adapter is reported but not usable for `auto`. */
export async function probeWebGpu(): Promise<GpuProbe> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { isUsable: false, reason: 'WebGPU is not available here (no navigator.gpu)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { isUsable: false, reason: 'no WebGPU adapter' };
    const info = adapter.info;
    const name =
      [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'unknown adapter';
    const isSoftware =
      (info as GPUAdapterInfo & { isFallbackAdapter?: boolean })?.isFallbackAdapter === true ||
      SOFTWARE.test(name);
    return isSoftware
      ? {
          isUsable: false,
          adapter: name,
          reason: `software adapter (${softwareName(name)}), slower than wasm`,
        }
      : { isUsable: true, adapter: name };
  } catch (e) {
    return {
      isUsable: false,
      reason: `WebGPU adapter request failed: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}

/** Looks for WebGL2 on an OffscreenCanvas; a software renderer is reported but not usable for `auto`. */
export function probeWebGl(): GpuProbe {
  if (typeof OffscreenCanvas === 'undefined')
    return { isUsable: false, reason: 'no OffscreenCanvas here (WebGL needs a browser)' };
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (!gl) return { isUsable: false, reason: 'WebGL2 is not available' };
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(
      ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER),
    );
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return SOFTWARE.test(renderer)
      ? {
          isUsable: false,
          adapter: renderer,
          reason: `software renderer (${softwareName(renderer)}), slower than wasm`,
        }
      : { isUsable: true, adapter: renderer };
  } catch (e) {
    return { isUsable: false, reason: `WebGL failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}
