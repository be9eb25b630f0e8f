import { describe, expect, it } from 'vitest';
import { detailShareWords } from './detail-share.ts';

describe('detailShareWords', () => {
  it('says the share and that the loop scored chose it', () => {
    expect(detailShareWords(0.69)).toBe("The output keeps 69 % of SRDA-Net's detail over bicubic, the share this loop supports; the loop chose that share, so this score is optimistic.");
    expect(detailShareWords(0)).toBe('Its detail is not supported here, so the output is the bicubic result.');
  });

  it('names the loop the share was fitted on when another loop is scored', () => {
    expect(detailShareWords(0.69, 'scene')).toBe("The output keeps 69 % of SRDA-Net's detail over bicubic, the share the scene's one-stage loop on the app's sample supports (not this loop).");
    // Before, evaluate cut the first sentence's tail and appended this one: a share of 0 read
    // 'Its detail is not supported here, so the output is the bicubic result., the share the scene's …'.
    expect(detailShareWords(0, 'scene')).toBe("Its detail is not supported on the scene's one-stage loop on the app's sample (not this loop), so the output is the bicubic result.");
  });

  it("names the loop input's one-stage loop, the app's fit for a run from that input, for a multi-stage loop", () => {
    expect(detailShareWords(0.69, 'loop-input')).toBe("The output keeps 69 % of SRDA-Net's detail over bicubic, the share the one-stage loop of this loop's coarse input supports (as the app fits it for a run from that input).");
    expect(detailShareWords(0, 'loop-input')).toBe("Its detail is not supported on the one-stage loop of this loop's coarse input (as the app fits it for a run from that input), so the output is the bicubic result.");
  });
});
