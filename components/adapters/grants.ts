/**
 * What every target's workload identity checks about its grants before creating anything.
 */
import { Access, type Grant } from "./types";

const ACCESS_VALUES: readonly string[] = Object.values(Access);

/**
 * Returns `grants` when every access is an `Access` value and no store is granted twice (two
 * grants on one store would make the effective access depend on their order); throws an Error
 * naming the identity's role and the grant otherwise.
 */
export function checkGrants(role: string, grants: readonly Grant[]): readonly Grant[] {
  grants.forEach((grant, index) => {
    if (!ACCESS_VALUES.includes(grant.access)) {
      throw new Error(
        `workloadIdentity("${role}"): grants[${index}].access: "${String(grant.access)}" is not one of ${ACCESS_VALUES.map((a) => `"${a}"`).join(", ")}`,
      );
    }
    const first = grants.findIndex((g) => g.resource === grant.resource);
    if (first !== index) {
      throw new Error(
        `workloadIdentity("${role}"): grants[${index}] grants a store that grants[${first}] already grants; give each store once, with the widest access it needs`,
      );
    }
  });
  return grants;
}
