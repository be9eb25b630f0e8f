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

  it("says how much of SRDA-Net's detail the output keeps, and that a loop-chosen share scores optimistically", () => {
    const kept = trustSentences([{ ...m('srda', 0.53), detailWeight: 0.41 }, m('bicubic', 0.542)], 1698, 849);
    expect(kept.perMethod[0].text).toMatch(/^SRDA-Net is 2 % better than bicubic .* The output keeps 41 % of SRDA-Net's detail over bicubic, the share this loop supports; the loop chose that share, so this score is optimistic\.$/);
    const none = trustSentences([{ ...m('srda', 0.542), detailWeight: 0 }, m('bicubic', 0.542)], 1698, 849);
    expect(none.perMethod[0].text).toMatch(/Its detail is not supported here, so the output is the bicubic result\.$/);
  });

  it('says when SRDA-Net averaged over orientations, and not otherwise', () => {
    const eight = trustSentences([{ ...m('srda', 0.5), detailWeight: 0.6, orientations: 8 }, m('bicubic', 0.542)], 1698, 849);
    expect(eight.perMethod[0].text).toMatch(/the loop chose that share, so this score is optimistic\. Its prediction is the mean over 8 orientations of its input \(mirrored, rotated, transposed\)\.$/);
    const one = trustSentences([{ ...m('srda', 0.5), detailWeight: 0.6 }, m('bicubic', 0.542)], 1698, 849);
    expect(one.perMethod[0].text).not.toMatch(/orientations/);
  });
});
