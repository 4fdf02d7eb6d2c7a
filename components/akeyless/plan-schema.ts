/**
 * Akeyless's part of `plan --json`: the dynamic resources it registers (their arguments are the
 * resources' inputs, component.ts) and what each grant gets.
 */
import { z } from "zod";
import { EnforcementSchema, resourceMeta, strings } from "../../src/core/resources";
import { RESOURCE } from "./names";

export const AuthMethodEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.authMethod),
    apiUrl: z.string(),
    name: z.string().meta({ description: "The auth method's path in Akeyless: <folder>/<authMethod>." }),
    jwksUri: z.string().meta({ description: "GitLab's key set: <gitlab.url>/oauth/discovery/keys, or gitlab.jwksUrl." }),
    issuer: z.string().meta({ description: "The iss every token must carry: the GitLab URL." }),
    audience: z.string(),
    uniqueIdentifier: z.literal("project_id").meta({ description: "The claim that identifies a client: one sub-identity per GitLab project." }),
    jwtTtl: z.number().int().meta({ description: "Minutes an Akeyless token from a login lives." }),
    boundIps: strings.optional(),
    description: z.string(),
    deleteProtection: z.boolean().meta({ description: "Akeyless's delete protection: akeyless.protect." }),
    adopt: z.boolean().meta({ description: "Take over an existing auth method of this name (never the Pulumi import option: it cannot read a dynamic resource)." }),
});

export const RoleRuleSchema = z.strictObject({
    ruleType: z.literal("item-rule"),
    path: z.string(),
    capabilities: z.array(z.enum(["read", "list"])),
});

export const RoleEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.role),
    apiUrl: z.string(),
    name: z.string().meta({ description: "The role's path: <folder>/projects/<project path>/<grant>." }),
    rules: z.array(RoleRuleSchema).meta({ description: "Item rules: each read path (read) and everything below it (read, list)." }),
    adopt: z.boolean(),
});

export const AssociationEntrySchema = z.strictObject({
    resource: resourceMeta(RESOURCE.association),
    apiUrl: z.string(),
    roleName: z.string(),
    authMethodName: z.string(),
    subClaims: z.record(z.string(), strings).meta({ description: "Claim to accepted values (any of them); every claim must match, case-sensitively." }),
    adopt: z.boolean(),
});

/** The deployer's own objects: made by an administrator outside the folder, not by this stack (deployer.ts). */
export const AkeylessDeployerPlanSchema = z.strictObject({
    folder: z.string(),
    authMethodName: z.string(),
    accessId: z.string(),
    roles: z
        .array(
            z.strictObject({
                identity: z.enum(["planner", "applier"]),
                name: z.string(),
                rules: z.array(z.strictObject({ ruleType: z.enum(["auth-method-rule", "role-rule"]), path: z.string(), capabilities: strings })),
                subClaims: z.record(z.string(), strings),
            }),
        )
        .meta({ description: "The roles an administrator gives the deployer's auth method: their rules (only <folder>/* of this stack) and the association's sub-claims." }),
});

export const AkeylessPlanSchema = z.strictObject({
    apiUrl: z.string().meta({ description: "Akeyless's API (or a Gateway's)." }),
    folder: z.string(),
    audience: z.string(),
    authMethodName: z.string().meta({ description: "The stack's auth method: <folder>/<authMethod>." }),
    authMethod: AuthMethodEntrySchema.optional().meta({ description: "The auth method's resource; absent in a shard stack (the foundation registers it)." }),
    roles: z.array(RoleEntrySchema),
    associations: z.array(AssociationEntrySchema),
    deployer: AkeylessDeployerPlanSchema.optional().meta({ description: "The deployer's own auth method and roles, which an administrator creates (absent without a deployer)." }),
});

export const AkeylessSummarySchema = z.strictObject({
    authMethodName: z.string(),
    roleName: z.string(),
    audience: z.string(),
    read: strings,
    subClaims: z.record(z.string(), strings),
    enforcement: EnforcementSchema,
});

export type AkeylessAuthMethodEntry = z.output<typeof AuthMethodEntrySchema>;
export type AkeylessRoleEntry = z.output<typeof RoleEntrySchema>;
export type AkeylessAssociationEntry = z.output<typeof AssociationEntrySchema>;
export type AkeylessDeployerPlan = z.output<typeof AkeylessDeployerPlanSchema>;
export type AkeylessPlan = z.output<typeof AkeylessPlanSchema>;
export type AkeylessSummary = z.output<typeof AkeylessSummarySchema>;
