/**
 * A process's resident memory by mapping, from the text of its `/proc/PID/smaps` (Linux): what a
 * renderer's peak holds (`browser-run --smaps-at-peak`). In a Chromium renderer the large anonymous
 * mappings are the big ArrayBuffers (one each: a 4800x4800 float32 raster is 87.9 MB) and the tile
 * workers' WebAssembly memories (83.1 MB on the full tile); the 1-16 MB ones are mostly allocator
 * and V8 heap pages (PartitionAlloc's 2 MiB super pages) and mid-sized ArrayBuffers (a band of a
 * streamed stage: 4.7 MB); file-backed ones are Chromium's binary and libraries.
 */
export interface SmapsSummary {
  /** Resident MB in all. */
  rssMB: number;
  /** Resident MB of file-backed mappings. */
  fileMB: number;
  /** Resident MB of each anonymous mapping of 16 MB or more holding at least 0.5 MB, largest first. */
  largeAnonMB: number[];
  /** Anonymous mappings of 1-16 MB, resident MB. */
  midAnonMB: number;
  /** Those grouped by size (to 0.1 MB): count and resident MB, most resident first. */
  midAnonBySize: Array<{ sizeMB: number; count: number; rssMB: number }>;
  /** Anonymous mappings under 1 MB, and the named ones ([heap], [stack], ...), resident MB. */
  otherMB: number;
}

const MB = 1024;

/** Sums `smaps`'s mappings into the groups of `SmapsSummary`. */
export function summariseSmaps(smaps: string): SmapsSummary {
  const maps: Array<{ sizeKb: number; rssKb: number; name: string }> = [];
  for (const line of smaps.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) maps.push({ sizeKb: (parseInt(head[2], 16) - parseInt(head[1], 16)) / 1024, rssKb: 0, name: head[3] });
    else if (line.startsWith('Rss:') && maps.length > 0) maps[maps.length - 1].rssKb = Number(line.split(/\s+/)[1]);
  }
  const sum = (ms: typeof maps) => ms.reduce((n, m) => n + m.rssKb, 0) / MB;
  const anon = maps.filter((m) => m.name === '');
  const mid = anon.filter((m) => m.sizeKb >= MB && m.sizeKb < 16 * MB);
  const bySize = new Map<number, { count: number; rssKb: number }>();
  for (const m of mid) {
    const k = Math.round((10 * m.sizeKb) / MB) / 10;
    const g = bySize.get(k) ?? { count: 0, rssKb: 0 };
    g.count++;
    g.rssKb += m.rssKb;
    bySize.set(k, g);
  }
  return {
    rssMB: sum(maps),
    fileMB: sum(maps.filter((m) => m.name.startsWith('/'))),
    largeAnonMB: anon
      .filter((m) => m.sizeKb >= 16 * MB && m.rssKb >= MB / 2)
      .map((m) => m.rssKb / MB)
      .sort((a, b) => b - a),
    midAnonMB: sum(mid),
    midAnonBySize: [...bySize]
      .map(([sizeMB, g]) => ({ sizeMB, count: g.count, rssMB: g.rssKb / MB }))
      .sort((a, b) => b.rssMB - a.rssMB),
    otherMB: sum(maps.filter((m) => (m.name === '' && m.sizeKb < MB) || (m.name !== '' && !m.name.startsWith('/')))),
  };
}

/** One line of a summary: all, file-backed, the large anonymous mappings, the mid-sized ones (the eight largest groups), the rest. */
export function smapsLine(s: SmapsSummary): string {
  const f = (x: number) => x.toFixed(1);
  const groups = s.midAnonBySize.slice(0, 8).map((g) => `${g.count} x ${f(g.sizeMB)} MB: ${f(g.rssMB)}`);
  return `resident ${f(s.rssMB)} MB: file-backed ${f(s.fileMB)}; anonymous >= 16 MB ${s.largeAnonMB.map(f).join(' + ') || 'none'}; 1-16 MB ${f(s.midAnonMB)} (${groups.join(', ')}); other ${f(s.otherMB)}`;
}
