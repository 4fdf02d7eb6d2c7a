/**
 * The target registry: one line per target. Every feature, the map's and plan's schemas, the
 * contract and the Pulumi root component read the targets from here, in this order, and never
 * name one. A target is one folder (see target.ts for what it provides) and one line below.
 */
import type { AnyTarget } from "./target";
import { aws } from "./aws";
import { gcp } from "./gcp";
import { akeyless } from "./akeyless";
import { vault } from "./vault";
import { azure } from "./azure";

/** The built-in targets, in the order the map, the plan and every report list them. */
export const TARGETS = [vault, aws, gcp, akeyless, azure] as const;

export type Targets = typeof TARGETS;
export type RegisteredTarget = Targets[number];

let registered: readonly AnyTarget[] = TARGETS as unknown as readonly AnyTarget[];
let read = false;

/** Every target, the built-in ones first. Reading it fixes it: targets are added before anything reads them. */
export function targets(): readonly AnyTarget[] {
    read = true;
    return registered;
}

/**
 * Adds targets after the built-in ones: a plugin outside this repository, or a test's target
 * (node --require <module that calls this>). Refused once anything has read the registry, since
 * the map's schema and every plan are built from it.
 */
export function registerTargets(...extra: readonly AnyTarget[]): void {
    if (read) {
        throw new Error("internal error: targets are registered before anything reads the registry (register them in a module loaded with node --require)");
    }
    for (const target of extra) {
        if (registered.some((t) => t.key === target.key)) {
            throw new Error(`internal error: a target with the key ${JSON.stringify(target.key)} is registered already`);
        }
    }
    registered = [...registered, ...extra];
}

/** The target with this key. */
export function targetOf(key: string): AnyTarget | undefined {
    return targets().find((t) => t.key === key);
}
