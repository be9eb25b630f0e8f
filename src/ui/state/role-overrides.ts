import type { InputInfo, RoleId } from '../../worker/protocol.ts';

/**
 * The user's role choices after some rows were read again (their `.aux.xml` sidecar arrived): a
 * row read again gets a new id, so the role picked for its former row moves to the new row of the
 * same file and band. Choices for rows not read again are kept as they are.
 */
export function carryRoleOverrides(
  overrides: Readonly<Record<string, RoleId>>,
  before: readonly InputInfo[],
  replaced: readonly string[],
  after: readonly InputInfo[],
): Readonly<Record<string, RoleId>> {
  if (replaced.length === 0) return overrides;
  // In the order of the choices (the later of two choices of one role wins it: ui/state/store.ts).
  const out: Record<string, RoleId> = {};
  for (const [id, role] of Object.entries(overrides)) {
    if (!replaced.includes(id)) {
      out[id] = role;
      continue;
    }
    const old = before.find((i) => i.id === id);
    const again = old && after.find((i) => i.fileName === old.fileName);
    if (again) out[again.id] = role;
  }
  return out;
}
