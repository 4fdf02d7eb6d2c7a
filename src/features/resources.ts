/** Every resource a plan registers, across targets, and the arguments each entry promises. */
import type { Entry } from "../core/resources";
import { ALL_TARGETS } from "./check";
import type { Plan } from "./plan-schema";

/** Every resource entry of a plan, target by target in registry order. */
export function planEntries(plan: Plan): Entry[] {
    const sections = plan as unknown as Record<string, unknown>;
    return ALL_TARGETS.flatMap((target) => (sections[target.key] === undefined ? [] : [...target.resources(sections[target.key])]));
}

/** Keys of an entry that are for readers of the plan, not resource arguments. */
export function informationalKeys(type: string): readonly string[] {
    for (const target of ALL_TARGETS) {
        const keys = target.informational[type];
        if (keys !== undefined) {
            return keys;
        }
    }
    return [];
}
