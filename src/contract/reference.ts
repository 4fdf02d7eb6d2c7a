/**
 * FederationReference: an app stack's typed view of a gitlab-federation stack's `contract`
 * output, through a pulumi.StackReference. It loads `@pulumi/pulumi` and nothing else of this
 * package's runtime (never the providers, never the program).
 *
 *     const federation = new FederationReference("acme/gitlab-federation/prod");
 *     const deploy = federation.grant("platform/api", "deploy");
 *     deploy.vault.roleName;   // Output<string>
 *     deploy.aws.roleArn;      // Output<string>
 *
 * Problems (no contract output, a contract major version this package does not know, a project,
 * grant or target the stack does not have) fail `pulumi up` with one message naming the stack,
 * as a pulumi.RunError: the Pulumi CLI prints a RunError's message without a stack trace, also
 * when it comes from another copy of the SDK (sdk/nodejs/cmd/run/run.ts, `RunError.isInstance`).
 */
import * as pulumi from "@pulumi/pulumi";
import { CONTRACT_SCHEMA_VERSION, Contract, ContractTarget, GRANT_CONTRACT_KEYS, GrantConditions, GrantContract, TargetContracts, contractMajor } from "./contract";

/** One Output per field of a target's part of a grant. */
export type Outputs<T> = { readonly [K in keyof T]-?: pulumi.Output<T[K]> };

/** One target's part of a grant, as Outputs; each fails, naming the grant, when the grant does not use that target. */
export type TargetOutputs<T extends ContractTarget> = Outputs<TargetContracts[T]["grant"]>;

/** The targets of the contract, from the registry (targets.generated.ts). */
const CONTRACT_TARGETS = Object.keys(GRANT_CONTRACT_KEYS) as ContractTarget[];

/** A grant of the referenced stack, as Outputs: one property per target (`grant.vault.roleName`), or `grant.target("vault")`. */
export type FederationGrant = {
    readonly project: string;
    readonly grant: string;
    /** The whole grant. */
    readonly value: pulumi.Output<GrantContract>;
    readonly projectId: pulumi.Output<string>;
    readonly conditions: pulumi.Output<GrantConditions>;
    /** One target's part, typed by its key. */
    target<T extends ContractTarget>(key: T): TargetOutputs<T>;
} & { readonly [T in ContractTarget]: TargetOutputs<T> };

export interface FederationReferenceOptions {
    /** Reuse this StackReference instead of creating one. */
    readonly stackReference?: pulumi.StackReference;
    /** The StackReference's resource name (default: the stack name). */
    readonly name?: string;
    readonly opts?: pulumi.CustomResourceOptions;
}

/**
 * The nearest of `candidates` to `wanted` (edit distance at most 3), for "did you mean". A copy of
 * core/parse.ts's distance on purpose: this module may load only @pulumi/pulumi and contract/ (test/purity.test.ts).
 */
function nearest(wanted: string, candidates: readonly string[]): string | undefined {
    const distance = (a: string, b: string): number => {
        const row = Array.from({ length: b.length + 1 }, (_, j) => j);
        for (let i = 1; i <= a.length; i++) {
            let previous = row[0]!;
            row[0] = i;
            for (let j = 1; j <= b.length; j++) {
                const current = row[j]!;
                row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
                previous = current;
            }
        }
        return row[b.length]!;
    };
    const scored = candidates.map((c) => [c, distance(wanted, c)] as const).filter(([, d]) => d <= 3);
    return scored.sort((x, y) => x[1] - y[1])[0]?.[0];
}

function list(names: readonly string[]): string {
    return names.length === 0 ? "none" : names.length <= 10 ? names.join(", ") : `${names.slice(0, 10).join(", ")} and ${names.length - 10} more`;
}

/** Checks what a StackReference returned for `contract`: the contract, or a RunError naming the stack. */
export function checkContract(value: unknown, stack: string): Contract {
    if (value === undefined || value === null) {
        throw new pulumi.RunError(
            `gitlab-federation stack ${stack} has no "contract" output: it has not been deployed yet, or was deployed by a gitlab-federation release older than the contract; run pulumi up there first`,
        );
    }
    const version = (value as { schemaVersion?: unknown }).schemaVersion;
    const major = contractMajor(version);
    const known = contractMajor(CONTRACT_SCHEMA_VERSION);
    if (major !== known) {
        throw new pulumi.RunError(
            `gitlab-federation stack ${stack} publishes contract schemaVersion ${JSON.stringify(version)}, and this gitlab-federation package reads ${known}.x: ${major !== undefined && major > known! ? "upgrade the gitlab-federation package of this app stack" : "the output is not a gitlab-federation contract"}`,
        );
    }
    return value as Contract;
}

/** A stack's contract output, typed, with one method per question an app stack asks. */
export class FederationReference {
    /** The referenced stack, e.g. acme/gitlab-federation/prod. */
    readonly stack: string;
    /** The whole contract. */
    readonly contract: pulumi.Output<Contract>;

    constructor(stack: string, options: FederationReferenceOptions = {}) {
        this.stack = stack;
        const reference = options.stackReference ?? new pulumi.StackReference(options.name ?? stack, { name: stack }, options.opts);
        this.contract = reference.getOutput("contract").apply((value) => checkContract(value, stack));
    }

    /** A grant by project path and grant name; its Outputs fail with a clear message if the stack has no such grant. */
    grant(project: string, grant: string): FederationGrant {
        const stack = this.stack;
        const value = this.contract.apply((contract) => {
            const grants = contract.grants[project];
            if (grants === undefined) {
                const guess = nearest(project, Object.keys(contract.grants));
                throw new pulumi.RunError(
                    `gitlab-federation stack ${stack} has no project ${JSON.stringify(project)}${guess !== undefined ? ` (did you mean ${JSON.stringify(guess)}?)` : ""}; its projects: ${list(Object.keys(contract.grants).sort())}`,
                );
            }
            const found = grants[grant];
            if (found === undefined) {
                throw new pulumi.RunError(`gitlab-federation stack ${stack} has no grant ${JSON.stringify(grant)} for project ${project}; its grants: ${list(Object.keys(grants).sort())}`);
            }
            return found;
        });
        const parts = new Map<ContractTarget, unknown>();
        const part = <T extends ContractTarget>(target: T): TargetOutputs<T> => {
            if (!parts.has(target)) {
                if (!CONTRACT_TARGETS.includes(target)) {
                    throw new pulumi.RunError(`gitlab-federation has no target ${JSON.stringify(target)}; its targets: ${list(CONTRACT_TARGETS)}`);
                }
                const section = value.apply((g) => {
                    const found = g[target];
                    if (found === undefined) {
                        throw new pulumi.RunError(`grant ${project} ${grant} of gitlab-federation stack ${stack} does not use ${target}; it uses: ${list(CONTRACT_TARGETS.filter((t) => g[t] !== undefined))}`);
                    }
                    return found as unknown as Record<string, unknown>;
                });
                const keys: readonly string[] = GRANT_CONTRACT_KEYS[target];
                parts.set(target, Object.fromEntries(keys.map((key) => [key, section.apply((s) => s[key])])));
            }
            return parts.get(target) as TargetOutputs<T>;
        };
        const result = {
            project,
            grant,
            value,
            projectId: value.apply((g) => g.projectId),
            conditions: value.apply((g) => g.conditions),
            target: part,
        };
        // One lazy property per target: a grant that uses one target creates no Outputs for the others.
        for (const target of CONTRACT_TARGETS) {
            Object.defineProperty(result, target, { enumerable: true, get: () => part(target) });
        }
        return result as FederationGrant;
    }
}
