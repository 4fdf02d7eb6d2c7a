/**
 * The package's entry point (`import ... from "gitlab-federation"`): what app stacks consume.
 * - the output contract, `contract` (contract.ts), and FederationReference (reference.ts), its
 *   typed StackReference helper; importing this module loads `@pulumi/pulumi` and nothing else
 *   of this package's runtime (never the providers, never the program);
 * - the older per-target outputs (grants, vault, aws, gcp), described below as plain values.
 *
 * Versioning: the major version changes when a field is removed or changes meaning; new optional
 * fields are minor.
 */
export * from "./contract";
export { FederationReference, checkContract } from "./reference";
export type { FederationGrant, FederationReferenceOptions, Outputs } from "./reference";

/** The version of the older stack outputs (grants, vault, aws, gcp) this package describes. */
export const CONTRACT_VERSION = "1.0";

export interface VaultGrantOutputs {
    /** Path of the JWT auth method (VAULT_AUTH_PATH). */
    readonly authPath: string;
    /** The grant's role (VAULT_AUTH_ROLE). */
    readonly roleName: string;
    /** The aud the job's Vault ID token must carry. */
    readonly audience: string;
    readonly policyNames: readonly string[];
}

export interface AwsGrantOutputs {
    readonly roleArn: string;
    readonly roleName: string;
    /** The aud the job's AWS ID token must carry. */
    readonly audience: string;
}

export interface GcpGrantOutputs {
    readonly serviceAccountEmail: string;
    /** `projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>`. */
    readonly providerName: string;
    /** The aud the job's GCP ID token must carry. */
    readonly audience: string;
}

/** What one grant gives, per target it uses. */
export interface GrantOutputs {
    /** The GitLab project id the grant is bound to. */
    readonly projectId: string;
    readonly vault?: VaultGrantOutputs;
    readonly aws?: AwsGrantOutputs;
    readonly gcp?: GcpGrantOutputs;
}

export interface VaultOutputs {
    readonly authPath: string;
    readonly accessor: string;
    readonly audience: string;
    readonly kvMount: string;
}

export interface AwsOutputs {
    readonly oidcProviderArn: string;
    readonly audience: string;
}

export interface GcpOutputs {
    readonly providerName: string;
    readonly audience: string;
}

/** Every stack output: `grants[<project path>][<grant>]` and one entry per target the stack uses. */
export interface StackOutputs {
    readonly grants: Readonly<Record<string, Readonly<Record<string, GrantOutputs>>>>;
    readonly vault?: VaultOutputs;
    readonly aws?: AwsOutputs;
    readonly gcp?: GcpOutputs;
}
