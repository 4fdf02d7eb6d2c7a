/**
 * Which deployer identity a pipeline job runs as, and what that makes of the Pulumi provider of
 * each account reached through its own provider (aws.accounts with assumeRole or profile).
 *
 * An administrator's run (the variable unset) reaches each account the map's way (assumeRole or
 * profile): only an administrator creates the deployer's own roles. The generated pipeline's
 * preview and up jobs set GITLAB_FEDERATION_AWS_IDENTITY to planner or applier (ci.ts
 * awsPipelineLogin); each account's provider then assumes the deployer's role of that identity in
 * that account with the job's GitLab ID token, the file AWS_WEB_IDENTITY_TOKEN_FILE names (the
 * template's before_script writes it). The role's trust policy names that account's own OIDC
 * provider with the deployer project's sub and aud: no cross-account trust, no sts:AssumeRole.
 * Arguments: pulumi-aws ProviderArgs.assumeRoleWithWebIdentity (node_modules/@pulumi/aws/
 * provider.d.ts; ProviderAssumeRoleWithWebIdentity in types/input.d.ts: roleArn, sessionName,
 * webIdentityTokenFile), bridged from hashicorp/terraform-provider-aws internal/provider/sdkv2/
 * provider.go expandAssumeRoleWithWebIdentity (role_arn, session_name, web_identity_token_file).
 */
import type { DeployerRole } from "../../src/core/model";

export const AWS_IDENTITY_VARIABLE = "GITLAB_FEDERATION_AWS_IDENTITY";

const TOKEN_FILE = "AWS_WEB_IDENTITY_TOKEN_FILE";

export interface JobIdentity {
    readonly role: DeployerRole;
    readonly tokenFile: string;
    readonly sessionName?: string;
}

/** The identity a job runs as (undefined: an administrator's run), from its environment; a broken setting throws, one line. */
export function jobIdentity(env: Readonly<Record<string, string | undefined>>): JobIdentity | undefined {
    const value = env[AWS_IDENTITY_VARIABLE];
    if (value === undefined || value === "") {
        return undefined;
    }
    if (value !== "planner" && value !== "applier") {
        throw new Error(`${AWS_IDENTITY_VARIABLE}: is ${JSON.stringify(value)}; allowed: planner, applier (the generated pipeline's preview and up jobs set it); unset it for an administrator's run`);
    }
    const tokenFile = env[TOKEN_FILE];
    if (tokenFile === undefined || tokenFile === "") {
        throw new Error(
            `${TOKEN_FILE}: is unset, and ${AWS_IDENTITY_VARIABLE} is ${value}: each account's provider assumes the deployer's ${value} role there with the job's GitLab ID token from that file; run the job's before_script (it writes the file), or unset ${AWS_IDENTITY_VARIABLE} for an administrator's run`,
        );
    }
    const sessionName = env["AWS_ROLE_SESSION_NAME"];
    return { role: value, tokenFile, ...(sessionName !== undefined && sessionName !== "" ? { sessionName } : {}) };
}

/** An account of the plan, as far as its provider needs it. */
export interface ProviderAccount {
    readonly key: string;
    readonly deployerRoleArns?: Partial<Record<DeployerRole, string>>;
}

/**
 * The arguments of an account's provider: the map's for an administrator's run; in a job, the
 * same without assumeRoles and profile, assuming the identity's role in the account instead.
 */
export function providerArgsFor(args: Readonly<Record<string, unknown>>, account: ProviderAccount, identity: JobIdentity | undefined): Record<string, unknown> {
    if (identity === undefined) {
        return { ...args };
    }
    const roleArn = account.deployerRoleArns?.[identity.role];
    if (roleArn === undefined) {
        throw new Error(
            `${AWS_IDENTITY_VARIABLE}: is ${identity.role}, and the map plans no deployer ${identity.role} role in aws.accounts.${account.key}: only the pipeline of a map with gitlab-federation:deployer sets it; unset it for an administrator's run`,
        );
    }
    const kept = Object.fromEntries(Object.entries(args).filter(([key]) => key !== "assumeRoles" && key !== "profile"));
    return { ...kept, assumeRoleWithWebIdentity: { roleArn, webIdentityTokenFile: identity.tokenFile, ...(identity.sessionName !== undefined ? { sessionName: identity.sessionName } : {}) } };
}
