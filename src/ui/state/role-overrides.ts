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
  const out: Record<string, RoleId> = {};
  for (const [id, role] of Object.entries(overrides)) if (!replaced.includes(id)) out[id] = role;
  for (const id of replaced) {
    const role = overrides[id];
    const old = before.find((i) => i.id === id);
    if (role === undefined || !old) continue;
    const again = after.find((i) => i.fileName === old.fileName);
    if (again) out[again.id] = role;
  }
  return out;
}
