/**
 * The package's entry point (`import ... from "gitlab-federation"`): what app stacks consume.
 * - the output contract, `contract` (contract.ts), and FederationReference (reference.ts), its
 *   typed StackReference helper; importing this module loads `@pulumi/pulumi` and nothing else
 *   of this package's runtime (never the providers, never the program);
 * - the deprecated 0.1.0 outputs (`grants`, and one per target), described below as plain values.
 *
 * Versioning: the major version changes when a field is removed or changes meaning; new optional
 * fields are minor.
 */
import type { LegacyOutputs } from "./targets.generated";

export * from "./contract";
export { FederationReference, checkContract } from "./reference";
export type { FederationGrant, FederationReferenceOptions, Outputs } from "./reference";

/** The version of the older stack outputs (grants, and one per target) this package describes. */
export const CONTRACT_VERSION = "1.0";

/**
 * What one grant gives, per target it uses.
 * @deprecated since 0.2.0: read `contract.grants` (GrantContract).
 */
export type GrantOutputs = {
    /** The GitLab project id the grant is bound to. */
    readonly projectId: string;
} & { readonly [T in keyof LegacyOutputs]?: LegacyOutputs[T]["grant"] };

/**
 * The deprecated stack outputs: `grants[<project path>][<grant>]` and one entry per target the stack uses.
 * @deprecated since 0.2.0: read the `contract` output (Contract); these go in 1.0.
 */
export type StackOutputs = {
    readonly grants: Readonly<Record<string, Readonly<Record<string, GrantOutputs>>>>;
} & { readonly [T in keyof LegacyOutputs]?: LegacyOutputs[T]["section"] };
