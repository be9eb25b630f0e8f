import path from 'node:path';
import { AppError, isAppError } from '../core/errors.ts';
import type { BandRole, Dataset, DatasetBand } from '../io/dataset.ts';
import { pickBand, pickDataset, splitSpec } from './inputs.ts';

/** The roles a manifest may give, by `downscale`'s input option names (`qc` is the LST's QC). */
const ROLE_OF_OPTION: Readonly<Record<string, BandRole>> = {
  lst: 'lst',
  qc: 'lst-qc',
  'cloud-mask': 'cloud-mask',
  'water-mask': 'water-mask',
  ndvi: 'ndvi',
  red: 'red',
  nir: 'nir',
  swir: 'swir',
  albedo: 'albedo',
  dem: 'dem',
  landcover: 'landcover',
};
const OPTION_NAMES = Object.keys(ROLE_OF_OPTION);

/** A given role as `batch --list` shows it after its file: `#cloud-mask:8` (the option's name, `:BAND` if one was named). */
function givenRoleTag(g: GivenRole): string {
  const option = OPTION_NAMES.find((o) => ROLE_OF_OPTION[o] === g.role) ?? g.role;
  return `#${option}${g.band !== undefined ? `:${g.band}` : ''}`;
}

/** What needs a `--list` token quoted: a space or tab would split it, a quote or backslash would be read as quoting. */
const NEEDS_QUOTES = /[\s"'\\\p{Cc}]/u;

/**
 * A file of a `batch --list` line: `FILE[@DATE][#ROLE[:BAND]]...` (`file` as printed, the date taken
 * of a multi-date file, each role the manifest gives it), written as a JSON string when it holds
 * whitespace, a quote, a backslash or a control character (a path or band name with a space), so
 * that splitting the files on spaces outside quotes gives one token per file. `parseManifest` reads
 * a `--list` line back.
 */
export function listToken(file: string, date: string | undefined, given: readonly GivenRole[] = []): string {
  const token = `${file}${date ? `@${date}` : ''}${given.map(givenRoleTag).join('')}`;
  return NEEDS_QUOTES.test(token) ? JSON.stringify(token) : token;
}

/** A `batch --list` line: INDEX<tab>ID<tab>files. */
const LIST_LINE = /^\d+\t[^\t]*\t(.*)$/;
const LIST_TAG = new RegExp(`#(${OPTION_NAMES.join('|')})(?=:|#|$)`, 'g');

/** The entries of one file token of a `--list` line (quotes already taken off): the file, then one per role given. */
function parseListToken(source: string, where: string, token: string): ManifestEntry[] {
  const tags = [...token.matchAll(LIST_TAG)];
  const head = token.slice(0, tags[0]?.index ?? token.length);
  // @DATE names the date an item takes of a multi-date file; the file as a whole is what the manifest lists.
  const file = head.replace(/@\d{4}-\d\d-\d\d$/, '');
  if (!file) throw badEntry(source, where, `'${token}' names no file: a --list file is FILE[@DATE][#ROLE[:BAND]]...`);
  if (tags.length === 0) return [{ path: file, where }];
  return tags.map((t, i) => {
    const end = tags[i + 1]?.index ?? token.length;
    const rest = token.slice(t.index + t[0].length, end);
    const band = rest.startsWith(':') ? rest.slice(1) : undefined;
    if (band !== undefined && band.trim() === '') throw badEntry(source, where, `'${t[0]}:' names no band: write ${t[0]}:BAND or ${t[0]}.`);
    return { path: file, where, given: { role: ROLE_OF_OPTION[t[1]], ...(band !== undefined ? { band } : {}), where } };
  });
}

/** The files of a `--list` line: tokens separated by spaces, a quoted one a JSON string. */
function parseListLine(source: string, where: string, files: string): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  for (const m of files.matchAll(/"(?:[^"\\]|\\.)*"|[^ ]+|( +)/gy)) {
    if (m[1]) continue;
    let token = m[0];
    if (token.startsWith('"')) {
      try {
        token = JSON.parse(token) as string;
      } catch {
        throw badEntry(source, where, `${token} is not a JSON string: a quoted --list file is written as JSON writes a string.`);
      }
    } else if (token.includes('"')) throw badEntry(source, where, `${token} holds a quote outside a quoted file: a --list file with a quote is written as a JSON string.`);
    out.push(...parseListToken(source, where, token));
  }
  return out;
}

/** A role a manifest gives a file, or one band of it (`--cloud-mask stack.gtif:8`): it replaces the detected role there. */
export interface GivenRole {
  role: BandRole;
  /** As in `downscale`'s FILE:BAND: a 1-based index, a Landsat band, a band name or a role; none: the file's one band, or its band of that role. */
  band?: string;
  /** The manifest entry, for messages: `m.txt line 3 (--cloud-mask stack.gtif:8)`. */
  where: string;
  /** A JSON object entry (its band is `"band"`, not FILE:BAND). */
  isObject?: boolean;
}

/** One entry of a manifest: a path as written (relative to the manifest), with the role it gives, if any. */
export interface ManifestEntry {
  path: string;
  given?: GivenRole;
  /** `m.txt line 3 (...)` / `m.json entry 2 (...)`. */
  where: string;
}

function badEntry(source: string, where: string, why: string): AppError {
  return new AppError('BAD_ARGUMENT', `${where}: ${why}`, { file: source });
}

/** `--cloud-mask FILE[:BAND]`: the role and the file and band, as `downscale` takes them; undefined for a plain path. */
function parseRoleLine(source: string, where: string, text: string): ManifestEntry | undefined {
  const m = /^--([^\s=]*)(?:[\s=]+(.*))?$/.exec(text);
  if (!m) return undefined;
  const role = ROLE_OF_OPTION[m[1]];
  if (!role)
    throw badEntry(source, where, `'--${m[1]}' is not a role: give one of ${OPTION_NAMES.map((o) => `--${o}`).join(', ')} (as srda-lst downscale takes them) before the file.`);
  const spec = m[2]?.trim();
  if (!spec) throw badEntry(source, where, `--${m[1]} names no file: write --${m[1]} FILE or --${m[1]} FILE:BAND.`);
  const { file, band } = splitSpec(spec);
  return { path: file, where, given: { role, ...(band !== undefined ? { band } : {}), where } };
}

/** A JSON manifest's object entry `{ "path": FILE, "role": "cloud-mask", "band": 8 }` (role and band optional). */
function parseRoleObject(source: string, where: string, x: Record<string, unknown>): ManifestEntry {
  const unknownKeys = Object.keys(x).filter((k) => !['path', 'role', 'band'].includes(k));
  if (typeof x.path !== 'string' || x.path === '' || unknownKeys.length > 0)
    throw badEntry(source, where, `an entry is a path or { "path": FILE, "role": ROLE, "band": BAND } (role and band optional${unknownKeys.length ? `; '${unknownKeys[0]}' is none of these` : ''}).`);
  if (x.role === undefined) {
    if (x.band !== undefined) throw badEntry(source, where, `a band needs a role: add "role" (one of ${OPTION_NAMES.join(', ')}).`);
    return { path: x.path, where };
  }
  const role = typeof x.role === 'string' ? ROLE_OF_OPTION[x.role] : undefined;
  if (!role) throw badEntry(source, where, `${JSON.stringify(x.role)} is not a role: give one of ${OPTION_NAMES.join(', ')} (srda-lst downscale's input options).`);
  const band = typeof x.band === 'number' || typeof x.band === 'string' ? String(x.band) : undefined;
  if (x.band !== undefined && (band === undefined || band.trim() === ''))
    throw badEntry(source, where, `"band" is a 1-based band number or a band name, not ${JSON.stringify(x.band)}.`);
  return { path: x.path, where, given: { role, ...(band !== undefined ? { band } : {}), where, isObject: true } };
}

/**
 * The entries of a manifest `source` whose text is `text`: one path per line (`#` comments), a line
 * `--ROLE FILE[:BAND]` giving that file (or band) a role in `downscale`'s words, or a line `batch --list`
 * printed (its files with their roles; @DATE is the whole file, every date of it planned); or JSON, an array
 * (or `{ "files": [...] }`) of such strings or of `{ "path", "role", "band" }` objects.
 * BAD_ARGUMENT naming the manifest and the entry for anything else.
 */
export function parseManifest(source: string, text: string): ManifestEntry[] {
  const name = source;
  if (!/^\s*[[{]/.test(text)) {
    const out: ManifestEntry[] = [];
    for (const [i, raw] of text.split(/\r?\n/).entries()) {
      const where = `${name} line ${i + 1}`;
      // A line `batch --list` printed: its # are role tags, not a comment.
      const listed = LIST_LINE.exec(raw);
      if (listed) {
        out.push(...parseListLine(source, where, listed[1]));
        continue;
      }
      const line = raw.replace(/#.*/, '').trim();
      if (!line) continue;
      out.push(parseRoleLine(source, `${where} (${line})`, line) ?? { path: line, where });
    }
    return out;
  }
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new AppError('BAD_ARGUMENT', `${name} is not valid JSON (${(e as Error).message}): a JSON manifest is an array of paths or { "files": [paths] }.`, { file: source, cause: e });
  }
  const list = Array.isArray(j) ? j : (j as { files?: unknown }).files;
  if (!Array.isArray(list))
    throw new AppError('BAD_ARGUMENT', `${name}: a JSON manifest is an array of paths or { "files": [paths] }.`, { file: source });
  return list.map((x: unknown, i) => {
    const where = `${name} entry ${i + 1} (${JSON.stringify(x)})`;
    if (typeof x === 'string') return parseRoleLine(source, where, x.trim()) ?? { path: x, where: `${name} entry ${i + 1}` };
    if (x && typeof x === 'object' && !Array.isArray(x)) return parseRoleObject(source, where, x as Record<string, unknown>);
    throw badEntry(source, where, 'an entry is a path or { "path": FILE, "role": ROLE, "band": BAND } (role and band optional).');
  });
}

/**
 * The band a given role names in a file's datasets of one date (`list`, as read for a batch item),
 * picked as `downscale` picks `--cloud-mask FILE:BAND`. MISSING_BAND / BAD_ARGUMENT naming the
 * manifest entry when the file has no such band.
 */
export function pickGivenBand(list: Dataset[], g: GivenRole, file: string, date: string | undefined): { dataset: Dataset; band: DatasetBand } {
  const spec = path.basename(file);
  try {
    const dataset = pickDataset(list, g.role, g.band, spec, date);
    return { dataset, band: pickBand(dataset, g.role, g.band, spec, g.isObject ? 'name one with "band" (its number or name)' : `name one as ${spec}:BAND`) };
  } catch (e) {
    if (!isAppError(e)) throw e;
    throw new AppError(e.code, `${g.where}: ${e.message}`, { cause: e });
  }
}

/**
 * The roles of every band of `datasets` (a file as read) once the manifest's `given` roles replace
 * the detected ones where they name a band; each given role is checked on each date of the file.
 */
export function rolesWithGiven(datasets: Dataset[], given: readonly GivenRole[], file: string): BandRole[] {
  const over = new Map<DatasetBand, BandRole>();
  const dates = [...new Set(datasets.map((d) => d.date))];
  for (const g of given)
    for (const date of dates) {
      const { band } = pickGivenBand(datasets.filter((d) => d.date === date), g, file, date);
      over.set(band, g.role);
    }
  return [...new Set(datasets.flatMap((d) => d.bands.map((b) => over.get(b) ?? b.role)))];
}
