import { describe, expect, it } from 'vitest';
import { progressText, readingText } from './progress-text.ts';

describe('progressText', () => {
  it('says a tile count once when the detail already holds it', () => {
    expect(progressText({ stage: 'SRDA-Net, stage 1', done: 9, total: 25, detail: 'tile 9/25' })).toBe('SRDA-Net, stage 1 · tile 9/25');
  });

  it('keeps the count when the detail says something else (orientations, fine-tune loss, a file)', () => {
    expect(progressText({ stage: 'SRDA-Net, stage 1', done: 21, total: 72, detail: 'orientation 3/8, tile 3/9' })).toBe(
      'SRDA-Net, stage 1 · 21/72 · orientation 3/8, tile 3/9',
    );
    expect(progressText({ stage: 'SRDA-Net, fine-tune', done: 5, total: 200, detail: 'charbonnier 0.0123' })).toBe('SRDA-Net, fine-tune · 5/200 · charbonnier 0.0123');
    expect(progressText({ stage: 'read', done: 1, total: 3 })).toBe('read · 1/3');
  });

  it('leaves out the count while nothing is counted yet (an export starting)', () => {
    expect(progressText({ stage: 'Exporting lst-250m.tif', done: 0, total: 0, detail: 'starting' })).toBe('Exporting lst-250m.tif · starting');
    expect(progressText({ stage: 'prepare', done: 0, total: 0 })).toBe('prepare');
  });

  it('adds the time left when known', () => {
    expect(progressText({ stage: 'stage 2', done: 3, total: 9, detail: 'tile 3/9', etaS: 51 })).toBe('stage 2 · tile 3/9 · about 51 s left');
    expect(progressText({ stage: 'stage 2', done: 3, total: 9, etaS: 0.4 })).toBe('stage 2 · 3/9 · about <1 s left');
    expect(progressText({ stage: 'stage 2', done: 3, total: 9, etaS: 600 })).toBe('stage 2 · 3/9 · about 10 min left');
  });
});

describe('readingText', () => {
  it('names the one file being read, and says how many when several are, listing them in the title', () => {
    expect(readingText(['LC08_L1TP_173049_20140310_20170425_01_T1_B10.TIF'])).toEqual({
      what: 'LC08_L1TP_173049_20140310_20170425_01_T1_B10.TIF',
      title: 'Reading LC08_L1TP_173049_20140310_20170425_01_T1_B10.TIF',
    });
    expect(readingText(['a_B4.TIF', 'a_B5.TIF', 'a_MTL.txt'])).toEqual({ what: '3 files', title: 'Reading 3 files:\na_B4.TIF\na_B5.TIF\na_MTL.txt' });
  });
});
