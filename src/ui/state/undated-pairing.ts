import type { AppState } from './store.ts';
import { effectiveRole, isRunnable } from './store.ts';
import type { InputInfo, RoleId } from '../../worker/protocol.ts';

/**
 * Roles a dated scene takes one file of per date, so that an undated file of them is paired with
 * some dates and not others. A date takes one water mask: its own, else an undated one. Not
 * `cloud-mask`: every date applies an undated cloud mask beside its own.
 */
const PAIRED_ROLES: ReadonlySet<RoleId> = new Set<RoleId>(['lst-qc', 'ndvi', 'red', 'nir', 'swir', 'albedo', 'water-mask']);

function listWords(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * Which dates an undated row goes with, in the drop list's words, from the scenes the preview
 * assembled (`ScenePreview.scenes[].inputIds`): beside dated rows of its role, the dates whose
 * LST it is used with and the file each other date takes; set aside by every date, the file each
 * date takes instead and what to do to use this one. Undefined for a dated row, a role no date
 * pairs (DEM, land cover: every date takes them), an undated row with no dated row of its role
 * beside it, and before the preview has dated scenes.
 */
export function undatedPairing(s: Pick<AppState, 'inputs' | 'roleOverrides' | 'preview'>, input: InputInfo): string | undefined {
  if (input.date || !isRunnable(input)) return undefined;
  const role = effectiveRole(s, input);
  if (!PAIRED_ROLES.has(role)) return undefined;
  const scenes = (s.preview?.scenes ?? []).filter((g) => g.date && g.inputIds?.[role] !== undefined);
  if (scenes.length === 0) return undefined;
  const idsOf = (g: (typeof scenes)[number]): string[] => g.inputIds![role]!;
  const mine = scenes.filter((g) => idsOf(g).includes(input.id)).map((g) => g.id);
  const others = scenes.filter((g) => !idsOf(g).includes(input.id));
  const nameOf = (id: string): string => s.inputs.find((i) => i.id === id)?.fileName ?? id;
  const taken = others.map((g) => `${g.id} takes ${idsOf(g).map(nameOf).join(' + ')}`);
  if (mine.length === 0) {
    const files = [...new Set(others.flatMap(idsOf))].map(nameOf);
    const what = files.length === 1 ? `set the role of ${files[0]} to unknown` : `set the roles of ${listWords(files)} to unknown`;
    return `not used: undated, and every date takes another ${role} file (${taken.join('; ')}); ${what} to use this row`;
  }
  const hasDatedBeside = s.inputs.some((j) => j !== input && j.date && isRunnable(j) && effectiveRole(s, j) === role);
  if (!hasDatedBeside) return undefined;
  return `undated: used with the LST of ${listWords(mine)}${taken.length ? ` (${taken.join('; ')})` : ''}`;
}
