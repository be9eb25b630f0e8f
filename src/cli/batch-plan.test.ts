import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { crsFromEpsg } from '../core/geo/crs.ts';
import type { BandRole } from '../io/dataset.ts';
import { writeGeoTiff } from '../io/geotiff-write.ts';
import { parseManifest } from './batch-manifest.ts';
import { describeBatchFile, planBatch, planBatchSource } from './batch-plan.ts';
import { main } from './main.ts';
import { capturePrinted } from './test-output.ts';

const PAIRS = path.resolve(import.meta.dirname, '../../../shared/data/modis-aster-h18v04-sifcnnsr');
const CHIAPAS = path.resolve(import.meta.dirname, '../../../shared/data/landsat7_chiapas_opengeotutorial');
const GEZIRA = path.resolve(import.meta.dirname, '../../../shared/data/landsat8_gezira_sudan_pysebal');
const SCENE = 'LC08_L1TP_173049_20140310_20170425_01_T1';

describe.skipIf(!existsSync(GEZIRA))('a Landsat folder as a batch source (Gezira 2014-03-10, Collection 1 L1TP with its BQA)', () => {
  it("takes the BQA as the date's cloud mask; before, it was a 'qc' band that no item read", async () => {
    expect((await describeBatchFile(path.join(GEZIRA, `${SCENE}_BQA.TIF`))).roles).toEqual(['cloud-mask']);
    const { items } = await planBatchSource(GEZIRA);
    expect(items.map((i) => i.id)).toEqual(['2014-03-10']);
    const names = items[0].files.map((f) => path.basename(f.path));
    expect(names).toContain(`${SCENE}_BQA.TIF`);
    expect(names).toContain(`${SCENE}_B10.TIF`);
    expect(names).toContain(`${SCENE}_B4.TIF`);
    // The coastal, panchromatic and cirrus bands have no role: no item reads them.
    for (const b of ['B1', 'B8', 'B9']) expect(names).not.toContain(`${SCENE}_${b}.TIF`);
  });
});

describe('undated scenes in folders of their own', () => {
  const f = (p: string, role: 'lst' | 'ndvi' | 'dem' | 'cloud-mask', date?: string) => ({ path: p, roles: [role], dates: [date] });
  it('makes one item per folder with that folder\'s mask and guides first; one folder, or dated files, as before', () => {
    const items = planBatch([
      f('/d/a/lst.tif', 'lst'),
      f('/d/a/ndvi.tif', 'ndvi'),
      f('/d/a/clouds.tif', 'cloud-mask'),
      f('/d/b/lst.tif', 'lst'),
      f('/d/b/ndvi.tif', 'ndvi'),
      f('/d/dem.tif', 'dem'),
    ]);
    expect(items.map((i) => [i.id, i.files.map((x) => x.path)])).toEqual([
      ['a', ['/d/a/lst.tif', '/d/a/clouds.tif', '/d/a/ndvi.tif', '/d/dem.tif']],
      ['b', ['/d/b/lst.tif', '/d/b/ndvi.tif', '/d/dem.tif']],
    ]);
    // LST files in the common folder too: its scene is 'undated' (before: an item with an empty id, written into OUT itself).
    expect(planBatch([f('/d/lst.tif', 'lst'), f('/d/ndvi.tif', 'ndvi'), f('/d/a/lst.tif', 'lst'), f('/d/a/ndvi.tif', 'ndvi')]).map((i) => [i.id, i.files.map((x) => x.path)])).toEqual([
      ['a', ['/d/a/lst.tif', '/d/a/ndvi.tif']],
      ['undated', ['/d/lst.tif', '/d/ndvi.tif']],
    ]);
    // Before: one item 'undated' with both LSTs, the first folder's NDVI and its mask for both scenes.
    expect(planBatch([f('/d/a/lst.tif', 'lst'), f('/d/a/ndvi.tif', 'ndvi')]).map((i) => i.id)).toEqual(['undated']);
    expect(planBatch([f('/d/a/lst.tif', 'lst', '2024-01-01'), f('/d/b/lst.tif', 'lst', '2024-01-02'), f('/d/a/ndvi.tif', 'ndvi')]).map((i) => i.id)).toEqual(['2024-01-01', '2024-01-02']);
  });
});

describe('an undated cloud or water mask beside dated LSTs', () => {
  const f = (p: string, roles: BandRole[], date?: string) => ({ path: p, roles, dates: [date] });
  it("goes with every dated item beside the date's own mask, as the app applies it to every date; before, no item read it", () => {
    const items = planBatch([
      f('/d/2024-01-01_lst.tif', ['lst'], '2024-01-01'),
      f('/d/2024-01-01_clouds.tif', ['cloud-mask'], '2024-01-01'),
      f('/d/2024-01-02_lst.tif', ['lst'], '2024-01-02'),
      f('/d/clouds.tif', ['cloud-mask']),
      f('/d/water.tif', ['water-mask']),
      f('/d/dem.tif', ['dem']),
      f('/d/x/2024-01-02_water.tif', ['water-mask'], '2024-01-02'),
    ]);
    expect(items.map((i) => [i.id, i.files.map((x) => x.path)])).toEqual([
      ['2024-01-01', ['/d/2024-01-01_lst.tif', '/d/2024-01-01_clouds.tif', '/d/clouds.tif', '/d/water.tif', '/d/dem.tif']],
      // The date's own water mask first: the scene applies the first water mask of the date.
      ['2024-01-02', ['/d/2024-01-02_lst.tif', '/d/x/2024-01-02_water.tif', '/d/clouds.tif', '/d/water.tif', '/d/dem.tif']],
    ]);
  });

  it("stays with its own folder's scene where undated scenes have folders of their own, and an undated LST's file is never added to a dated item", () => {
    const items = planBatch([
      f('/d/a/lst.tif', ['lst']),
      f('/d/a/clouds.tif', ['cloud-mask']),
      f('/d/b/lst.tif', ['lst']),
      f('/d/c/2024-01-01_lst.tif', ['lst'], '2024-01-01'),
      f('/d/c/stack.tif', ['lst', 'cloud-mask']),
    ]);
    expect(items.map((i) => [i.id, i.files.map((x) => x.path)])).toEqual([
      ['2024-01-01', ['/d/c/2024-01-01_lst.tif']],
      ['a', ['/d/a/lst.tif', '/d/a/clouds.tif']],
      ['b', ['/d/b/lst.tif']],
      ['c', ['/d/c/stack.tif']],
    ]);
  });
});

describe.skipIf(!existsSync(PAIRS))('the MODIS-ASTER pair database as a batch source (55 folders of undated files)', () => {
  it('plans one item per pair folder, each with its own three files', async () => {
    const { items } = await planBatchSource(PAIRS);
    expect(items).toHaveLength(55);
    for (const it of items) {
      expect(it.files.map((x) => path.relative(PAIRS, x.path)).sort()).toEqual(
        ['ASTER_LST_250m.tif', 'MOD09GQ_NDVI_250m.tif', 'MOD21A1D_LST_1km.tif'].map((n) => path.join(it.id, n)),
      );
    }
  });
});

describe.skipIf(!existsSync(CHIAPAS))('Landsat stacks as a batch source (Chiapas: one .gtif per date, LST and reflectance bands in one file)', () => {
  it('plans one item per date that reads its stack once; before, .gtif files were not looked at (no LST found), and a stack was listed once per role it serves', async () => {
    const { items } = await planBatchSource(CHIAPAS);
    expect(items.map((i) => [i.id, i.files.map((x) => path.basename(x.path))])).toEqual([
      ['1999-11-18', ['LE70220491999322EDC01_stack.gtif']],
      ['2002-04-16', ['LE70220492002106EDC00_stack.gtif']],
    ]);
  });
});

describe('a manifest gives a file, or one band of it, a role in the words of downscale', () => {
  const printed = capturePrinted();
  const dir = mkdtempSync(path.join(tmpdir(), 'srda-manifest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** A 2-band 4 x 4 UTM GeoTIFF (bands without roles) in the test folder. */
  const twoBands = (): string => {
    const file = path.join(dir, 'two.tif');
    const grid = { width: 4, height: 4, transform: [462405, 30, 0, 1741815, 0, -30] as [number, number, number, number, number, number], crs: crsFromEpsg(32615) };
    writeFileSync(file, writeGeoTiff([{ raster: { ...grid, data: new Float32Array(16) } }, { raster: { ...grid, data: new Float32Array(16).fill(4) } }]));
    return file;
  };
  /** `text` as the manifest `name` in the test folder; its path. */
  const manifest = (name: string, text: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('reads --ROLE FILE[:BAND] lines, JSON strings of the same words and JSON objects with path, role and band', () => {
    expect(parseManifest('m.txt', '# masks\na.tif\n--cloud-mask stack.gtif:8\n--qc q.tif  # its QC\n')).toEqual([
      { path: 'a.tif', where: 'm.txt line 2' },
      { path: 'stack.gtif', where: 'm.txt line 3 (--cloud-mask stack.gtif:8)', given: { role: 'cloud-mask', band: '8', where: 'm.txt line 3 (--cloud-mask stack.gtif:8)' } },
      { path: 'q.tif', where: 'm.txt line 4 (--qc q.tif)', given: { role: 'lst-qc', where: 'm.txt line 4 (--qc q.tif)' } },
    ]);
    const [plain, line, object] = parseManifest('m.json', '["a.tif", "--cloud-mask stack.gtif:8", {"path": "stack.gtif", "role": "water-mask", "band": 8}]');
    expect(plain).toEqual({ path: 'a.tif', where: 'm.json entry 1' });
    expect(line.given).toMatchObject({ role: 'cloud-mask', band: '8' });
    expect(object).toMatchObject({ path: 'stack.gtif', given: { role: 'water-mask', band: '8', isObject: true } });
  });

  it.each([
    ['m.txt', 'a.tif\n--cloudmask stack.gtif:8\n', "m.txt line 2 (--cloudmask stack.gtif:8): '--cloudmask' is not a role: give one of --lst, --qc, --cloud-mask, --water-mask, --ndvi, --red, --nir, --swir, --albedo, --dem, --landcover (as srda-lst downscale takes them) before the file."],
    ['m.txt', '--cloud-mask\n', 'm.txt line 1 (--cloud-mask): --cloud-mask names no file: write --cloud-mask FILE or --cloud-mask FILE:BAND.'],
    ['m.json', '[{"path": "stack.gtif", "role": "cloud", "band": 8}]', 'm.json entry 1 ({"path":"stack.gtif","role":"cloud","band":8}): "cloud" is not a role: give one of lst, qc, cloud-mask, water-mask, ndvi, red, nir, swir, albedo, dem, landcover (srda-lst downscale\'s input options).'],
    ['m.json', '[{"path": "stack.gtif", "band": 8}]', 'm.json entry 1 ({"path":"stack.gtif","band":8}): a band needs a role: add "role" (one of lst, qc, cloud-mask, water-mask, ndvi, red, nir, swir, albedo, dem, landcover).'],
    ['m.json', '[{"file": "stack.gtif"}]', 'm.json entry 1 ({"file":"stack.gtif"}): an entry is a path or { "path": FILE, "role": ROLE, "band": BAND } (role and band optional; \'file\' is none of these).'],
    ['m.json', '[{"path": "stack.gtif", "role": "cloud-mask", "band": true}]', 'm.json entry 1 ({"path":"stack.gtif","role":"cloud-mask","band":true}): "band" is a 1-based band number or a band name, not true.'],
    ['m.json', '["a.tif",', 'm.json is not valid JSON'],
  ])('refuses a bad entry of %s (%j), naming the manifest and the entry', (name, text, message) => {
    expect(() => parseManifest(name, text)).toThrow(message);
  });

  it('refuses, before planning anything, a missing file, a band out of range or a multi-band file without its band: one line naming the manifest and the entry, exit 1 (before: the line was a path that did not exist)', async () => {
    const two = twoBands();
    const cases: [string, string, RegExp][] = [
      ['missing.txt', `--cloud-mask missing.gtif:8\n`, /^srda-lst batch: BAD_ARGUMENT: \S*missing\.txt line 1 \(--cloud-mask missing\.gtif:8\) lists missing\.gtif, which does not exist\.\n$/],
      ['range.txt', `--cloud-mask ${two}:3\n`, /^srda-lst batch: MISSING_BAND: \S*range\.txt line 1 \(--cloud-mask \S*two\.tif:3\): two\.tif: no band '3' \(bands: 1:[^,]*, 2:[^,]*\)\.\n$/],
      ['range.json', JSON.stringify([{ path: 'two.tif', role: 'cloud-mask', band: 0 }]), /^srda-lst batch: MISSING_BAND: \S*range\.json entry 1 \(.*\): two\.tif: no band '0' \(bands: /],
      ['noband.json', JSON.stringify([{ path: 'two.tif', role: 'cloud-mask' }]), /^srda-lst batch: MISSING_BAND: \S*noband\.json entry 1 \(.*\): two\.tif has 2 bands and none has the role 'cloud-mask': name one with "band" \(its number or name\) \(bands: /],
      ['folder.txt', `--cloud-mask ${dir}\n`, /^srda-lst batch: BAD_ARGUMENT: \S*folder\.txt line 1 \(--cloud-mask \S+\): \S+ is a folder; a role is given to one file \(or one band of it, FILE:BAND\)\.\n$/],
    ];
    for (const [name, text, pattern] of cases) {
      printed.err = '';
      expect(await main(['batch', manifest(name, text), '--list']), name).toBe(1);
      expect(printed.err).toMatch(pattern);
      expect(printed.out).toBe('');
    }
  });

  it.skipIf(!existsSync(CHIAPAS))('shows in --list each role the manifest gives, after its file (#cloud-mask:8), one line per item; before, only the files', async () => {
    const [s1999, s2002] = ['LE70220491999322EDC01_stack.gtif', 'LE70220492002106EDC00_stack.gtif'].map((n) => path.join(CHIAPAS, n));
    const rel = (f: string): string => path.relative(process.cwd(), f);
    const expected = `0\t1999-11-18\t${rel(s1999)}\n1\t2002-04-16\t${rel(s2002)}#cloud-mask:8#swir:5\n`;
    printed.out = '';
    expect(await main(['batch', manifest('list.txt', `${s1999}\n--cloud-mask ${s2002}:8\n--swir ${s2002}:5\n`), '--list'])).toBe(0);
    expect(printed.out).toBe(expected);
    printed.out = '';
    expect(await main(['batch', manifest('list.json', JSON.stringify([s1999, `--cloud-mask ${s2002}:8`, { path: s2002, role: 'swir', band: 5 }])), '--list'])).toBe(0);
    expect(printed.out).toBe(expected);
  });

  it.skipIf(!existsSync(CHIAPAS))('quotes in --list a file whose path or band name has a space, as one JSON string, and reads the --list output back as a manifest giving the same list; before, the space split the file in two', async () => {
    // Paths are printed relative to the working folder and a manifest's are relative to it: the list is written where it is read.
    vi.spyOn(process, 'cwd').mockReturnValue(dir);
    mkdirSync(path.join(dir, 'my scenes'), { recursive: true });
    const grid = { width: 4, height: 4, transform: [462405, 30, 0, 1741815, 0, -30] as [number, number, number, number, number, number], crs: crsFromEpsg(32615) };
    writeFileSync(path.join(dir, 'my scenes', 'two bands.tif'), writeGeoTiff([{ raster: { ...grid, data: new Float32Array(16) }, name: 'first pass' }, { raster: { ...grid, data: new Float32Array(16).fill(4) }, name: 'second pass' }]));
    const [s1999, s2002] = ['LE70220491999322EDC01_stack.gtif', 'LE70220492002106EDC00_stack.gtif'].map((n) => path.join(CHIAPAS, n));
    const rel = (f: string): string => path.relative(dir, f);
    const mask = '"my scenes/two bands.tif#cloud-mask:second pass"';
    const expected = `0\t1999-11-18\t${rel(s1999)} ${mask}\n1\t2002-04-16\t${rel(s2002)}#swir:5 ${mask}\n`;
    expect(await main(['batch', manifest('spaces.txt', `${s1999}\n--swir ${s2002}:5\n--cloud-mask my scenes/two bands.tif:second pass\n`), '--list'])).toBe(0);
    expect(printed.out).toBe(expected);
    // A script splitting the files on spaces outside quotes gets one field per file.
    const fields = (line: string): string[] => (line.split('\t')[2].match(/"(?:[^"\\]|\\.)*"|[^ ]+/g) ?? []).map((t) => (t.startsWith('"') ? (JSON.parse(t) as string) : t));
    expect(fields(printed.out.split('\n')[1])).toEqual([`${rel(s2002)}#swir:5`, 'my scenes/two bands.tif#cloud-mask:second pass']);
    // The --list output, as a manifest: the same files, roles and bands, so the same list.
    const listed = printed.out;
    printed.out = '';
    expect(await main(['batch', manifest('listed.txt', listed), '--list'])).toBe(0);
    expect(printed.out).toBe(expected);
    expect(printed.err).toBe('');
  });

  it('reads a --list line as manifest entries: each file, @DATE dropped, each #ROLE[:BAND] given, a quoted file as the JSON string it is', () => {
    const line = '3\t2024-06-09\ta.nc@2024-06-09#lst:LST_Day_1km "b c.tif#cloud-mask:say \\"no\\"#water-mask" d#e.tif';
    expect(parseManifest('l.txt', `# from --list\n${line}\n`).map((e) => [e.path, e.given?.role, e.given?.band])).toEqual([
      ['a.nc', 'lst', 'LST_Day_1km'],
      ['b c.tif', 'cloud-mask', 'say "no"'],
      ['b c.tif', 'water-mask', undefined],
      ['d#e.tif', undefined, undefined],
    ]);
    expect(() => parseManifest('l.txt', '0\tx\ta.tif "b.tif')).toThrow('l.txt line 1: "b.tif is not a JSON string');
  });

  it.skipIf(!existsSync(CHIAPAS))('gives an undated file the manifest makes a cloud mask to every date, as the app does (Chiapas 1999 and 2002 stacks); before, no item read it and it was named as not run', async () => {
    twoBands();
    const stacks = ['LE70220491999322EDC01_stack.gtif', 'LE70220492002106EDC00_stack.gtif'];
    const m = manifest('undated.txt', `${stacks.map((n) => path.join(CHIAPAS, n)).join('\n')}\n--cloud-mask two.tif:2\n`);
    const { items, unmatched } = await planBatchSource(m);
    expect(items.map((i) => [i.id, i.files.map((x) => path.basename(x.path))])).toEqual([
      ['1999-11-18', [stacks[0], 'two.tif']],
      ['2002-04-16', [stacks[1], 'two.tif']],
    ]);
    expect(unmatched).toEqual([]);
  });

  it.skipIf(!existsSync(CHIAPAS))('names a mask the manifest gives a role that no item reads: a cloud mask dated by its name a day after the one LST', async () => {
    copyFileSync(twoBands(), path.join(dir, 'clouds_20020417.tif'));
    const m = manifest('other-date.txt', `${path.join(CHIAPAS, 'LE70220492002106EDC00_stack.gtif')}\n--cloud-mask clouds_20020417.tif:2\n`);
    const { items, unmatched } = await planBatchSource(m);
    expect(items.map((i) => [i.id, i.files.map((x) => path.basename(x.path))])).toEqual([['2002-04-16', ['LE70220492002106EDC00_stack.gtif']]]);
    expect(unmatched).toEqual([
      { file: path.join(dir, 'clouds_20020417.tif'), why: `cloud-mask as ${m} line 2 (--cloud-mask clouds_20020417.tif:2) gives it, but of 2002-04-17 with no LST of that date among the files: no item reads it (a mask goes with the LST of its own date, from its file name or metadata; an undated cloud or water mask with every date)` },
    ]);
  });
});
