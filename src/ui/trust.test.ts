import { describe, expect, it } from 'vitest';
import { trustSentences } from './trust.ts';

const m = (method: string, rmse: number) => ({ method, rmse, mae: 0, bias: 0, r2: 0 });

describe('trust in words', () => {
  it('reads the closed loop against bicubic with the loop scale, and recommends the best method', () => {
    const t = trustSentences([m('srda', 0.524), m('bicubic', 0.542), m('tsharp', 0.643)], 1698, 849);
    expect(t.perMethod.map((p) => p.text)).toEqual([
      "SRDA-Net is 3 % better than bicubic on this scene's closed loop at 1.7 km → 849 m (RMSE 0.524 K vs 0.542 K).",
      "TsHARP is 19 % worse than bicubic on this scene's closed loop at 1.7 km → 849 m (RMSE 0.643 K vs 0.542 K).",
    ]);
    expect(t.recommendation).toBe('Recommended on this scene: SRDA-Net, the lowest closed-loop error.');
  });

  it('recommends bicubic when no method beats it by 1 %, and says a near tie is a tie', () => {
    const t = trustSentences([m('srda', 0.259), m('bicubic', 0.258)], 240, 120);
    expect(t.perMethod[0].text).toMatch(/^SRDA-Net is as good as bicubic \(within 1 %\)/);
    expect(t.recommendation).toMatch(/^Recommended on this scene: bicubic\. No sharpening method beat it by 1 %/);
  });
});
