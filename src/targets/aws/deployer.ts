/**
 * The IAM policies of the federation pipeline's own roles (gitlab-federation:deployer): the
 * actions the AWS provider's calls need for the resources this stack manages, on exactly those
 * resources (terraform-provider-aws internal/service/iam):
 * - aws.iam.Role (role.go): CreateRole (tags on create need TagRole), GetRole to read,
 *   ListRolePolicies/GetRolePolicy and ListAttachedRolePolicies (inline and managed policies are
 *   read with the role), UpdateAssumeRolePolicy, UpdateRoleDescription, UpdateRole (max
 *   session), PutRolePermissionsBoundary, TagRole/UntagRole; DeleteRole after
 *   ListInstanceProfilesForRole (our roles have no instance profile, so RemoveRoleFromInstanceProfile
 *   is never needed). DeleteRolePermissionsBoundary is never planned: a boundary, once in the map,
 *   stays.
 * - aws.iam.RolePolicyAttachment: AttachRolePolicy, ListAttachedRolePolicies, DetachRolePolicy.
 * - aws.iam.RolePolicy: PutRolePolicy, GetRolePolicy, DeleteRolePolicy.
 * - aws.iam.OpenIdConnectProvider (openid_connect_provider.go): CreateOpenIDConnectProvider,
 *   GetOpenIDConnectProvider, UpdateOpenIDConnectProviderThumbprint,
 *   Add/RemoveClientIDToOpenIDConnectProvider, Tag/UntagOpenIDConnectProvider,
 *   DeleteOpenIDConnectProvider (only when the provider is not protected).
 * - the state of a self-managed S3 backend, and its awskms:// key (Encrypt, Decrypt).
 * Roles: every role under aws.rolePath, which the deployer requires to be this stack's own
 * path; never the deployer's own roles (only an administrator changes those). With
 * aws.permissionsBoundary, every role write requires that boundary on the role
 * (iam:PermissionsBoundary), so no role the applier touches can exceed it.
 */
import type { DeployerRole } from "../../core/model";

export interface IamStatement {
    readonly Sid: string;
    readonly Effect: "Allow" | "Deny";
    readonly Action: readonly string[];
    readonly Resource: string | readonly string[];
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface IamPolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly IamStatement[];
}

export interface AwsDeployerScope {
    readonly partition: string;
    readonly account: string;
    readonly rolePath: string;
    /** The OIDC provider this stack manages, or undefined when it trusts an existing one. */
    readonly provider?: { readonly arn: string; readonly protect: boolean };
    readonly permissionsBoundary?: string;
    /** ARNs of the deployer's own roles. */
    readonly ownRoles: readonly string[];
    readonly state?: { readonly bucket: string; readonly prefix?: string; readonly kmsKeyArn?: string };
}

const ROLE_READ = ["iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"];
const ROLE_WRITE = [
    "iam:CreateRole",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRoleDescription",
    "iam:UpdateRole",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:ListInstanceProfilesForRole",
    "iam:DeleteRole",
];
const PROVIDER_WRITE = [
    "iam:CreateOpenIDConnectProvider",
    "iam:UpdateOpenIDConnectProviderThumbprint",
    "iam:AddClientIDToOpenIDConnectProvider",
    "iam:RemoveClientIDFromOpenIDConnectProvider",
    "iam:TagOpenIDConnectProvider",
    "iam:UntagOpenIDConnectProvider",
];

/** The inline policy of a deployer role. */
export function deployerIamPolicy(role: DeployerRole, scope: AwsDeployerScope): IamPolicyDocument {
    const applier = role === "applier";
    const roles = `arn:${scope.partition}:iam::${scope.account}:role${scope.rolePath}*`;
    const statements: IamStatement[] = [{ Sid: "ReadGrantRoles", Effect: "Allow", Action: ROLE_READ, Resource: roles }];
    if (applier) {
        statements.push({
            Sid: "ManageGrantRoles",
            Effect: "Allow",
            Action: ROLE_WRITE,
            Resource: roles,
            ...(scope.permissionsBoundary !== undefined ? { Condition: { StringEquals: { "iam:PermissionsBoundary": scope.permissionsBoundary } } } : {}),
        });
        statements.push({ Sid: "NotTheDeployerItself", Effect: "Deny", Action: ROLE_WRITE, Resource: [...scope.ownRoles] });
    }
    if (scope.provider !== undefined) {
        statements.push({
            Sid: applier ? "ManageOidcProvider" : "ReadOidcProvider",
            Effect: "Allow",
            Action: ["iam:GetOpenIDConnectProvider", ...(applier ? [...PROVIDER_WRITE, ...(scope.provider.protect ? [] : ["iam:DeleteOpenIDConnectProvider"])] : [])],
            Resource: scope.provider.arn,
        });
    }
    const state = scope.state;
    if (state !== undefined) {
        const objects = `arn:${scope.partition}:s3:::${state.bucket}/${state.prefix !== undefined ? `${state.prefix}/` : ""}*`;
        statements.push({
            Sid: "ListState",
            Effect: "Allow",
            Action: ["s3:ListBucket"],
            Resource: `arn:${scope.partition}:s3:::${state.bucket}`,
            ...(state.prefix !== undefined ? { Condition: { StringLike: { "s3:prefix": [state.prefix, `${state.prefix}/*`] } } } : {}),
        });
        statements.push({ Sid: applier ? "ReadWriteState" : "ReadState", Effect: "Allow", Action: applier ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] : ["s3:GetObject"], Resource: objects });
        if (state.kmsKeyArn !== undefined) {
            statements.push({ Sid: applier ? "StateSecrets" : "ReadStateSecrets", Effect: "Allow", Action: applier ? ["kms:Encrypt", "kms:Decrypt"] : ["kms:Decrypt"], Resource: state.kmsKeyArn });
        }
    }
    return { Version: "2012-10-17", Statement: statements };
}
