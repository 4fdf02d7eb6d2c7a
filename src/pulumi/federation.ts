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
 * Stack outputs: `contract`, the versioned output contract (contract/contract.ts), and the
 * deprecated 0.1.0 outputs: `grants[<project path>][<grant>]` (the project id and, per target
 * the grant uses, the contract fields the target still publishes there) and one entry per
 * target (ContractCapability.legacy), all taken from the contract. Values are Outputs;
 * contract/ describes them as plain values, the way a StackReference returns them.
 */
export interface FederationOutputs {
    /** The plan's contract with the values only the resources know (real ARNs, the accessor) merged over it. */
    readonly contract: pulumi.Output<Contract>;
    /** Deprecated (0.1.0): read `contract.grants` instead. */
    readonly grants: Record<string, Record<string, Record<string, unknown>>>;
    /** Deprecated (0.1.0): per target, read `contract.<target>` instead. */
    readonly [target: string]: unknown;
}

/** The fields of `value` named in `keys` that it has. */
function pick(value: Readonly<Record<string, unknown>> | undefined, keys: readonly string[]): Record<string, unknown> {
    return Object.fromEntries(keys.filter((key) => value?.[key] !== undefined).map((key) => [key, value![key]]));
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
        const legacy: Record<string, unknown> = {};
        const contract = (args.contract ?? contractOf(plan)) as unknown as Record<string, any>; // merged into in place
        for (const target of targets()) {
            const section = sections[target.key];
            // A shard stack none of whose grants uses this target registers nothing of it.
            if (section === undefined || target.resources.entries(section).length === 0) {
                continue;
            }
            const parts = target.component().register(section, this);
            contract[target.key] = { ...contract[target.key], ...parts.contract?.section };
            const kept = target.contract?.legacy;
            if (kept !== undefined) {
                legacy[target.key] = pick(contract[target.key], kept.section);
            }
            for (const g of registered) {
                const summary = (g as GrantSummary & Record<string, unknown>)[target.key];
                if (summary !== undefined) {
                    const entry = contract.grants[g.project][g.grant];
                    entry[target.key] = { ...entry[target.key], ...parts.contract?.grant?.(summary) };
                    if (kept !== undefined) {
                        grants[g.project]![g.grant]![target.key] = pick(entry[target.key], kept.grant);
                    }
                }
            }
        }
        this.outputs = { contract: pulumi.output(contract) as unknown as pulumi.Output<Contract>, grants, ...legacy };
        this.registerOutputs({ grants, contract: this.outputs.contract });
    }
}
