import type { ProgressState } from './state/store.ts';

function formatEta(s: number): string {
  if (s < 1) return '<1 s';
  if (s < 90) return `${Math.round(s)} s`;
  return `${Math.round(s / 60)} min`;
}

/**
 * The progress line: stage, count, detail and time left. The count is left out when the detail
 * already says it ('stage 1 · tile 9/25', not 'stage 1 · 9/25 · tile 9/25') and while nothing is
 * counted yet (a total of 0).
 */
export function progressText(p: ProgressState): string {
  const count = `${p.done}/${p.total}`;
  const parts = [p.stage];
  if (p.total > 0 && (!p.detail || !p.detail.includes(count))) parts.push(count);
  if (p.detail) parts.push(p.detail);
  if (p.etaS !== undefined) parts.push(`about ${formatEta(p.etaS)} left`);
  return parts.join(' · ');
}

/**
 * What the drop panel says is being read: the file's name when one is, else how many (the names
 * in the title, one a line).
 */
export function readingText(names: readonly string[]): { what: string; title: string } {
  if (names.length === 1) return { what: names[0], title: `Reading ${names[0]}` };
  return { what: `${names.length} files`, title: [`Reading ${names.length} files:`, ...names].join('\n') };
}
