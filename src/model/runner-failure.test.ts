import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.ts';
import { backendFailure } from './runner.ts';

describe('backendFailure', () => {
  it('recognises a lost GPU device, including the rejected read-back tfjs-webgpu reports', () => {
    expect(
      backendFailure(
        new Error(
          "AbortError: Failed to execute 'mapAsync' on 'GPUBuffer': Buffer was unmapped before mapping was resolved.",
        ),
      ),
    ).toBe('device lost');
    expect(backendFailure(new Error('Device was lost: the GPU process crashed'))).toBe('device lost');
    expect(backendFailure(new Error('WebGL context lost'))).toBe('device lost');
  });

  it('recognises exhausted memory on wasm, WebGL and WebGPU', () => {
    expect(backendFailure(new RangeError('Array buffer allocation failed'))).toBe('out of memory');
    expect(backendFailure(new Error('Failed to allocate 268435456 bytes'))).toBe('out of memory');
    expect(backendFailure(new Error('Out of memory: cannot grow WebAssembly memory'))).toBe('out of memory');
  });

  it('leaves other failures (bad input, cancellation) to the caller', () => {
    expect(backendFailure(new AppError('CANCELLED', 'The operation was cancelled.'))).toBeUndefined();
    expect(
      backendFailure(new TypeError("Cannot read properties of undefined (reading 'data')")),
    ).toBeUndefined();
  });
});
