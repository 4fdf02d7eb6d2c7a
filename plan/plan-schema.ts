/**
 * The format of `gitlab-federation plan --json`, as a schema (plan/types.ts holds the types).
 * Resource entries carry their `@pulumi/*` arguments under the arguments' own names; `resource`
 * says which resource (type token, logical name) and with which options.
 */
import { z } from "zod";

const strings = z.array(z.string());
const stringMap = z.record(z.string(), z.string());

const resource = (type: string) =>
    z
        .strictObject({
            type: z.literal(type).meta({ description: "Pulumi type token of the resource." }),
            name: z.string().meta({ description: "Logical (URN) name: built from map keys, never list positions." }),
            protect: z.boolean().meta({ description: "Pulumi protect option." }),
            deleteBeforeReplace: z.boolean().optional().meta({ description: "Pulumi deleteBeforeReplace option." }),
        })
        .meta({ description: "Which resource this entry becomes, and its resource options." });

const condition = z.enum(["audience", "projectId", "projectPath", "ref", "refType", "protected", "environment"]);
const enforcement = z
    .strictObject({ enforced: z.array(condition), notEnforced: z.array(condition) })
    .meta({ description: "Which of the grant's conditions the target checks, and which it cannot." });

const vaultPlan = z.strictObject({
    audience: z.string(),
    authBackend: z.strictObject({
        resource: resource("vault:jwt/authBackend:AuthBackend"),
        path: z.string(),
        type: z.literal("jwt"),
        description: z.string(),
        boundIssuer: z.string(),
        jwksUrl: z.string().optional(),
        jwksCaPem: z.string().optional(),
        oidcDiscoveryUrl: z.string().optional(),
        oidcDiscoveryCaPem: z.string().optional(),
        jwtSupportedAlgs: strings,
        tune: z.strictObject({ defaultLeaseTtl: z.string(), maxLeaseTtl: z.string(), tokenType: z.enum(["default-batch", "default-service"]) }),
    }),
    mounts: z.array(z.strictObject({ resource: resource("vault:index/mount:Mount"), path: z.string(), type: z.literal("kv"), options: z.strictObject({ version: z.literal("2") }), description: z.string() })),
    audits: z.array(
        z.strictObject({ resource: resource("vault:index/audit:Audit"), type: z.string(), path: z.string(), options: stringMap, description: z.string().optional(), local: z.boolean().optional() }),
    ),
    policies: z.array(z.strictObject({ resource: resource("vault:index/policy:Policy"), name: z.string(), policy: z.string().meta({ description: "The policy HCL." }) })),
    roles: z.array(
        z.strictObject({
            resource: resource("vault:jwt/authBackendRole:AuthBackendRole"),
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
        }),
    ),
});

const iamConditionValues = z.record(z.string(), z.union([z.string(), strings]));
const trustPolicy = z.strictObject({
    Version: z.literal("2012-10-17"),
    Statement: z
        .array(
            z.strictObject({
                Effect: z.literal("Allow"),
                Principal: z.strictObject({ Federated: z.string() }),
                Action: z.literal("sts:AssumeRoleWithWebIdentity"),
                Condition: z.strictObject({ StringEquals: iamConditionValues, StringLike: iamConditionValues.optional() }),
            }),
        )
        .length(1),
});

const awsPlan = z.strictObject({
    providerArn: z.string().meta({ description: "ARN in every trust policy; <account-id> stands for an account the map does not name." }),
    audience: z.string(),
    oidcProviders: z.array(
        z.strictObject({ resource: resource("aws:iam/openIdConnectProvider:OpenIdConnectProvider"), url: z.string(), clientIdLists: strings, thumbprintLists: strings.optional(), tags: stringMap }),
    ),
    roles: z.array(
        z.strictObject({
            resource: resource("aws:iam/role:Role"),
            name: z.string(),
            path: z.string(),
            description: z.string(),
            assumeRolePolicy: trustPolicy.meta({ description: "The trust policy (sent to AWS as JSON text)." }),
            maxSessionDuration: z.number().int(),
            permissionsBoundary: z.string().optional(),
            tags: stringMap,
            managedPolicyArns: strings.meta({ description: "Informational: realised as rolePolicyAttachments." }),
            enforcement: enforcement.meta({ description: "Informational: what AWS checks of the grant." }),
        }),
    ),
    rolePolicyAttachments: z.array(z.strictObject({ resource: resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment"), role: z.string(), policyArn: z.string() })),
    rolePolicies: z.array(z.strictObject({ resource: resource("aws:iam/rolePolicy:RolePolicy"), role: z.string(), name: z.string(), policy: z.record(z.string(), z.unknown()) })),
});

const gcpPlan = z.strictObject({
    providerResourceName: z.string(),
    audience: z.string(),
    pools: z.array(
        z.strictObject({ resource: resource("gcp:iam/workloadIdentityPool:WorkloadIdentityPool"), workloadIdentityPoolId: z.string(), project: z.string(), displayName: z.string(), description: z.string() }),
    ),
    providers: z.array(
        z.strictObject({
            resource: resource("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"),
            workloadIdentityPoolId: z.string(),
            workloadIdentityPoolProviderId: z.string(),
            project: z.string(),
            displayName: z.string(),
            description: z.string(),
            attributeMapping: stringMap.meta({ description: "Attribute to CEL expression." }),
            attributeCondition: z.string().meta({ description: "CEL." }),
            oidc: z.strictObject({ issuerUri: z.string(), allowedAudiences: strings }),
        }),
    ),
    serviceAccounts: z.array(
        z.strictObject({ resource: resource("gcp:serviceaccount/account:Account"), accountId: z.string(), project: z.string(), displayName: z.string(), description: z.string() }),
    ),
    iamMembers: z.array(
        z.union([
            z.strictObject({ resource: resource("gcp:serviceaccount/iAMMember:IAMMember"), serviceAccountId: z.string(), role: z.string(), member: z.string() }),
            z.strictObject({ resource: resource("gcp:projects/iAMMember:IAMMember"), project: z.string(), role: z.string(), member: z.string() }),
        ]),
    ),
});

const grant = z.strictObject({
    project: z.string(),
    projectId: z.string(),
    grant: z.string(),
    description: z.string().optional(),
    conditions: z.strictObject({ ref: strings, refType: z.enum(["branch", "tag"]), protected: z.boolean(), environment: z.string().optional() }),
    vault: z
        .strictObject({
            authPath: z.string(),
            roleName: z.string(),
            policyNames: strings,
            audience: z.string(),
            read: strings,
            tokenTtl: z.number().int(),
            tokenMaxTtl: z.number().int(),
            enforcement,
        })
        .optional(),
    aws: z.strictObject({ roleName: z.string(), roleArn: z.string(), audience: z.string(), subjects: strings, enforcement }).optional(),
    gcp: z.strictObject({ accountId: z.string(), email: z.string(), audience: z.string(), members: strings, roles: strings, enforcement }).optional(),
});

export const PlanSchema = z
    .strictObject({
        version: z.literal(1),
        gitlab: z.strictObject({ url: z.string() }),
        vault: vaultPlan.optional(),
        aws: awsPlan.optional(),
        gcp: gcpPlan.optional(),
        grants: z.array(grant).meta({ description: "One entry per project and grant, sorted by project path then grant name." }),
        warnings: z.array(z.strictObject({ path: z.string(), message: z.string() })),
    })
    .meta({ title: "gitlab-federation plan", description: "What `gitlab-federation plan --json` prints: the resources the Pulumi program registers, per target, and a summary per grant." });
