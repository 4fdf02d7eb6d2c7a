/**
 * The output contract: the stack output `contract`, what app stacks (through
 * FederationReference) and app projects' CI (through `gitlab-federation ci`) consume. Plain values,
 * as a StackReference returns them; nothing here imports anything but targets.generated.ts.
 *
 * Versioning (`schemaVersion`, "major.minor"): the major version changes when a field is removed
 * or changes meaning, and readers refuse a major they do not know; new optional fields are
 * minor, and readers ignore fields they do not know. A JSON Schema of this contract is committed
 * as schema/contract.schema.json. Each target's parts are generated from its contract schemas
 * into targets.generated.ts (`npm run schema`).
 */
import type { TargetContracts } from "./targets.generated";

export * from "./targets.generated";

/** The contract version this package writes and reads. */
export const CONTRACT_SCHEMA_VERSION = "1.1";

/** The major version of a schemaVersion ("1.0" → 1), or undefined when it is not "<major>.<minor>". */
export function contractMajor(schemaVersion: unknown): number | undefined {
    const match = typeof schemaVersion === "string" ? /^(\d+)\.(\d+)$/.exec(schemaVersion) : null;
    return match === null ? undefined : Number(match[1]);
}

/** When a grant's token is accepted, in the map's terms (the jobs it was written for). */
export interface GrantConditions {
    /** Exact ref names, or patterns where `*` matches any run of characters. */
    readonly ref: readonly string[];
    readonly refType: "branch" | "tag";
    /** Whether the ref must be protected (the token's ref_protected is "true"). */
    readonly protected: boolean;
    /** The GitLab environment the job must deploy to, when the grant requires one: a name, or a pattern where `*` matches any run of characters. */
    readonly environment?: string;
    /** Present when the environment must be protected (the token's environment_protected is "true"). */
    readonly environmentProtected?: true;
}

/** What one grant gives, per target it uses (TargetContracts, generated from the targets' contract schemas). */
export type GrantContract = {
    /** The GitLab project id the grant is bound to. */
    readonly projectId: string;
    readonly description?: string;
    readonly conditions: GrantConditions;
    /** Set on the federation pipeline's own identities (gitlab-federation:deployer). */
    readonly deployer?: "planner" | "applier";
} & { readonly [T in ContractTarget]?: TargetContracts[T]["grant"] };

/** The stack output `contract`. */
export type Contract = {
    readonly schemaVersion: string;
    /** The GitLab instance whose ID tokens the stack trusts (their iss). */
    readonly gitlabUrl: string;
    /** grants[<project path>][<grant>]. */
    readonly grants: Readonly<Record<string, Readonly<Record<string, GrantContract>>>>;
} & { readonly [T in ContractTarget]?: TargetContracts[T]["section"] };

/** The targets a grant may use, as contract keys. */
export type ContractTarget = keyof TargetContracts;
