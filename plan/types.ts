/**
 * The plan: plain data describing exactly which resources Vault, AWS and GCP get.
 *
 * Each resource entry carries the arguments of the `@pulumi/*` resource it becomes, under their
 * Pulumi argument names, plus `resource` (type token, logical name, resource options). A few
 * keys are for readers only (see INFORMATIONAL_KEYS); `argsOf` strips them.
 * docs/plan.schema.json is the JSON Schema of this structure.
 */
import type { Warning } from "./problems";

/** Resource type, logical name and options of an entry. */
export interface ResourceMeta {
    readonly type: string;
    readonly name: string;
    /** Pulumi `protect`: refuse to delete this resource. */
    readonly protect: boolean;
    /** Pulumi `deleteBeforeReplace`. */
    readonly deleteBeforeReplace?: boolean;
}

export interface Entry {
    readonly resource: ResourceMeta;
}

/** Which of a grant's conditions a target checks, in the map's own terms. */
export interface Enforcement {
    readonly enforced: readonly Condition[];
    readonly notEnforced: readonly Condition[];
}

export type Condition = "audience" | "projectId" | "projectPath" | "ref" | "refType" | "protected" | "environment";

// ---------------------------------------------------------------- Vault

export interface VaultAuthBackendEntry extends Entry {
    readonly path: string;
    readonly type: "jwt";
    readonly description: string;
    readonly boundIssuer: string;
    readonly jwksUrl?: string;
    readonly jwksCaPem?: string;
    readonly oidcDiscoveryUrl?: string;
    readonly oidcDiscoveryCaPem?: string;
    readonly jwtSupportedAlgs: readonly string[];
    /** Mount tuning, written in the form the provider reads back (no perpetual diff). */
    readonly tune: { readonly defaultLeaseTtl: string; readonly maxLeaseTtl: string; readonly tokenType: "default-batch" | "default-service" };
}

export interface VaultMountEntry extends Entry {
    readonly path: string;
    readonly type: "kv";
    readonly options: { readonly version: "2" };
    readonly description: string;
}

export interface VaultAuditEntry extends Entry {
    readonly type: string;
    readonly path: string;
    readonly options: Readonly<Record<string, string>>;
    readonly description?: string;
    readonly local?: boolean;
}

export interface VaultPolicyEntry extends Entry {
    readonly name: string;
    /** The policy HCL. */
    readonly policy: string;
}

export interface VaultRoleEntry extends Entry {
    readonly backend: string;
    readonly roleName: string;
    readonly roleType: "jwt";
    readonly boundAudiences: readonly string[];
    /** Claim → value; a list of values is comma-joined (the provider splits on commas). */
    readonly boundClaims: Readonly<Record<string, string>>;
    readonly boundClaimsType: "string" | "glob";
    readonly userClaim: string;
    readonly tokenTtl: number;
    readonly tokenMaxTtl: number;
    readonly tokenExplicitMaxTtl: number;
    /** Names of this grant's policies; the program passes the policies' `name` outputs. */
    readonly tokenPolicies: readonly string[];
    readonly tokenType: "batch" | "service";
    readonly tokenBoundCidrs?: readonly string[];
}

export interface VaultPlan {
    /** The audience every role binds (bound_audiences). */
    readonly audience: string;
    readonly authBackend: VaultAuthBackendEntry;
    readonly mounts: readonly VaultMountEntry[];
    readonly audits: readonly VaultAuditEntry[];
    readonly policies: readonly VaultPolicyEntry[];
    readonly roles: readonly VaultRoleEntry[];
}

// ---------------------------------------------------------------- AWS

export interface IamStatement {
    readonly Effect: "Allow";
    readonly Principal: { readonly Federated: string };
    readonly Action: "sts:AssumeRoleWithWebIdentity";
    readonly Condition: {
        readonly StringEquals: Readonly<Record<string, string | readonly string[]>>;
        readonly StringLike?: Readonly<Record<string, string | readonly string[]>>;
    };
}

export interface TrustPolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly [IamStatement];
}

export interface AwsOidcProviderEntry extends Entry {
    readonly url: string;
    readonly clientIdLists: readonly string[];
    readonly thumbprintLists?: readonly string[];
    readonly tags: Readonly<Record<string, string>>;
}

export interface AwsRoleEntry extends Entry {
    readonly name: string;
    readonly path: string;
    readonly description: string;
    /** The trust policy. `Principal.Federated` is the provider ARN (see AwsPlan.providerArn). */
    readonly assumeRolePolicy: TrustPolicyDocument;
    readonly maxSessionDuration: number;
    readonly permissionsBoundary?: string;
    readonly tags: Readonly<Record<string, string>>;
    /** Informational: realised as rolePolicyAttachments (one resource per ARN). */
    readonly managedPolicyArns: readonly string[];
    /** Informational: what AWS checks of the grant's conditions. */
    readonly enforcement: Enforcement;
}

export interface AwsRolePolicyAttachmentEntry extends Entry {
    /** Role name. */
    readonly role: string;
    readonly policyArn: string;
}

export interface AwsRolePolicyEntry extends Entry {
    /** Role name. */
    readonly role: string;
    readonly name: string;
    /** The inline policy document. */
    readonly policy: Readonly<Record<string, unknown>>;
}

export interface AwsPlan {
    /**
     * ARN of the OIDC provider every trust policy names. Exact when aws.accountId or
     * aws.existingProviderArn is set; otherwise `<account-id>` stands for the account.
     */
    readonly providerArn: string;
    readonly audience: string;
    readonly oidcProviders: readonly AwsOidcProviderEntry[];
    readonly roles: readonly AwsRoleEntry[];
    readonly rolePolicyAttachments: readonly AwsRolePolicyAttachmentEntry[];
    readonly rolePolicies: readonly AwsRolePolicyEntry[];
}

// ---------------------------------------------------------------- GCP

export interface GcpPoolEntry extends Entry {
    readonly workloadIdentityPoolId: string;
    readonly project: string;
    readonly displayName: string;
    readonly description: string;
}

export interface GcpProviderEntry extends Entry {
    readonly workloadIdentityPoolId: string;
    readonly workloadIdentityPoolProviderId: string;
    readonly project: string;
    readonly displayName: string;
    readonly description: string;
    readonly attributeMapping: Readonly<Record<string, string>>;
    readonly attributeCondition: string;
    readonly oidc: { readonly issuerUri: string; readonly allowedAudiences: readonly string[] };
}

export interface GcpServiceAccountEntry extends Entry {
    readonly accountId: string;
    readonly project: string;
    readonly displayName: string;
    readonly description: string;
}

export interface GcpServiceAccountIamMemberEntry extends Entry {
    /** `projects/<project>/serviceAccounts/<email>`. */
    readonly serviceAccountId: string;
    readonly role: string;
    readonly member: string;
}

export interface GcpProjectIamMemberEntry extends Entry {
    readonly project: string;
    readonly role: string;
    readonly member: string;
}

export type GcpIamMemberEntry = GcpServiceAccountIamMemberEntry | GcpProjectIamMemberEntry;

export interface GcpPlan {
    /** `//iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>`. */
    readonly providerResourceName: string;
    readonly audience: string;
    readonly pools: readonly GcpPoolEntry[];
    readonly providers: readonly GcpProviderEntry[];
    readonly serviceAccounts: readonly GcpServiceAccountEntry[];
    readonly iamMembers: readonly GcpIamMemberEntry[];
}

// ---------------------------------------------------------------- grants

export interface GrantConditions {
    readonly ref: readonly string[];
    readonly refType: "branch" | "tag";
    readonly protected: boolean;
    readonly environment?: string;
}

/** What a grant gets from Vault, in the grant summary. */
export interface GrantVaultSummary {
    readonly authPath: string;
    readonly roleName: string;
    readonly policyNames: readonly string[];
    readonly audience: string;
    readonly read: readonly string[];
    readonly tokenTtl: number;
    readonly tokenMaxTtl: number;
    readonly enforcement: Enforcement;
}

/** What a grant gets from AWS, in the grant summary. */
export interface GrantAwsSummary {
    readonly roleName: string;
    readonly roleArn: string;
    readonly audience: string;
    readonly subjects: readonly string[];
    readonly enforcement: Enforcement;
}

/** What a grant gets from GCP, in the grant summary. */
export interface GrantGcpSummary {
    readonly accountId: string;
    readonly email: string;
    readonly audience: string;
    readonly members: readonly string[];
    readonly roles: readonly string[];
    readonly enforcement: Enforcement;
}

export interface GrantSummary {
    readonly project: string;
    readonly projectId: string;
    readonly grant: string;
    readonly description?: string;
    readonly conditions: GrantConditions;
    readonly vault?: GrantVaultSummary;
    readonly aws?: GrantAwsSummary;
    readonly gcp?: GrantGcpSummary;
}

export interface Plan {
    readonly version: 1;
    readonly gitlab: { readonly url: string };
    readonly vault?: VaultPlan;
    readonly aws?: AwsPlan;
    readonly gcp?: GcpPlan;
    readonly grants: readonly GrantSummary[];
    readonly warnings: readonly Warning[];
}

/** Keys of an AWS role entry that are for readers, not arguments of aws.iam.Role. */
export const AWS_ROLE_INFORMATIONAL = ["managedPolicyArns", "enforcement"] as const;

/** Keys of entries that are not resource arguments, per resource type (besides `resource`). */
export const INFORMATIONAL_KEYS: Readonly<Record<string, readonly string[]>> = {
    "aws:iam/role:Role": AWS_ROLE_INFORMATIONAL,
};

/** A plan value as resource arguments take it (mutable arrays and records). */
export type Args<T> = T extends readonly (infer E)[] ? Args<E>[] : T extends object ? { -readonly [K in keyof T]: Args<T[K]> } : T;

/**
 * The resource arguments of an entry: everything but `resource` and the keys in `omit`
 * (a resource type's INFORMATIONAL_KEYS).
 */
export function argsOf<T extends Entry, K extends keyof T = never>(entry: T, omit: readonly K[] = []): Args<Omit<T, "resource" | K>> {
    const args: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(entry)) {
        if (key !== "resource" && !(omit as readonly string[]).includes(key)) {
            args[key] = value;
        }
    }
    return args as Args<Omit<T, "resource" | K>>;
}
