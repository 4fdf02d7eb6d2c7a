/**
 * The output contract: the stack output `contract`, what app stacks (through
 * FederationReference) and app projects' CI (through `gitlab-federation ci`) consume. Plain values,
 * as a StackReference returns them; nothing here imports anything.
 *
 * Versioning (`schemaVersion`, "major.minor"): the major version changes when a field is removed
 * or changes meaning, and readers refuse a major they do not know; new optional fields are
 * minor, and readers ignore fields they do not know. A JSON Schema of this contract is committed
 * as schema/contract.schema.json.
 */

/** The contract version this package writes and reads. */
export const CONTRACT_SCHEMA_VERSION = "1.0";

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
    /** The GitLab environment the job must deploy to, when the grant requires one. */
    readonly environment?: string;
}

/** The stack's Vault JWT auth method and KV mount. */
export interface VaultContract {
    /** The address jobs reach Vault at (VAULT_SERVER_URL): vault.serverUrl, or the audience when that is a URL. */
    readonly serverUrl?: string;
    /** Path of the JWT auth method (VAULT_AUTH_PATH). */
    readonly authPath: string;
    /** The aud of the job's Vault ID token. */
    readonly audience: string;
    /** Path of the KV v2 mount the grants read from. */
    readonly kvMount: string;
    /** The auth method's accessor, once deployed (for templated policies); absent offline. */
    readonly accessor?: string;
}

export interface VaultGrantContract {
    /** The grant's role (VAULT_AUTH_ROLE). */
    readonly roleName: string;
    readonly policyNames: readonly string[];
    /** Secret folders under `kvMount` the grant reads and lists, each with everything below it. */
    readonly read: readonly string[];
    /** The same as the stack's, repeated so one grant is enough to log in. */
    readonly authPath: string;
    readonly audience: string;
    readonly kvMount: string;
    readonly serverUrl?: string;
    /** Seconds. */
    readonly tokenTtl: number;
    /** Seconds. */
    readonly tokenMaxTtl: number;
}

/** The stack's IAM OIDC provider. */
export interface AwsContract {
    /** The aud of the job's AWS ID token. */
    readonly audience: string;
    readonly oidcProviderArn: string;
    readonly partition: "aws" | "aws-cn" | "aws-us-gov";
}

export interface AwsGrantContract {
    /** AWS_ROLE_ARN. */
    readonly roleArn: string;
    readonly roleName: string;
    readonly audience: string;
    /** Seconds: the longest session the role allows. */
    readonly maxSessionDuration: number;
    readonly managedPolicyArns: readonly string[];
}

/** The stack's GCP workload identity pool provider. */
export interface GcpContract {
    /** The aud of the job's GCP ID token. */
    readonly audience: string;
    /** `projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>`. */
    readonly providerName: string;
    /** `//iam.googleapis.com/<providerName>`: the audience of the STS exchange (a credential configuration's audience). */
    readonly providerResourceName: string;
}

export interface GcpGrantContract {
    readonly serviceAccountEmail: string;
    readonly providerName: string;
    readonly providerResourceName: string;
    readonly audience: string;
    /** Project roles the service account holds. */
    readonly roles: readonly string[];
}

/** What one grant gives, per target it uses. */
export interface GrantContract {
    /** The GitLab project id the grant is bound to. */
    readonly projectId: string;
    readonly description?: string;
    readonly conditions: GrantConditions;
    /** Set on the federation pipeline's own identities (gitlab-federation:deployer). */
    readonly deployer?: "planner" | "applier";
    readonly vault?: VaultGrantContract;
    readonly aws?: AwsGrantContract;
    readonly gcp?: GcpGrantContract;
}

/** The stack output `contract`. */
export interface Contract {
    readonly schemaVersion: string;
    /** The GitLab instance whose ID tokens the stack trusts (their iss). */
    readonly gitlabUrl: string;
    readonly vault?: VaultContract;
    readonly aws?: AwsContract;
    readonly gcp?: GcpContract;
    /** grants[<project path>][<grant>]. */
    readonly grants: Readonly<Record<string, Readonly<Record<string, GrantContract>>>>;
}

/** The targets a grant may use, as contract keys. */
export type ContractTarget = "vault" | "aws" | "gcp";

/** Every key of a grant's target part, for code that builds one Output per field (FederationReference). */
export const GRANT_CONTRACT_KEYS = {
    vault: ["roleName", "policyNames", "read", "authPath", "audience", "kvMount", "serverUrl", "tokenTtl", "tokenMaxTtl"],
    aws: ["roleArn", "roleName", "audience", "maxSessionDuration", "managedPolicyArns"],
    gcp: ["serviceAccountEmail", "providerName", "providerResourceName", "audience", "roles"],
} as const satisfies { readonly [T in ContractTarget]: readonly (keyof NonNullable<GrantContract[T]>)[] };

// Every key is listed: a key added to an interface and not to GRANT_CONTRACT_KEYS fails to compile here.
type Missing<T extends ContractTarget> = Exclude<keyof NonNullable<GrantContract[T]>, (typeof GRANT_CONTRACT_KEYS)[T][number]>;
const _complete: [Missing<"vault">, Missing<"aws">, Missing<"gcp">] extends [never, never, never] ? true : false = true;
void _complete;
