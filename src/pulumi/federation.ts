/**
 * The root component: registers each target's part of the plan (in registry order) and
 * assembles the stack outputs app stacks read through StackReferences. It names no target.
 */
import { targets } from "../../components";
import * as pulumi from "@pulumi/pulumi";
import { ROOT_COMPONENT } from "../core/names";
import type { Contract } from "../contract/contract";
import { contractOf } from "../features/contract";
import type { GrantSummary, Plan } from "../features/plan-schema";
import { registersGrant } from "../features/shard";

export interface FederationArgs {
    /** A validated plan (features/check.ts `planMap`); of a sharded map, this stack's part (features/shard.ts). */
    readonly plan: Plan;
    /**
     * The contract to publish (merged with what the resources know). Default: the plan's. The
     * foundation of a sharded map publishes the whole map's (contractOf of the whole plan). Merged into in place.
     */
    readonly contract?: Contract;
}

/**
 * Stack outputs: `grants[<project path>][<grant>]` (the project id and one entry per target the
 * grant uses) plus one entry per target. Values are Outputs; contract/ describes them as plain
 * values, the way a StackReference returns them.
 */
export interface FederationOutputs {
    readonly grants: Record<string, Record<string, Record<string, unknown>>>;
    /**
     * The versioned output contract (contract/contract.ts): the plan's contract with the values
     * only the resources know (real ARNs, the accessor) merged over it.
     */
    readonly contract: pulumi.Output<Contract>;
    readonly [target: string]: unknown;
}

/** `gitlab-federation:index:Federation`: everything one stack's project map asks for. */
export class Federation extends pulumi.ComponentResource {
    readonly outputs: FederationOutputs;

    constructor(name: string, args: FederationArgs, opts?: pulumi.ComponentResourceOptions) {
        super(ROOT_COMPONENT, name, {}, opts);
        const { plan } = args;
        const sections = plan as unknown as Record<string, unknown>;
        // A sharded map's foundation publishes every grant's contract but registers only its own (registersGrant).
        const registered = plan.grants.filter((g) => registersGrant(plan, g));
        const grants: Record<string, Record<string, Record<string, unknown>>> = {};
        for (const g of registered) {
            (grants[g.project] ??= {})[g.grant] = { projectId: g.projectId };
        }
        const outputs: Record<string, unknown> = {};
        const contract = (args.contract ?? contractOf(plan)) as unknown as Record<string, any>; // merged into in place
        for (const target of targets()) {
            const section = sections[target.key];
            // A shard stack none of whose grants uses this target registers nothing of it.
            if (section === undefined || target.resources.entries(section).length === 0) {
                continue;
            }
            const parts = target.component().register(section, this);
            outputs[target.key] = parts.outputs;
            contract[target.key] = { ...contract[target.key], ...parts.contract?.section };
            for (const g of registered) {
                const summary = (g as GrantSummary & Record<string, unknown>)[target.key];
                if (summary !== undefined) {
                    grants[g.project]![g.grant]![target.key] = parts.grantOutputs(summary);
                    const entry = contract.grants[g.project][g.grant];
                    entry[target.key] = { ...entry[target.key], ...parts.contract?.grant?.(summary) };
                }
            }
        }
        this.outputs = { grants, contract: pulumi.output(contract) as unknown as pulumi.Output<Contract>, ...outputs };
        this.registerOutputs({ grants, contract: this.outputs.contract });
    }
}
