/**
 * Vault's part of `plan --json`: the resources it registers and what each grant gets. The types
 * the planner and the components use are derived from these schemas.
 */
import { z } from "zod";
import { EnforcementSchema, resourceMeta, stringMap, strings } from "../../src/core/resources";
import { RESOURCE } from "./names";
import { EngineUseSchema } from "./schema";

/** A fresh schema per use: a shared one becomes a $ref in the JSON Schema. */
const namespace = () => z.string().optional().meta({ description: "The Vault namespace the resource is registered in (the provider's namespace argument); absent: the root namespace." });

export const AuthBackendEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.authBackend),
    path: z.string(),
    type: z.literal("jwt"),
    description: z.string(),
    boundIssuer: z.string(),
    jwksUrl: z.string().optional(),
    jwksCaPem: z.string().optional(),
    oidcDiscoveryUrl: z.string().optional(),
    oidcDiscoveryCaPem: z.string().optional(),
    jwtSupportedAlgs: strings,
    tune: z
        .strictObject({ defaultLeaseTtl: z.string(), maxLeaseTtl: z.string(), tokenType: z.enum(["default-batch", "default-service"]) })
        .meta({ description: "Mount tuning, in the form the provider reads back (no perpetual diff)." }),
    namespace: namespace(),
});

export const MountEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.mount),
    path: z.string(),
    type: z.literal("kv"),
    options: z.strictObject({ version: z.literal("2") }),
    description: z.string(),
    namespace: namespace(),
});

export const AuditEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.audit),
    type: z.string(),
    path: z.string(),
    options: stringMap,
    description: z.string().optional(),
    local: z.boolean().optional(),
});

export const PolicyEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.policy),
    name: z.string(),
    policy: z.string().meta({ description: "The policy HCL." }),
    namespace: namespace(),
});

export const RoleEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.role),
    backend: z.string(),
    roleName: z.string(),
    roleType: z.literal("jwt"),
    boundAudiences: strings,
    boundClaims: stringMap.meta({ description: "Claim to value; several values comma-joined (the provider splits them)." }),
    boundClaimsType: z.enum(["string", "glob"]),
    userClaim: z.string(),
    tokenTtl: z.number().int().meta({ description: "Seconds." }),
    tokenMaxTtl: z.number().int().meta({ description: "Seconds." }),
    tokenExplicitMaxTtl: z.number().int().meta({ description: "Seconds." }),
    tokenPolicies: strings.meta({ description: "Policy names; the program passes the policies' name outputs." }),
    tokenType: z.enum(["batch", "service"]),
    tokenBoundCidrs: strings.optional(),
    tokenNoDefaultPolicy: z.boolean().meta({ description: "True unless vault.defaultPolicy: the token carries the grant's policy only." }),
    namespace: namespace(),
});

const Adoption = z.enum(["create", "import", "external"]);

export const VaultPlanSchema = z.strictObject({
    audience: z.string().meta({ description: "The audience every role binds (bound_audiences)." }),
    namespace: z.string().optional().meta({ description: "vault.namespace: the namespace every resource but the audit devices is registered in; paths are relative to it." }),
    authPath: z.string().meta({ description: "Path of the JWT auth method (the roles' backend)." }),
    kvMount: z.string().meta({ description: "Path of the KV v2 mount the policies name." }),
    serverUrl: z.string().optional().meta({ description: "The address CI jobs reach Vault at: vault.serverUrl, or the audience when that is an https URL." }),
    adopt: z
        .strictObject({ authMethod: Adoption, kvMount: Adoption })
        .meta({ description: "How each shared anchor is had: created here, imported (resource.import), or external (no resource; only referenced)." }),
    authBackend: AuthBackendEntrySchema.optional().meta({ description: "Absent when the auth method is external." }),
    mounts: z.array(MountEntrySchema).meta({ description: "The KV v2 mount; empty when it is external." }),
    audits: z.array(AuditEntrySchema),
    policies: z.array(PolicyEntrySchema),
    roles: z.array(RoleEntrySchema),
});

export const VaultSummarySchema = z.strictObject({
    authPath: z.string(),
    roleName: z.string(),
    policyNames: strings,
    audience: z.string(),
    read: strings,
    write: strings.optional().meta({ description: "Folders under kvMount the grant creates and updates secrets in (absent: none)." }),
    kv: z
        .array(z.strictObject({ mount: z.string(), read: strings, write: strings }))
        .optional()
        .meta({ description: "Other KV v2 mounts (referenced, not managed) and the folders the grant reads and writes there (absent: none)." }),
    engines: z.array(EngineUseSchema).optional().meta({ description: "The secrets engine roles and keys the grant uses (absent: none)." }),
    tokenTtl: z.number().int(),
    tokenMaxTtl: z.number().int(),
    enforcement: EnforcementSchema,
});

export type VaultAuthBackendEntry = z.output<typeof AuthBackendEntrySchema>;
export type VaultMountEntry = z.output<typeof MountEntrySchema>;
export type VaultAuditEntry = z.output<typeof AuditEntrySchema>;
export type VaultPolicyEntry = z.output<typeof PolicyEntrySchema>;
export type VaultRoleEntry = z.output<typeof RoleEntrySchema>;
export type VaultPlan = z.output<typeof VaultPlanSchema>;
export type VaultSummary = z.output<typeof VaultSummarySchema>;
