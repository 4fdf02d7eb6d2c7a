/**
 * The IAM policies of the federation pipeline's own roles (gitlab-federation:deployer), derived
 * from the table of the provider's calls (permissions.ts):
 * - the planner reads (the calls of a Read: `preview --refresh`, `refresh --preview-only`);
 * - the applier makes every call of every operation on roles under aws.rolePath (which the
 *   deployer requires to be this stack's own path) and on the OIDC provider this stack manages.
 *   With aws.permissionsBoundary, the writes IAM supplies iam:PermissionsBoundary for require
 *   that boundary (so the applier creates, and puts or attaches policies on, bounded roles only);
 *   the other writes cannot carry the condition (a condition on a missing key is false) and are
 *   limited by the path alone. Denied outright: removing a boundary from any role, and every
 *   write on the deployer's own roles (only an administrator changes those);
 * - both reach the state of a self-managed S3 backend and its awskms:// key.
 */
import type { Findings, PathSegment } from "../../src/core/findings";
import type { AwsAccount } from "./accounts";
import type { DeployerRole } from "../../src/core/model";
import type { DeployerConfig } from "../../src/core/schema";
import type { DeployerCapability, PlanContext } from "../target";
import { accountOf, awsRoleName, roleArn } from "./names";
import { AwsConfig, AwsDeployerConfig, AwsDeployerSchema, AwsGrantConfig } from "./schema";
import { PROVIDER_CALLS, ProviderCall, actionsOf, changes, suppliesBoundary } from "./permissions";

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

/** Every write the provider can make on a role, granted or not: what the deployer's own roles are closed to. */
const ROLE_WRITES = actionsOf(PROVIDER_CALLS, "role").filter(changes);

/** The inline policy of a deployer role. */
export function deployerIamPolicy(role: DeployerRole, scope: AwsDeployerScope): IamPolicyDocument {
    const calls = PROVIDER_CALLS.filter((call) => makes(role, call, scope));
    return { Version: "2012-10-17", Statement: [...roleStatements(role, scope, calls), ...providerStatements(role, scope, calls), ...stateStatements(role, scope)] };
}

/** Whether the role makes a call of the table. */
function makes(role: DeployerRole, call: ProviderCall, scope: AwsDeployerScope): boolean {
    if (role === "planner") {
        return call.operation === "read";
    }
    switch (call.when) {
        case "boundary":
            return scope.permissionsBoundary !== undefined;
        case "unprotected":
            return scope.provider?.protect === false;
        case "never":
            return false;
        default:
            return true;
    }
}

function roleStatements(role: DeployerRole, scope: AwsDeployerScope, calls: readonly ProviderCall[]): IamStatement[] {
    const iam = `arn:${scope.partition}:iam::${scope.account}:role`;
    const roles = `${iam}${scope.rolePath}*`;
    const actions = actionsOf(calls, "role");
    const statements: IamStatement[] = [{ Sid: "ReadGrantRoles", Effect: "Allow", Action: actions.filter((a) => !changes(a)), Resource: roles }];
    if (role === "planner") {
        return statements;
    }
    const boundary = scope.permissionsBoundary;
    const bounded = actions.filter((a) => changes(a) && boundary !== undefined && suppliesBoundary(a));
    statements.push({ Sid: "ManageGrantRoles", Effect: "Allow", Action: actions.filter((a) => changes(a) && !bounded.includes(a)), Resource: roles });
    if (boundary !== undefined) {
        statements.push({ Sid: "ManageGrantRolesWithBoundary", Effect: "Allow", Action: bounded, Resource: roles, Condition: { StringEquals: { "iam:PermissionsBoundary": boundary } } });
    }
    statements.push({ Sid: "KeepPermissionsBoundaries", Effect: "Deny", Action: ["iam:DeleteRolePermissionsBoundary"], Resource: `${iam}/*` });
    statements.push({ Sid: "NotTheDeployerItself", Effect: "Deny", Action: ROLE_WRITES, Resource: [...scope.ownRoles] });
    return statements;
}

/** The OIDC provider's actions carry only tag keys (no boundary): the ARN is the whole fence. */
function providerStatements(role: DeployerRole, scope: AwsDeployerScope, calls: readonly ProviderCall[]): IamStatement[] {
    if (scope.provider === undefined) {
        return [];
    }
    return [{ Sid: role === "applier" ? "ManageOidcProvider" : "ReadOidcProvider", Effect: "Allow", Action: actionsOf(calls, "oidc-provider"), Resource: scope.provider.arn }];
}

/**
 * The state of a self-managed S3 backend (pulumi/pulumi pkg/backend/diy): every object lives
 * under `<prefix>/.pulumi/` (workspace.BookkeepingDir; blob.PrefixedBucket in backend.go
 * newDIYBackend), and every listing has a prefix below it (listBucket: `Prefix: dir + "/"`;
 * stackPath). Read-only commands read (GetObject, HeadObject = s3:GetObject) and list; up,
 * refresh, destroy and import also write the lock, checkpoint, .bak, history and backups
 * (PutObject, CopyObject = GetObject + PutObject) and delete the lock (lock.go Unlock). S3 answers
 * 404 for a missing object only to a caller with s3:ListBucket (HeadObject API reference), and
 * the backend needs that 404 (meta.go readPulumiMeta, stack tags, Exists): the prefix condition is
 * ...IfExists so that it holds whether or not S3 puts s3:prefix in that check's context.
 * The awskms:// secrets manager decrypts its data key whenever it is built, preview included
 * (pkg/secrets/cloud/manager.go newCloudSecretsManager: keeper.Decrypt), and encrypts a new one
 * only when a stack is (re)keyed (generateNewDataKey: keeper.Encrypt): the planner decrypts only.
 */
function stateStatements(role: DeployerRole, scope: AwsDeployerScope): IamStatement[] {
    const state = scope.state;
    if (state === undefined) {
        return [];
    }
    const applier = role === "applier";
    const root = `${state.prefix !== undefined ? `${state.prefix}/` : ""}.pulumi/`;
    const bucket = `arn:${scope.partition}:s3:::${state.bucket}`;
    const statements: IamStatement[] = [
        { Sid: "ListState", Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucket, Condition: { StringLikeIfExists: { "s3:prefix": `${root}*` } } },
        { Sid: applier ? "ReadWriteState" : "ReadState", Effect: "Allow", Action: applier ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] : ["s3:GetObject"], Resource: `${bucket}/${root}*` },
    ];
    if (state.kmsKeyArn !== undefined) {
        statements.push({ Sid: applier ? "StateSecrets" : "ReadStateSecrets", Effect: "Allow", Action: applier ? ["kms:Encrypt", "kms:Decrypt"] : ["kms:Decrypt"], Resource: state.kmsKeyArn });
    }
    return statements;
}

/** The deployer's AWS settings (deployer.aws), what moved there, and the S3 backend they name. */
export const AWS_DEPLOYER: DeployerCapability = {
    settings: AwsDeployerSchema,
    moved: { "applier.acknowledgeAws": "acknowledge", allowUnboundedAwsRoles: "allowUnboundedRoles", "state.s3": "state" },
    // The S3 backend needs the region: gocloud.dev s3blob reads it from the URL or the AWS SDK's environment (docs/reference.md §6).
    backendUrl: (settings) => {
        const state = (settings as AwsDeployerConfig).state;
        return state === undefined ? undefined : `s3://${state.bucket}${state.prefix !== undefined ? `/${state.prefix}` : ""}?region=${state.region}`;
    },
};

/** The applier may write every role under each account's rolePath: each account needs an id, a path of its own and a bound on the roles it creates. */
function checkRoleScope(accounts: readonly AwsAccount[], settings: AwsDeployerConfig, findings: Findings): void {
    if (accounts.some((account) => account.config.accountId === undefined)) {
        findings.problem(["aws", "accountId"], `is required with gitlab-federation:deployer: the deployer's IAM policies name this account's roles exactly; set the 12-digit account ID in quotes`);
    }
    for (const at of fieldsOf(accounts.filter((a) => a.config.rolePath === "/"), "rolePath")) {
        findings.problem(
            at,
            `is "/" and the deployer's applier may write every role under ${at.join(".")}, which would be every role in the account: give this stack a path of its own, e.g. "/gitlab-federation/" (a new path replaces the roles, delete-first)`,
        );
    }
    // An account without a boundary of its own inherits the section's: unset there too.
    const path = ["deployer", "aws", "allowUnboundedRoles"];
    const unbounded = accounts.some((a) => a.config.permissionsBoundary === undefined);
    if (unbounded && settings.allowUnboundedRoles === undefined) {
        findings.problem(
            path,
            `is required while aws.permissionsBoundary is unset: the applier creates IAM roles, and without a boundary it could create one with any permission and assume it. Set aws.permissionsBoundary (every role then carries it, and the applier may write only such roles), or give the reason here`,
        );
    } else if (unbounded && settings.allowUnboundedRoles !== undefined) {
        findings.loosen(path, "the applier can create IAM roles with any permission", settings.allowUnboundedRoles);
    } else if (settings.allowUnboundedRoles !== undefined) {
        findings.warn(path, `has no effect: aws.permissionsBoundary bounds every role the applier writes; remove it`);
    }
}

/** Where the accounts write a setting, each place once (an inherited one is the section's). */
function fieldsOf(accounts: readonly AwsAccount[], field: string): PathSegment[][] {
    const seen = new Map(accounts.map((account) => [account.at(field).join("."), account.at(field)]));
    return [...seen.values()];
}

/**
 * The S3 state is reached with the job's own credentials (AWS_ROLE_ARN: the deployer's role in
 * the account the stack's own provider reaches), and only those roles carry its statements.
 */
function checkState(accounts: readonly AwsAccount[], settings: AwsDeployerConfig, findings: Findings): void {
    if (settings.state === undefined || accounts.some((account) => account.provider === undefined)) {
        return;
    }
    findings.problem(
        ["deployer", "aws", "state"],
        `is set, and every account of aws.accounts is reached through its own provider (${accounts.map((a) => a.key).join(", ")}): the pipeline's jobs reach the S3 state with the deployer's roles in the account the stack's own provider reaches, the only roles given the state's permissions; list that account under aws.accounts without assumeRole or profile, or remove deployer.aws.state`,
    );
}

/** AWS sees only sub and aud: any job of a pipeline on the applier's branch can assume its role. Acknowledged in the map. */
function checkAcknowledgement(config: DeployerConfig, settings: AwsDeployerConfig, findings: Findings): void {
    const path = ["deployer", "aws", "acknowledge"];
    if (settings.acknowledge === undefined) {
        findings.problem(
            path,
            `is required with an aws section: AWS sees only sub and aud, so any job of a pipeline on ${[config.applier.ref].flat().join(", ")} in ${config.project} can assume the applier's role, not only pulumi up in ${config.applier.environment}, and AWS cannot check that the branch is protected; give the reason this is acceptable (e.g. the branch is protected and every job on it is reviewed)`,
        );
    } else {
        findings.loosen(path, "AWS does not check the applier's environment or protection", settings.acknowledge);
    }
}

/** The OIDC provider an account's stack manages (its ARN, and whether it is protected), if any. */
export type ManagedProvider = { readonly arn: string; readonly protect: boolean } | undefined;

/**
 * The deployer in AWS: its settings checked once, then, per account, each identity's inline
 * policy (from the permission table) on exactly what the stack manages in that account: its id,
 * its rolePath, its boundary, its OIDC provider, its own deployer roles. Only the account the
 * stack's own provider reaches carries the state's statements (checkState).
 */
export function awsDeployer(ctx: PlanContext<AwsConfig, AwsGrantConfig>, accounts: readonly AwsAccount[]): (account: AwsAccount, provider: ManagedProvider) => (role: DeployerRole) => IamPolicyDocument {
    const settings = AwsDeployerSchema.parse(ctx.deployer!.settings ?? {});
    checkRoleScope(accounts, settings, ctx.findings);
    checkAcknowledgement(ctx.deployer!.config, settings, ctx.findings);
    checkState(accounts, settings, ctx.findings);
    const identities = ctx.grants.filter((g) => g.identity !== undefined);
    return (account, provider) => {
        const aws = account.config;
        const id = accountOf(aws);
        const scope: AwsDeployerScope = {
            partition: aws.partition,
            account: id,
            rolePath: aws.rolePath,
            ...(aws.permissionsBoundary !== undefined ? { permissionsBoundary: aws.permissionsBoundary } : {}),
            ownRoles: identities.map((g) => roleArn(aws.partition, id, aws.rolePath, awsRoleName(g.grant.namesPath, g.grant.namesGrant))),
            ...(settings.state !== undefined && account.provider === undefined ? { state: settings.state } : {}),
            ...(provider !== undefined ? { provider } : {}),
        };
        return (role) => deployerIamPolicy(role, scope);
    };
}
