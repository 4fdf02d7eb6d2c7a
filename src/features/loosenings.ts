/** The loosenings of a plan's grants (GrantSummary.loosenings), as review features show them. */
import type { GrantSummary } from "./plan-schema";

/** A grant's loosenings for one target, as `<field under the target>: <effect>: "<reason>"`. */
export function looseningsFor(grant: GrantSummary, key: string): string[] {
    return (grant.loosenings ?? []).filter((l) => l.field.startsWith(`${key}.`)).map((l) => `${l.field.slice(key.length + 1)}: ${l.effect}: ${JSON.stringify(l.reason)}`);
}
