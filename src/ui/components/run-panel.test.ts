import { describe, expect, it } from 'vitest';
import { skippedBackends } from './RunPanel.tsx';

describe('skippedBackends (the status line)', () => {
  it('lists the backends a runner fallback reason names, and shows any other reason whole', () => {
    expect(skippedBackends('webgpu: software adapter (swiftshader), slower than wasm; webgl: software renderer (SwiftShader), slower than wasm')).toBe('webgpu, webgl');
    expect(skippedBackends('webgpu: no adapter')).toBe('webgpu');
    expect(skippedBackends('the GPU was lost')).toBe('the GPU was lost');
  });
});
