/** Every resource a plan registers, across targets, and the arguments each entry promises. */
import { targets } from "../../components";
import type { Entry } from "../core/resources";
import type { AnyTarget } from "../../components/target";
import type { Plan } from "./plan-schema";

/** A resource entry of a plan and the target whose section holds it. */
export interface TargetEntry {
    readonly target: AnyTarget;
    readonly entry: Entry;
}

/** Every resource entry of a plan with its target, target by target in registry order. */
export function targetEntries(plan: Plan): TargetEntry[] {
    const sections = plan as unknown as Record<string, unknown>;
    return targets().flatMap((target) => (sections[target.key] === undefined ? [] : target.resources.entries(sections[target.key]).map((entry) => ({ target, entry }))));
}

/** Every resource entry of a plan, target by target in registry order. */
export function planEntries(plan: Plan): Entry[] {
    return targetEntries(plan).map(({ entry }) => entry);
}

/** Keys of an entry that are for readers of the plan, not resource arguments. */
export function informationalKeys(type: string): readonly string[] {
    for (const target of targets()) {
        const kind = target.resources.kinds[type];
        if (kind !== undefined) {
            return kind.informational ?? [];
        }
    }
    return [];
}
