/**
 * The root component: registers each target's part of the plan (in registry order) and
 * assembles the stack outputs app stacks read through StackReferences. It names no target.
 */
import * as pulumi from "@pulumi/pulumi";
import { ROOT_COMPONENT } from "../core/names";
import { ALL_TARGETS } from "../features/check";
import type { GrantSummary, Plan } from "../features/plan-schema";

export interface FederationArgs {
    /** A validated plan (features/check.ts `planMap`). */
    readonly plan: Plan;
}

/**
 * Stack outputs: `grants[<project path>][<grant>]` (the project id and one entry per target the
 * grant uses) plus one entry per target. Values are Outputs; contract/ describes them as plain
 * values, the way a StackReference returns them.
 */
export interface FederationOutputs {
    readonly grants: Record<string, Record<string, Record<string, unknown>>>;
    readonly [target: string]: unknown;
}

/** `gitlab-federation:index:Federation`: everything one stack's project map asks for. */
export class Federation extends pulumi.ComponentResource {
    readonly outputs: FederationOutputs;

    constructor(name: string, args: FederationArgs, opts?: pulumi.ComponentResourceOptions) {
        super(ROOT_COMPONENT, name, {}, opts);
        const { plan } = args;
        const sections = plan as unknown as Record<string, unknown>;
        const grants: Record<string, Record<string, Record<string, unknown>>> = {};
        for (const g of plan.grants) {
            (grants[g.project] ??= {})[g.grant] = { projectId: g.projectId };
        }
        const outputs: Record<string, unknown> = {};
        for (const target of ALL_TARGETS) {
            const section = sections[target.key];
            if (section === undefined) {
                continue;
            }
            const registered = target.component().register(section, this);
            outputs[target.key] = registered.outputs;
            for (const g of plan.grants) {
                const summary = (g as GrantSummary & Record<string, unknown>)[target.key];
                if (summary !== undefined) {
                    grants[g.project]![g.grant]![target.key] = registered.grantOutputs(summary);
                }
            }
        }
        this.outputs = { grants, ...outputs };
        this.registerOutputs({ grants });
    }
}
