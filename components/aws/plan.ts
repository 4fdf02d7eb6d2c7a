/**
 * AWS: the IAM OIDC provider for GitLab and one role per grant with `aws` (and per deployer
 * identity): which entries they become. trust.ts writes the trust policies, checks.ts holds the
 * rules that refuse or warn, deployer.ts the deployer's identities.
 */
import type { Findings } from "../../src/core/findings";
import { formatPath } from "../../src/core/findings";
import type { ResolvedGrant } from "../../src/core/model";
import { shortHash } from "../../src/core/names";
import { grantMeta, meta } from "../../src/core/resources";
import { isPattern } from "../../src/core/rules";
import type { GitlabConfig } from "../../src/core/schema";
import type { PlanContext, PlannedGrant, TargetPlanResult } from "../target";
import { AwsGrant, checkAcknowledgements, checkPermissions, checkRoleQuota, checkSection, roleDescription, sectionWarnings, sessionSeconds } from "./checks";
import { awsDeployer } from "./deployer";
import type { IamPolicyDocument } from "./deployer";

type Deployer = ReturnType<typeof awsDeployer>;
import { ANCHOR, AWS_INLINE_POLICY_NAME, RESOURCE, accountOf, awsRoleName, conditionPrefix, oidcProviderArn, roleArn } from "./names";
import { AwsAccount, accountOfGrant, inAccount, resolveAccounts } from "./accounts";
import type { AwsOidcProviderEntry, AwsPlan, AwsRoleEntry, AwsRolePolicyAttachmentEntry, AwsRolePolicyEntry, AwsSummary } from "./plan-schema";
import type { AwsConfig, AwsGrantConfig } from "./schema";
import { assertTrustPolicy, awsEnforcement, policyLength, subject, trustPolicy } from "./trust";
import type { DeployerRole } from "../../src/core/model";

export const MANAGED_BY_TAG = { "managed-by": "gitlab-federation" } as const;

/** An account's OIDC provider, unless the map names an existing one. */
function oidcProviders(gitlab: GitlabConfig, account: AwsAccount, tags: Readonly<Record<string, string>>): AwsOidcProviderEntry[] {
    const aws = account.config;
    if (aws.existingProviderArn !== undefined) {
        return [];
    }
    const arn = oidcProviderArn(aws.partition, accountOf(aws), gitlab.url);
    return [
        {
            ...inAccount(account, meta(RESOURCE.oidcProvider, ANCHOR.oidcProvider, aws.protect, { aliases: [conditionPrefix(gitlab.url)], ...(aws.adopt?.oidcProvider === "import" ? { import: arn } : {}) })),
            url: gitlab.url,
            clientIdLists: [aws.audience],
            ...(aws.thumbprints !== undefined ? { thumbprintLists: aws.thumbprints.map((t) => t.toLowerCase()) } : {}),
            tags: { ...tags },
        },
    ];
}

/** What every role of an account shares. */
interface Shared {
    readonly gitlab: GitlabConfig;
    readonly account: AwsAccount;
    readonly aws: AwsConfig;
    readonly providerArn: string;
    readonly accountId: string;
    readonly defaultSession: number | undefined;
    readonly tags: Readonly<Record<string, string>>;
    readonly deployerPolicy: ((role: DeployerRole) => IamPolicyDocument) | undefined;
}

/** A role's entries: the role, its attachments, its inline policy, and the grant's summary. */
interface PlannedRole {
    readonly role: AwsRoleEntry;
    readonly attachments: readonly AwsRolePolicyAttachmentEntry[];
    readonly inline?: AwsRolePolicyEntry;
    readonly summary: AwsSummary;
}

/** The trust policy of a grant's role, within the account's quota for its length. */
function trustOf(item: PlannedGrant<AwsGrantConfig>, shared: Shared, name: string, findings: Findings) {
    const { gitlab, aws } = shared;
    const { grant } = item;
    const document = trustPolicy(shared.providerArn, gitlab.url, aws.audience, grant.project, grant.refType, grant.refs);
    assertTrustPolicy(document, gitlab.url, aws.audience, grant.project);
    const length = policyLength(document);
    if (length > aws.trustPolicyMaxLength) {
        findings.problem(
            item.at,
            `the trust policy of role ${JSON.stringify(name)} is ${length} characters, above the IAM quota of ${aws.trustPolicyMaxLength} (${shared.account.at("trustPolicyMaxLength").join(".")}): list fewer refs or use a pattern, split the grant, or raise the quota in Service Quotas (up to 4096) and set aws.trustPolicyMaxLength`,
        );
    }
    if (grant.project.length > 256) {
        findings.problem(grant.path, `the project path is ${grant.project.length} characters; it becomes the gitlab-project tag of the IAM role, whose values hold at most 256`);
    }
    return document;
}

/** The inline policy of a role: the deployer's from its permission table, a grant's as the map gives it. */
function inlineOf(item: PlannedGrant<AwsGrantConfig>, shared: Shared, name: string): AwsRolePolicyEntry | undefined {
    const policy = item.identity !== undefined ? (shared.deployerPolicy?.(item.identity.role) as unknown as Record<string, unknown> | undefined) : item.fields.inlinePolicy;
    return policy === undefined ? undefined : { ...inAccount(shared.account, grantMeta(RESOURCE.rolePolicy, item.grant)), role: name, name: AWS_INLINE_POLICY_NAME, policy };
}

/** A grant's (or an identity's) role and what comes with it; undefined where a problem stops it. */
function plannedRole(item: PlannedGrant<AwsGrantConfig>, shared: Shared, name: string, findings: Findings): PlannedRole | undefined {
    const { grant } = item;
    const { aws } = shared;
    const grantItem = item.identity === undefined ? (item as AwsGrant) : undefined;
    const session = grantItem?.fields.maxSessionDuration === undefined ? shared.defaultSession : sessionSeconds(grantItem.fields.maxSessionDuration, [...item.at, "maxSessionDuration"], findings);
    const document = trustOf(item, shared, name, findings);
    const arns = grantItem !== undefined ? checkPermissions(grantItem, findings) : [];
    if (session === undefined) {
        return undefined;
    }
    const enforcement = awsEnforcement(grant) as AwsSummary["enforcement"];
    const role: AwsRoleEntry = {
        // The name must be reused on a path change (IAM role names are unique, paths immutable): delete first.
        ...inAccount(shared.account, grantMeta(RESOURCE.role, grant, "", { deleteBeforeReplace: true })),
        name,
        path: aws.rolePath,
        description: roleDescription(grant, grantItem?.fields, item.at, findings),
        assumeRolePolicy: document,
        maxSessionDuration: session,
        ...(aws.permissionsBoundary !== undefined ? { permissionsBoundary: aws.permissionsBoundary } : {}),
        tags: { ...shared.tags, "gitlab-project": grant.project, "gitlab-project-id": grant.projectId, "gitlab-grant": grant.grant },
        managedPolicyArns: arns,
        enforcement,
    };
    const attachments = arns.map((arn) => ({ ...inAccount(shared.account, grantMeta(RESOURCE.rolePolicyAttachment, grant, `/${arn.slice(arn.lastIndexOf("/") + 1)}-${shortHash(arn)}`)), role: name, policyArn: arn }));
    const inline = inlineOf(item, shared, name);
    const summary = {
        roleName: name,
        roleArn: roleArn(aws.partition, shared.accountId, aws.rolePath, name),
        ...(shared.account.key !== undefined ? { account: shared.account.key } : {}),
        audience: aws.audience,
        subjects: grant.refs.map((ref) => subject(grant.project, grant.refType, ref)),
        enforcement,
    };
    return { role, attachments, ...(inline !== undefined ? { inline } : {}), summary };
}

/** IAM role names are unique in an account regardless of case: a second grant with a name is refused. Returns whether `item` keeps it. */
function claimName(owners: Map<string, ResolvedGrant>, name: string, item: PlannedGrant<AwsGrantConfig>, findings: Findings): boolean {
    const owner = owners.get(name.toLowerCase());
    if (owner !== undefined) {
        findings.problem(item.at, `IAM role name ${JSON.stringify(name)} is also the role name of ${formatPath(owner.path)} (IAM role names are unique regardless of case): set aws.roleName on one of them`);
        return false;
    }
    owners.set(name.toLowerCase(), item.grant);
    return true;
}

type Built = ReturnType<typeof emptyBuilt>;
function emptyBuilt() {
    return { roles: [] as AwsRoleEntry[], attachments: [] as AwsRolePolicyAttachmentEntry[], inline: [] as AwsRolePolicyEntry[], summaries: new Map<number, AwsSummary>(), pathBound: new Set<string>(), exactProtected: [] as string[], perAccount: new Map<AwsAccount, number>() };
}

/**
 * The accounts a grant's role is in: its own (aws.account, else the only one); a deployer
 * identity's is in that one and in every account reached through its own provider, whose
 * provider a pipeline job configures to assume it (job-identity.ts).
 */
function accountsOfItem(item: PlannedGrant<AwsGrantConfig>, accounts: readonly AwsAccount[], findings: Findings): AwsAccount[] {
    const account = accountOfGrant(item, accounts, findings);
    if (account === undefined) {
        return [];
    }
    return item.identity === undefined ? [account] : [account, ...accounts.filter((a) => a !== account && a.provider !== undefined)];
}

/** The roles of the grants and the deployer's identities, in grant order, each in its account, and what the section's warnings need. */
function planRoles(ctx: PlanContext<AwsConfig, AwsGrantConfig>, shared: ReadonlyMap<AwsAccount, Shared>, accounts: readonly AwsAccount[]): Built {
    const { findings } = ctx;
    const owners = new Map(accounts.map((account) => [account, new Map<string, ResolvedGrant>()]));
    const built = emptyBuilt();
    for (const item of ctx.grants) {
        const { grant } = item;
        if (item.identity === undefined) {
            checkAcknowledgements(item, findings);
            if (grant.protected && grant.refs.some((ref) => !isPattern(ref))) {
                built.exactProtected.push(`${grant.project} ${grant.grant}`);
            }
        }
        built.pathBound.add(grant.project);
        const name = (item.identity === undefined ? item.fields.roleName : undefined) ?? awsRoleName(grant.namesPath, grant.namesGrant);
        const summaries: AwsSummary[] = [];
        for (const account of accountsOfItem(item, accounts, findings)) {
            const planned = claimName(owners.get(account)!, name, item, findings) ? plannedRole(item, shared.get(account)!, name, findings) : undefined;
            if (planned !== undefined) {
                built.roles.push(planned.role);
                built.attachments.push(...planned.attachments);
                built.inline.push(...(planned.inline !== undefined ? [planned.inline] : []));
                summaries.push(planned.summary);
                built.perAccount.set(account, (built.perAccount.get(account) ?? 0) + 1);
            }
        }
        const [summary, ...others] = summaries;
        if (summary !== undefined) {
            built.summaries.set(grant.index, others.length > 0 ? { ...summary, accountRoleArns: Object.fromEntries(others.map((o) => [o.account!, o.roleArn])) } : summary);
        }
    }
    return built;
}

/** What the roles of an account share, and its OIDC provider. */
function accountShared(ctx: PlanContext<AwsConfig, AwsGrantConfig>, account: AwsAccount, defaultSession: number | undefined, deployer: Deployer | undefined): { shared: Shared; oidc: AwsOidcProviderEntry[] } {
    const { gitlab } = ctx;
    const aws = account.config;
    const accountId = accountOf(aws);
    const providerArn = aws.existingProviderArn ?? oidcProviderArn(aws.partition, accountId, gitlab.url);
    const tags = { ...MANAGED_BY_TAG, ...(aws.tags ?? {}) };
    const oidc = oidcProviders(gitlab, account, tags);
    const provider = oidc[0] !== undefined ? { arn: providerArn, protect: oidc[0].resource.protect } : undefined;
    const deployerPolicy = deployer?.(account, provider);
    return { shared: { gitlab, account, aws, providerArn, accountId, defaultSession, tags, deployerPolicy }, oidc };
}

/** The deployer's role ARNs in an account reached through its own provider, by identity: what a pipeline job's provider assumes there. */
function deployerRolesIn(key: string, identities: ReadonlyMap<DeployerRole, AwsSummary>): Partial<Record<DeployerRole, string>> | undefined {
    const arns = [...identities].flatMap(([role, summary]) => {
        const arn = summary.account === key ? summary.roleArn : summary.accountRoleArns?.[key];
        return arn !== undefined ? [[role, arn] as const] : [];
    });
    return arns.length > 0 ? Object.fromEntries(arns) : undefined;
}

/** The plan's record of the accounts of aws.accounts (absent in a map without them). */
function accountsPart(shared: ReadonlyMap<AwsAccount, Shared>, identities: ReadonlyMap<DeployerRole, AwsSummary>): Pick<AwsPlan, "providers" | "accounts"> {
    const accounts = [...shared.values()].filter((s) => s.account.key !== undefined);
    if (accounts.length === 0) {
        return {};
    }
    const providers = accounts.flatMap((s) => (s.account.provider !== undefined ? [s.account.provider] : []));
    return {
        ...(providers.length > 0 ? { providers } : {}),
        accounts: accounts.map((s) => {
            const deployerRoleArns = s.account.provider !== undefined ? deployerRolesIn(s.account.key!, identities) : undefined;
            const via = s.account.provider === undefined ? "stack" : s.account.provider.assumeRoles !== undefined ? "assumeRole" : "profile";
            return { key: s.account.key!, id: s.accountId, providerArn: s.providerArn, via, ...(deployerRoleArns !== undefined ? { deployerRoleArns } : {}) };
        }),
    };
}

/** The summaries of the deployer's identities, by identity. */
function identitySummaries(ctx: PlanContext<AwsConfig, AwsGrantConfig>, built: Built): Map<DeployerRole, AwsSummary> {
    return new Map(ctx.grants.flatMap((g) => (g.identity !== undefined && built.summaries.has(g.grant.index) ? [[g.identity.role, built.summaries.get(g.grant.index)!] as const] : [])));
}

/** Plans AWS for the grants that have `aws` (and the deployer's identities). */
export function planAws(ctx: PlanContext<AwsConfig, AwsGrantConfig>): TargetPlanResult<AwsPlan, AwsSummary> {
    const { gitlab, section: aws, findings } = ctx;
    const region = ctx.providerConfig?.["aws:region"];
    const accounts = resolveAccounts(aws, findings, typeof region === "string" ? region : undefined);
    checkSection(gitlab, accounts, findings);
    if (ctx.sharding !== undefined && aws.accounts === undefined && aws.accountId === undefined) {
        findings.problem(["aws", "accountId"], `is required with gitlab-federation:sharding: the foundation publishes the shards' role ARNs, which name the account`);
    }
    const defaultSession = sessionSeconds(aws.maxSessionDuration, ["aws", "maxSessionDuration"], findings);
    const deployer = ctx.deployer !== undefined ? awsDeployer(ctx, accounts) : undefined;
    const parts = accounts.map((account) => accountShared(ctx, account, defaultSession, deployer));
    const shared = new Map(parts.map((part) => [part.shared.account, part.shared]));
    const built = planRoles(ctx, shared, accounts);
    sectionWarnings(gitlab, accounts, built.pathBound, built.exactProtected, findings);
    accounts.forEach((account) => checkRoleQuota(account, built.perAccount.get(account) ?? 0, findings));
    return {
        plan: {
            providerArn: parts[0]!.shared.providerArn,
            audience: aws.audience,
            oidcProviders: parts.flatMap((part) => part.oidc),
            roles: built.roles,
            rolePolicyAttachments: built.attachments,
            rolePolicies: built.inline,
            ...accountsPart(shared, identitySummaries(ctx, built)),
        },
        grants: built.summaries,
        audience: aws.audience,
    };
}
