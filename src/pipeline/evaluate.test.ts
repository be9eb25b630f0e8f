import { describe, expect, it } from 'vitest';
import { evaluateClosedLoop } from './evaluate.ts';
import { prepareScene } from './prepare.ts';
import { synthScene } from './test-scenes.ts';

function scene() {
  const { ndvi, lst } = synthScene(128, 96, 250);
  return prepareScene({ lst, aux: { ndvi } }, { allowZeroStages: true });
}

describe('evaluateClosedLoop', () => {
  it('reports the tiles of its inner runs, then one step per method', async () => {
    const seen: string[] = [];
    const res = await evaluateClosedLoop(scene(), ['bicubic', 'tsharp'], { tileCoarsePx: 16 }, { onProgress: (p) => seen.push(`${p.stage} ${p.done}/${p.total}`) });
    expect(res.methods.map((m) => m.method)).toEqual(['bicubic', 'tsharp']);
    // By the methods' names, as the app's layers and the CLI's other lines say them.
    expect(seen).toContain('Bicubic corrected, stage 1 1/12');
    expect(seen).toContain('TsHARP uncorrected, stage 1 12/12');
    expect(seen.filter((s) => s.startsWith('closed loop'))).toEqual(['closed loop 1/2', 'closed loop 2/2']);
  });

  it('stops inside an inner run when cancelled there', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const run = evaluateClosedLoop(scene(), ['bicubic'], { tileCoarsePx: 16 }, {
      signal: ac.signal,
      onProgress: (p) => {
        seen.push(p.stage);
        if (p.done === 2) ac.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen).toEqual(['Bicubic corrected, stage 1', 'Bicubic corrected, stage 1']);
  });
});
