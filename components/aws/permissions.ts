/**
 * The IAM calls the AWS provider makes for the resources this stack manages, and the condition
 * keys IAM supplies for each: the table the deployer's policies are derived from (deployer.ts).
 *
 * Calls: pulumi-aws bridges hashicorp/terraform-provider-aws (TPA), internal/service/iam. A
 * Pulumi create is TF Create, which ends with Read; an update is TF Update, also ending with
 * Read; a replacement is Delete + Create; `pulumi refresh`, `pulumi import` and `preview
 * --refresh` are Read; a plain `pulumi preview` calls no IAM API for these resources.
 *
 * Keys: AWS Service Authorization Reference, "Actions, resources, and condition keys for AWS
 * Identity and Access Management (IAM)" (docs.aws.amazon.com/service-authorization/latest/
 * reference/list_iam.html), Actions table. `iam:RoleTemplateARN` (roles made from role
 * templates; this stack makes none) is left out. IAM evaluates a condition on a key the request
 * does not carry as false (IAM User Guide, "IAM JSON policy elements: Condition operators"), so
 * a statement may put a key's condition only on actions that carry the key.
 *
 * `iam:PermissionsBoundary`, read CONSERVATIVELY: the current SAR also lists it for GetRole,
 * UpdateAssumeRolePolicy, UpdateRole, UpdateRoleDescription and DeleteRole, older readings do
 * not; here only the seven actions every reading agrees on carry it (BOUNDARY_ACTIONS), so the
 * policies work under either. For CreateRole and PutRolePermissionsBoundary its value is the
 * boundary in the request, for the others the boundary on the role (SAR, Condition keys:
 * "Filters access if the specified policy is set as the permissions boundary on the IAM entity").
 */
import type { RESOURCE } from "./names";

export type IamResourceType = "role" | "oidc-provider";

/** The SAR's access level (its first label): only Read and List change nothing. */
export type AccessLevel = "Read" | "List" | "Write" | "Tagging" | "Permissions management";

export interface IamActionFacts {
    readonly resource: IamResourceType;
    readonly access: AccessLevel;
    /** The condition keys IAM supplies for the action (SAR, conservative reading above). */
    readonly keys: readonly string[];
}

const ROLE_TAGS = ["aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"] as const;
const REQUEST_TAGS = ["aws:RequestTag/${TagKey}", "aws:TagKeys"] as const;
const BOUNDARY = "iam:PermissionsBoundary";

/** Every IAM action the table names, with its SAR facts. */
export const IAM_ACTIONS = {
    "iam:GetRole": { resource: "role", access: "Read", keys: ROLE_TAGS },
    "iam:ListRolePolicies": { resource: "role", access: "List", keys: ROLE_TAGS },
    "iam:GetRolePolicy": { resource: "role", access: "Read", keys: ROLE_TAGS },
    "iam:ListAttachedRolePolicies": { resource: "role", access: "List", keys: ROLE_TAGS },
    "iam:ListRoleTags": { resource: "role", access: "List", keys: ROLE_TAGS },
    "iam:ListInstanceProfilesForRole": { resource: "role", access: "List", keys: ROLE_TAGS },
    "iam:CreateRole": { resource: "role", access: "Write", keys: [...REQUEST_TAGS, ...ROLE_TAGS, BOUNDARY] },
    "iam:TagRole": { resource: "role", access: "Tagging", keys: [...REQUEST_TAGS, ...ROLE_TAGS] },
    "iam:UntagRole": { resource: "role", access: "Tagging", keys: ["aws:TagKeys", ...ROLE_TAGS] },
    "iam:UpdateAssumeRolePolicy": { resource: "role", access: "Permissions management", keys: ROLE_TAGS },
    "iam:UpdateRoleDescription": { resource: "role", access: "Write", keys: ROLE_TAGS },
    "iam:UpdateRole": { resource: "role", access: "Write", keys: ROLE_TAGS },
    "iam:PutRolePermissionsBoundary": { resource: "role", access: "Permissions management", keys: [...ROLE_TAGS, BOUNDARY] },
    "iam:DeleteRolePermissionsBoundary": { resource: "role", access: "Permissions management", keys: [...ROLE_TAGS, BOUNDARY] },
    "iam:PutRolePolicy": { resource: "role", access: "Permissions management", keys: [...ROLE_TAGS, BOUNDARY] },
    "iam:DeleteRolePolicy": { resource: "role", access: "Permissions management", keys: [...ROLE_TAGS, BOUNDARY] },
    "iam:AttachRolePolicy": { resource: "role", access: "Permissions management", keys: [...ROLE_TAGS, BOUNDARY, "iam:PolicyARN"] },
    "iam:DetachRolePolicy": { resource: "role", access: "Permissions management", keys: [...ROLE_TAGS, BOUNDARY, "iam:PolicyARN"] },
    "iam:DeleteRole": { resource: "role", access: "Write", keys: ROLE_TAGS },
    "iam:GetOpenIDConnectProvider": { resource: "oidc-provider", access: "Read", keys: ["aws:ResourceTag/${TagKey}"] },
    "iam:ListOpenIDConnectProviderTags": { resource: "oidc-provider", access: "List", keys: ["aws:ResourceTag/${TagKey}"] },
    "iam:CreateOpenIDConnectProvider": { resource: "oidc-provider", access: "Write", keys: [...REQUEST_TAGS, "aws:ResourceTag/${TagKey}"] },
    "iam:TagOpenIDConnectProvider": { resource: "oidc-provider", access: "Tagging", keys: [...REQUEST_TAGS, "aws:ResourceTag/${TagKey}"] },
    "iam:UntagOpenIDConnectProvider": { resource: "oidc-provider", access: "Tagging", keys: ["aws:TagKeys", "aws:ResourceTag/${TagKey}"] },
    "iam:UpdateOpenIDConnectProviderThumbprint": { resource: "oidc-provider", access: "Write", keys: ["aws:ResourceTag/${TagKey}"] },
    "iam:AddClientIDToOpenIDConnectProvider": { resource: "oidc-provider", access: "Write", keys: ["aws:ResourceTag/${TagKey}"] },
    "iam:RemoveClientIDFromOpenIDConnectProvider": { resource: "oidc-provider", access: "Write", keys: ["aws:ResourceTag/${TagKey}"] },
    "iam:DeleteOpenIDConnectProvider": { resource: "oidc-provider", access: "Write", keys: ["aws:ResourceTag/${TagKey}"] },
} as const satisfies Record<string, IamActionFacts>;

export type IamAction = keyof typeof IAM_ACTIONS;

export type Operation = "read" | "create" | "update" | "replace" | "delete";

export interface ProviderCall {
    /** The resource type (names.ts RESOURCE key). */
    readonly resource: keyof typeof RESOURCE;
    readonly operation: Operation;
    /** For update and replace: the arguments (as the plan names them) whose change makes these calls. */
    readonly arguments?: readonly string[];
    /**
     * boundary: only made when aws.permissionsBoundary is set; unprotected: only for a provider
     * that is not protected (Pulumi refuses to delete a protected resource); never: the applier is
     * denied it.
     */
    readonly when?: "boundary" | "unprotected" | "never";
    /** The IAM actions, in the order the provider calls them. */
    readonly actions: readonly IamAction[];
    readonly source: string;
}

const ROLE = "hashicorp/terraform-provider-aws internal/service/iam/role.go";
const TAGS = "internal/provider/sdkv2/tags_interceptor.go tagsResourceCRUDInterceptor.run";
const ROLE_POLICY = "hashicorp/terraform-provider-aws internal/service/iam/role_policy.go";
const ATTACHMENT = "hashicorp/terraform-provider-aws internal/service/iam/role_policy_attachment.go";
const OIDC = "hashicorp/terraform-provider-aws internal/service/iam/openid_connect_provider.go";

/** What the provider calls, per resource type and operation (update: per argument). */
export const PROVIDER_CALLS: readonly ProviderCall[] = [
    {
        resource: "role",
        operation: "read",
        actions: ["iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"],
        source: `${ROLE} resourceRoleRead: findRoleByName (GetRole; tags come with it, setTagsOut), then always readRoleInlinePolicies (ListRolePolicies, GetRolePolicy per policy) and findRoleAttachedPolicies (ListAttachedRolePolicies)`,
    },
    {
        resource: "role",
        operation: "create",
        actions: ["iam:CreateRole", "iam:TagRole"],
        source: `${ROLE} resourceRoleCreate: CreateRoleInput{Tags: getTagsIn(ctx), PermissionsBoundary} via retryCreateRole (the CreateRole API also authorizes iam:TagRole when tags are sent: SAR, API operations, CreateRole); roleCreateTags (TagRole) where tag-on-create is unsupported`,
    },
    { resource: "role", operation: "update", arguments: ["assumeRolePolicy"], actions: ["iam:UpdateAssumeRolePolicy"], source: `${ROLE} resourceRoleUpdate: d.HasChange("assume_role_policy") -> UpdateAssumeRolePolicy` },
    { resource: "role", operation: "update", arguments: ["description"], actions: ["iam:UpdateRoleDescription"], source: `${ROLE} resourceRoleUpdate: d.HasChange(names.AttrDescription) -> UpdateRoleDescription` },
    { resource: "role", operation: "update", arguments: ["maxSessionDuration"], actions: ["iam:UpdateRole"], source: `${ROLE} resourceRoleUpdate: d.HasChange("max_session_duration") -> UpdateRole` },
    {
        resource: "role",
        operation: "update",
        arguments: ["permissionsBoundary"],
        when: "boundary",
        actions: ["iam:PutRolePermissionsBoundary"],
        source: `${ROLE} resourceRoleUpdate: permissionsBoundary != "" -> PutRolePermissionsBoundary (added or changed)`,
    },
    {
        resource: "role",
        operation: "update",
        arguments: ["permissionsBoundary"],
        when: "never",
        actions: ["iam:DeleteRolePermissionsBoundary"],
        source: `${ROLE} resourceRoleUpdate: permissions_boundary removed -> DeleteRolePermissionsBoundary; a boundary once set stays (the key is the boundary being removed: requiring it would allow removing exactly it)`,
    },
    {
        resource: "role",
        operation: "update",
        arguments: ["tags"],
        actions: ["iam:UntagRole", "iam:TagRole", "iam:ListRoleTags"],
        source: `${TAGS} before Update -> internal/service/iam/tags.go roleUpdateTags (UntagRole for removed keys, TagRole for added or changed); ListTags (ListRoleTags) when tags_all was unknown at plan time`,
    },
    { resource: "role", operation: "replace", arguments: ["name", "path"], actions: [], source: `${ROLE} schema: name and path are ForceNew (delete, then create: the resource is deleteBeforeReplace)` },
    {
        resource: "role",
        operation: "delete",
        actions: ["iam:ListInstanceProfilesForRole", "iam:ListAttachedRolePolicies", "iam:DetachRolePolicy", "iam:ListRolePolicies", "iam:DeleteRolePolicy", "iam:DeleteRole"],
        source: `${ROLE} resourceRoleDelete -> deleteRole: deleteRoleInstanceProfiles (ListInstanceProfilesForRole; our roles have no instance profile to remove), then while managed_policy_arns / inline_policy are non-empty in state (Read fills them) findRoleAttachedPolicies + DetachRolePolicy and findRolePolicyNames + DeleteRolePolicy, then DeleteRole`,
    },
    { resource: "rolePolicy", operation: "read", actions: ["iam:GetRolePolicy"], source: `${ROLE_POLICY} resourceRolePolicyRead -> findRolePolicyByTwoPartKey (GetRolePolicy)` },
    { resource: "rolePolicy", operation: "create", actions: ["iam:PutRolePolicy", "iam:GetRolePolicy"], source: `${ROLE_POLICY} resourceRolePolicyPut: PutRolePolicy, then GetRolePolicy until found (d.IsNewResource)` },
    { resource: "rolePolicy", operation: "update", arguments: ["policy"], actions: ["iam:PutRolePolicy"], source: `${ROLE_POLICY} UpdateWithoutTimeout: resourceRolePolicyPut (PutRolePolicy)` },
    { resource: "rolePolicy", operation: "replace", arguments: ["name", "role"], actions: [], source: `${ROLE_POLICY} schema: name and role are ForceNew` },
    { resource: "rolePolicy", operation: "delete", actions: ["iam:DeleteRolePolicy"], source: `${ROLE_POLICY} resourceRolePolicyDelete: DeleteRolePolicy` },
    {
        resource: "rolePolicyAttachment",
        operation: "read",
        actions: ["iam:ListAttachedRolePolicies"],
        source: `${ATTACHMENT} resourceRolePolicyAttachmentRead -> findAttachedRolePolicies (ListAttachedRolePolicies, paginated)`,
    },
    { resource: "rolePolicyAttachment", operation: "create", actions: ["iam:AttachRolePolicy"], source: `${ATTACHMENT} attachPolicyToRole: AttachRolePolicy` },
    { resource: "rolePolicyAttachment", operation: "replace", arguments: ["role", "policyArn"], actions: [], source: `${ATTACHMENT} schema: role and policy_arn are ForceNew` },
    { resource: "rolePolicyAttachment", operation: "delete", actions: ["iam:DetachRolePolicy"], source: `${ATTACHMENT} detachPolicyFromRole: DetachRolePolicy` },
    { resource: "oidcProvider", operation: "read", actions: ["iam:GetOpenIDConnectProvider"], source: `${OIDC} findOpenIDConnectProviderByARN (GetOpenIDConnectProvider; tags come with it, setTagsOut)` },
    {
        resource: "oidcProvider",
        operation: "create",
        actions: ["iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider"],
        source: `${OIDC} resourceOpenIDConnectProviderCreate: CreateOpenIDConnectProviderInput{Tags: getTagsIn(ctx)} (the API also authorizes iam:TagOpenIDConnectProvider: SAR, API operations); openIDConnectProviderCreateTags where tag-on-create is unsupported`,
    },
    {
        resource: "oidcProvider",
        operation: "update",
        arguments: ["thumbprintLists"],
        actions: ["iam:UpdateOpenIDConnectProviderThumbprint"],
        source: `${OIDC} resourceOpenIDConnectProviderUpdate: d.HasChange("thumbprint_list") -> UpdateOpenIDConnectProviderThumbprint`,
    },
    {
        resource: "oidcProvider",
        operation: "update",
        arguments: ["clientIdLists"],
        actions: ["iam:AddClientIDToOpenIDConnectProvider", "iam:RemoveClientIDFromOpenIDConnectProvider"],
        source: `${OIDC} resourceOpenIDConnectProviderUpdate: added client IDs -> AddClientIDToOpenIDConnectProvider, removed -> RemoveClientIDFromOpenIDConnectProvider`,
    },
    {
        resource: "oidcProvider",
        operation: "update",
        arguments: ["tags"],
        actions: ["iam:UntagOpenIDConnectProvider", "iam:TagOpenIDConnectProvider", "iam:ListOpenIDConnectProviderTags"],
        source: `${TAGS} -> internal/service/iam/tags.go openIDConnectProviderUpdateTags (Untag, Tag); ListTags (ListOpenIDConnectProviderTags) when tags_all was unknown at plan time`,
    },
    { resource: "oidcProvider", operation: "replace", arguments: ["url"], actions: [], source: `${OIDC} schema: url is ForceNew` },
    { resource: "oidcProvider", operation: "delete", when: "unprotected", actions: ["iam:DeleteOpenIDConnectProvider"], source: `${OIDC} resourceOpenIDConnectProviderDelete: DeleteOpenIDConnectProvider` },
];

/** Whether an action changes anything (SAR access level other than Read and List). */
export function changes(action: IamAction): boolean {
    const access: AccessLevel = IAM_ACTIONS[action].access;
    return access !== "Read" && access !== "List";
}

/** Whether IAM supplies iam:PermissionsBoundary for the action (conservative reading). */
export function suppliesBoundary(action: IamAction): boolean {
    return (IAM_ACTIONS[action].keys as readonly string[]).includes(BOUNDARY);
}

/** The actions of some calls on one resource type, each once, sorted (policies stay stable when the table is reordered). */
export function actionsOf(calls: readonly ProviderCall[], resource: IamResourceType): IamAction[] {
    return [...new Set(calls.flatMap((call) => call.actions))].filter((action) => IAM_ACTIONS[action].resource === resource).sort();
}
