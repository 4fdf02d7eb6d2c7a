/** AWS's names: component and resource type tokens, role names. See core/names.ts for the rules. */
import { fitName, pathSlug } from "../../src/core/names";

/** Component type token. */
export const COMPONENT = { oidc: "gitlab-federation:aws:OidcFederation" } as const;

/** Resource type tokens of the resources the plan describes (as the Pulumi engine knows them). */
export const RESOURCE = {
    oidcProvider: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    role: "aws:iam/role:Role",
    rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    /** The Pulumi provider of an account of aws.accounts with assumeRole or profile. */
    provider: "pulumi:providers:aws",
} as const;

/** Default IAM role name: `gitlab-platform-api--deploy`, at most 64 characters. */
export function awsRoleName(projectPath: string, grant: string): string {
    return fitName(`gitlab-${pathSlug(projectPath)}--${grant}`, 64);
}

/** Logical name of the OIDC provider: fixed, so the provider keeps its URN whatever the URL. */
export const ANCHOR = { oidcProvider: "gitlab" } as const;

/** Name of the inline policy of a grant's role. */
export const AWS_INLINE_POLICY_NAME = "gitlab-federation";

/** The provider URL without scheme: the prefix of the IAM condition keys (`gitlab.example.com:sub`). */
export function conditionPrefix(gitlabUrl: string): string {
    return gitlabUrl.replace(/^https:\/\//, "");
}

/** Where the plan names an account it does not know (aws.accountId unset, no existing provider). */
export const ACCOUNT_PLACEHOLDER = "<account-id>";

/** The account of the stack's roles: aws.accountId, else the existing provider's, else a placeholder. */
export function accountOf(aws: { readonly accountId?: string; readonly existingProviderArn?: string }): string {
    return aws.accountId ?? aws.existingProviderArn?.split(":")[4] ?? ACCOUNT_PLACEHOLDER;
}

/** arn:<partition>:iam::<account>:role<path><name>. */
export function roleArn(partition: string, account: string, path: string, name: string): string {
    return `arn:${partition}:iam::${account}:role${path}${name}`;
}

/** The IAM OIDC provider of a GitLab URL: arn:<partition>:iam::<account>:oidc-provider/<host and path>. */
export function oidcProviderArn(partition: string, account: string, gitlabUrl: string): string {
    return `arn:${partition}:iam::${account}:oidc-provider/${conditionPrefix(gitlabUrl)}`;
}


/** A role's key among the plan's roles: its name, prefixed by its account's key with aws.accounts (a name is unique per account). */
export function roleKey(account: string | undefined, name: string): string {
    return account === undefined ? name : `${account}:${name}`;
}
