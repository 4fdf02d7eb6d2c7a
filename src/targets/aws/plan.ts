/**
 * AWS: the IAM OIDC provider for GitLab and one role per grant with `aws`.
 *
 * Facts relied on (docs/reference.md §1.2, §4.3, §4.4, §4.5, §7.2, §7.3, §7.11, §7.23, §7.24):
 * - For a self-managed GitLab, a role's trust policy can check only `<host>:aud` and `<host>:sub`.
 * - GitLab's default sub is `project_path:<path>:ref_type:<branch|tag>:ref:<ref>`.
 * - StringLike's "*" crosses "/" and ":" and "?" is a wildcard; refs here contain neither ":" nor "?",
 *   and the project path is always literal, so a pattern can only widen the ref part.
 * - The trust policy quota is 2,048 characters by default (whitespace ignored), 4,096 at most.
 */
import { defaultSubject } from "../../core/claims";
import { formatDuration, parseDuration } from "../../core/duration";
import { Findings, PathSegment, compare, formatPath, show } from "../../core/findings";
import { ResolvedGrant, describeConditions, enforcementFor } from "../../core/model";
import { shortHash } from "../../core/names";
import { Condition, Enforcement, grantMeta, meta } from "../../core/resources";
import { isPattern } from "../../core/rules";
import type { GitlabConfig } from "../../core/schema";
import type { PlanContext, TargetGrant, TargetPlanResult } from "../target";
import { ANCHOR, AWS_INLINE_POLICY_NAME, RESOURCE, awsRoleName } from "./names";
import type { AwsOidcProviderEntry, AwsPlan, AwsRoleEntry, AwsRolePolicyAttachmentEntry, AwsRolePolicyEntry, AwsSummary, TrustPolicyDocument } from "./plan-schema";
import type { AwsConfig, AwsGrantConfig } from "./schema";
import { AwsDeployerScope, deployerIamPolicy } from "./deployer";

export const MIN_SESSION_SECONDS = 3600;
export const MAX_SESSION_SECONDS = 43200;
/** Default IAM quota of managed policies per role. */
export const MANAGED_POLICIES_PER_ROLE = 10;

/** Managed policies that give (or let a role take) administrator-level access, AWS's AdministratorAccess-<service> variants included. */
const BROAD_MANAGED_POLICIES = /:policy\/(AdministratorAccess(-[A-Za-z0-9]+)*|PowerUserAccess|IAMFullAccess)$/;

/**
 * Actions that let a role change what it (or another identity) may do: write its own or others'
 * permissions, mint credentials, or trust another identity provider. Matched against the policy's
 * actions with IAM's rules (case-insensitive; "*" any run, "?" one character), so "iam:Put*",
 * "IAM:*" or "*" are caught too.
 */
export const ESCALATION_ACTIONS = [
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AddUserToGroup",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteUserPermissionsBoundary",
    "iam:PutRolePermissionsBoundary",
    "iam:PutUserPermissionsBoundary",
    "iam:CreateOpenIDConnectProvider",
    "iam:AddClientIDToOpenIDConnectProvider",
    "iam:UpdateOpenIDConnectProviderThumbprint",
    "iam:CreateSAMLProvider",
    "iam:UpdateSAMLProvider",
] as const;

/** Actions that hand out another identity's permissions; broad when their resource has a wildcard. */
export const PASS_ACTIONS = ["iam:PassRole", "sts:AssumeRole"] as const;

/** IAM's action matching: case-insensitive, "*" any run of characters, "?" one. */
export function actionMatches(pattern: string, action: string): boolean {
    const regex = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    return new RegExp(`^${regex}$`, "i").test(action);
}

export const MANAGED_BY_TAG = { "managed-by": "gitlab-federation" } as const;

/** Characters IAM accepts in a role description. */
const IAM_DESCRIPTION = /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/;

type AwsGrant = TargetGrant<AwsGrantConfig>;

/** The provider URL without scheme: the prefix of the IAM condition keys (`gitlab.example.com:sub`). */
export function conditionPrefix(gitlabUrl: string): string {
    return gitlabUrl.replace(/^https:\/\//, "");
}

/** GitLab's default sub claim for a project path, ref type and ref. */
export const subject = defaultSubject;

/**
 * The trust policy of a grant's role. aud is always an exact StringEquals; sub is StringEquals
 * when every ref is exact and StringLike when any ref is a pattern (conditions under different
 * operators are ANDed, so the subjects cannot be split across them).
 */
export function trustPolicy(providerArn: string, gitlabUrl: string, audience: string, projectPath: string, refType: string, refs: readonly string[]): TrustPolicyDocument {
    const prefix = conditionPrefix(gitlabUrl);
    const subjects = refs.map((ref) => subject(projectPath, refType, ref));
    const sub = subjects.length === 1 ? subjects[0]! : subjects;
    const aud = { [`${prefix}:aud`]: audience };
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: refs.some(isPattern)
                    ? { StringEquals: aud, StringLike: { [`${prefix}:sub`]: sub }, StringNotLike: { [`${prefix}:sub`]: EXTRA_SUB_COMPONENTS } }
                    : { StringEquals: { ...aud, [`${prefix}:sub`]: sub } },
            },
        ],
    };
}

/**
 * A sub with more components than GitLab's default three (a project that customised
 * ci_id_token_sub_claim_components, e.g. `...:ref:main:ref_protected:false`). StringLike's "*"
 * crosses ":", so a pattern such as `ref:*production` would also match such a sub's extra
 * components; this StringNotLike refuses any sub with a ":" after the ref (refs cannot hold one).
 */
export const EXTRA_SUB_COMPONENTS = "project_path:*:ref_type:*:ref:*:*";

/** The trust policy with the provider ARN the program actually has (an output at deploy time). */
export function withFederatedPrincipal(document: TrustPolicyDocument, providerArn: string): TrustPolicyDocument {
    const [statement] = document.Statement;
    return { ...document, Statement: [{ ...statement!, Principal: { Federated: providerArn } }] };
}

/** Length as IAM counts it against the quota: the JSON without whitespace. */
export function policyLength(document: unknown): number {
    return JSON.stringify(document).replace(/\s/g, "").length;
}

/**
 * Guardrail on every trust policy the plan emits: an aud condition, a sub condition, and every
 * sub inside the grant's own project (literal project path, wildcards only in the ref part).
 * Throws on violation: that would be a bug in this module, never a user error.
 */
export function assertTrustPolicy(document: TrustPolicyDocument, gitlabUrl: string, audience: string, projectPath: string): void {
    const prefix = conditionPrefix(gitlabUrl);
    const statement = document.Statement[0]!;
    const fail = (why: string) => {
        throw new Error(`internal error: trust policy for ${projectPath} ${why}: ${JSON.stringify(document)}`);
    };
    if (document.Statement.length !== 1 || statement.Effect !== "Allow" || statement.Action !== "sts:AssumeRoleWithWebIdentity") {
        fail("must be one Allow statement for sts:AssumeRoleWithWebIdentity");
    }
    if (statement.Condition.StringEquals[`${prefix}:aud`] !== audience) {
        fail("has no exact aud condition");
    }
    const equals = statement.Condition.StringEquals[`${prefix}:sub`];
    const like = statement.Condition.StringLike?.[`${prefix}:sub`];
    if ((equals === undefined) === (like === undefined)) {
        fail("must have exactly one sub condition");
    }
    if (like !== undefined && statement.Condition.StringNotLike?.[`${prefix}:sub`] !== EXTRA_SUB_COMPONENTS) {
        fail("has a StringLike sub without the StringNotLike that refuses extra sub components");
    }
    const subs = [equals ?? like].flat() as string[];
    const own = `project_path:${projectPath}:ref_type:`;
    for (const sub of subs) {
        const ref = sub.slice(sub.indexOf(":ref:") + 5);
        if (!sub.startsWith(own) || !/^(branch|tag):ref:/.test(sub.slice(own.length)) || sub.includes("?") || ref.includes(":") || sub.slice(0, sub.length - ref.length).includes("*")) {
            fail(`has a sub outside its project: ${sub}`);
        }
    }
    for (const key of [...Object.keys(statement.Condition.StringEquals), ...Object.keys(statement.Condition.StringLike ?? {}), ...Object.keys(statement.Condition.StringNotLike ?? {})]) {
        if (key !== `${prefix}:aud` && key !== `${prefix}:sub`) {
            fail(`has an unexpected condition key ${key}`);
        }
    }
}

const AWS_ENFORCEMENT = new Map<string, Enforcement>();

/** AWS checks sub (project path, ref type, ref) and aud; nothing else of a self-managed GitLab's token. */
export function awsEnforcement(g: Pick<ResolvedGrant, "protected" | "environment">): Enforcement {
    return enforcementFor(AWS_ENFORCEMENT, g, (isProtected, hasEnvironment) => {
        const notEnforced: Condition[] = ["projectId"];
        if (isProtected) {
            notEnforced.push("protected");
        }
        if (hasEnvironment) {
            notEnforced.push("environment");
        }
        return { enforced: ["audience", "projectPath", "ref", "refType"], notEnforced };
    });
}

function sessionSeconds(value: unknown, path: readonly PathSegment[], findings: Findings): number | undefined {
    const seconds = parseDuration(value);
    if (seconds === undefined) {
        return undefined;
    }
    if (seconds < MIN_SESSION_SECONDS || seconds > MAX_SESSION_SECONDS) {
        findings.problem(path, `must be between 1h and 12h (IAM MaxSessionDuration), got ${JSON.stringify(value)} (${formatDuration(seconds)})`);
        return undefined;
    }
    return seconds;
}

/** Why an Allow statement is broad: the escalation actions its actions (or NotAction) allow. */
function broadActions(statement: Readonly<Record<string, unknown>>): string[] {
    if (statement.Effect !== "Allow") {
        return [];
    }
    if (statement.NotAction !== undefined) {
        return ["NotAction (allows every action but those listed)"];
    }
    const actions = [statement.Action].flat().filter((a): a is string => typeof a === "string");
    const resources = [statement.Resource ?? statement.NotResource].flat().filter((r): r is string => typeof r === "string");
    const wildcardResource = statement.NotResource !== undefined || resources.some((r) => r.includes("*"));
    const found: string[] = [];
    for (const pattern of actions) {
        const escalations = ESCALATION_ACTIONS.filter((action) => actionMatches(pattern, action));
        const passes = wildcardResource ? PASS_ACTIONS.filter((action) => actionMatches(pattern, action)) : [];
        const matched = [...escalations, ...passes];
        if (matched.length > 0) {
            found.push(matched.length > 2 ? `${JSON.stringify(pattern)} (${matched.slice(0, 2).join(", ")}, ...)` : pattern.toLowerCase() === matched[0]!.toLowerCase() ? JSON.stringify(pattern) : `${JSON.stringify(pattern)} (${matched.join(", ")})`);
        }
    }
    return found;
}

/** Problems of an inline IAM policy document; also what makes it broad (escalation actions). */
function checkInlinePolicy(document: Readonly<Record<string, unknown>>, path: readonly PathSegment[], findings: Findings): { broad: string[] } {
    const broad: string[] = [];
    if (document.Version !== "2012-10-17") {
        findings.problem([...path, "Version"], `must be "2012-10-17", got ${show(document.Version)}: older versions do not support policy variables`);
    }
    const statements = Array.isArray(document.Statement) ? document.Statement : document.Statement === undefined ? [] : [document.Statement];
    if (statements.length === 0) {
        findings.problem([...path, "Statement"], `must list at least one statement, got ${show(document.Statement)}`);
    }
    for (const key of Object.keys(document)) {
        if (!["Version", "Id", "Statement"].includes(key)) {
            findings.problem([...path, key], `is not a field of an IAM policy document; allowed: Version, Id, Statement`);
        }
    }
    statements.forEach((statement: unknown, index) => {
        const at = Array.isArray(document.Statement) ? [...path, "Statement", index] : [...path, "Statement"];
        if (typeof statement !== "object" || statement === null || Array.isArray(statement)) {
            findings.problem(at, `must be a statement object with Effect, Action and Resource, got ${show(statement)}`);
            return;
        }
        const s = statement as Record<string, unknown>;
        if (s.Effect !== "Allow" && s.Effect !== "Deny") {
            findings.problem([...at, "Effect"], `must be "Allow" or "Deny", got ${show(s.Effect)}`);
        }
        if ((s.Action === undefined) === (s.NotAction === undefined)) {
            findings.problem(at, `must have exactly one of Action and NotAction`);
        }
        if ((s.Resource === undefined) === (s.NotResource === undefined)) {
            findings.problem(at, `must have exactly one of Resource and NotResource`);
        }
        if (s.Principal !== undefined || s.NotPrincipal !== undefined) {
            findings.problem(at, `must not name a Principal: an identity policy applies to the role itself`);
        }
        broad.push(...broadActions(s));
    });
    return { broad };
}

/** What AWS cannot check of a grant, refused unless acknowledged (protected patterns) or warned (environments). */
function checkAcknowledgements({ grant, fields, at }: AwsGrant, findings: Findings): void {
    const ack = fields.acknowledge ?? {};
    const patterns = grant.refs.filter(isPattern);
    if (grant.protected && patterns.length > 0 && ack.protected === undefined) {
        findings.problem(
            at,
            `ref ${JSON.stringify(patterns[0])} is a pattern and the grant requires a protected ref, but AWS sees only sub and aud and cannot check ref_protected: a push to any branch or tag matching ${JSON.stringify(patterns[0])}, protected or not, could assume this role. Use exact refs, or set aws.acknowledge.protected with a reason (e.g. only maintainers may create such ${grant.refType === "tag" ? "tags" : "branches"})`,
        );
    }
    if (ack.protected !== undefined) {
        findings.warn(
            [...at, "acknowledge", "protected"],
            grant.protected && patterns.length > 0 ? `AWS does not check that the ref is protected: ${JSON.stringify(ack.protected)}` : `has no effect: the grant has no ref pattern that requires protection; remove it`,
        );
    }
    if (grant.environment !== undefined) {
        findings.warn(
            [...at, "acknowledge", "environment"],
            ack.environment !== undefined
                ? `AWS does not check the environment: ${JSON.stringify(ack.environment)}`
                : `AWS cannot check environment ${JSON.stringify(grant.environment)}: any job on a matching ref can assume this role, not only jobs of that environment. Set aws.acknowledge.environment with a reason to record that this is intended`,
        );
    } else if (ack.environment !== undefined) {
        findings.warn([...at, "acknowledge", "environment"], `has no effect: the grant sets no environment; remove it`);
    }
}

/** Checks a grant's permissions (broad policies, duplicates, quotas); returns the sorted, unique managed policy ARNs. */
function checkPermissions({ fields, at }: AwsGrant, findings: Findings): string[] {
    let broad = false;
    const arns = fields.managedPolicyArns ?? [];
    arns.forEach((arn, index) => {
        if (arns.indexOf(arn) !== index) {
            findings.problem([...at, "managedPolicyArns", index], `lists ${JSON.stringify(arn)} more than once; list each policy once`);
        }
        if (BROAD_MANAGED_POLICIES.test(arn)) {
            broad = true;
            if (fields.allowBroad === undefined) {
                findings.problem([...at, "managedPolicyArns", index], `${JSON.stringify(arn)} gives administrator-level access to any pipeline that matches this grant: attach a narrower policy, or set aws.allowBroad with a reason`);
            }
        }
    });
    if (arns.length > MANAGED_POLICIES_PER_ROLE) {
        findings.warn([...at, "managedPolicyArns"], `${arns.length} managed policies exceed IAM's default quota of ${MANAGED_POLICIES_PER_ROLE} per role: request a quota increase (up to 20) before pulumi up`);
    }
    const inline = fields.inlinePolicy === undefined ? [] : checkInlinePolicy(fields.inlinePolicy, [...at, "inlinePolicy"], findings).broad;
    if (inline.length > 0) {
        broad = true;
        if (fields.allowBroad === undefined) {
            findings.problem(
                [...at, "inlinePolicy"],
                `allows actions that let the role raise its own or others' permissions (${inline.slice(0, 3).join("; ")}${inline.length > 3 ? "; ..." : ""}) to any pipeline that matches this grant: list the actions it needs, narrow iam:PassRole and sts:AssumeRole to named roles, or set aws.allowBroad with a reason`,
            );
        }
    }
    if (fields.allowBroad !== undefined) {
        findings.warn([...at, "allowBroad"], broad ? `broad AWS permissions: ${JSON.stringify(fields.allowBroad)}` : `has no effect: the role's permissions are not broad; remove it`);
    }
    if (arns.length === 0 && fields.inlinePolicy === undefined) {
        findings.warn(at, `the role gets no permissions (no managedPolicyArns, no inlinePolicy): pipelines can assume it but do nothing with it`);
    }
    return [...new Set(arns)].sort(compare);
}

/** The role's description, checked against IAM's character set. */
function roleDescription({ grant, fields, at }: AwsGrant, findings: Findings): string {
    const description = (fields.description ?? grant.description ?? `GitLab CI ${grant.project} (id ${grant.projectId}) grant ${grant.grant}: ${describeConditions(grant)}`).slice(0, 1000);
    if (!IAM_DESCRIPTION.test(description)) {
        findings.problem(
            fields.description !== undefined ? [...at, "description"] : [...grant.path, "description"],
            `becomes the IAM role's description, which accepts only printable Latin-1 characters (got ${JSON.stringify(description.slice(0, 40))}...); remove the others or set aws.description`,
        );
    }
    return description;
}

/** The tags this program sets on every role, besides the map's. */
const OWN_TAG_KEYS = ["managed-by", "gitlab-project", "gitlab-project-id", "gitlab-grant"];
/** IAM: at most 50 tags per resource. */
export const MAX_TAGS = 50;
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** aws.tags against IAM's tag rules (characters, lengths, count, reserved keys, our own keys). */
function checkTags(tags: Readonly<Record<string, string>>, findings: Findings): void {
    const keys = Object.keys(tags);
    if (keys.length + OWN_TAG_KEYS.length > MAX_TAGS) {
        findings.problem(["aws", "tags"], `lists ${keys.length} tags; with the ${OWN_TAG_KEYS.length} this program sets (${OWN_TAG_KEYS.join(", ")}) a role would carry ${keys.length + OWN_TAG_KEYS.length}, above IAM's ${MAX_TAGS}: keep at most ${MAX_TAGS - OWN_TAG_KEYS.length}`);
    }
    const seen = new Map<string, string>();
    for (const key of keys.sort(compare)) {
        const at = ["aws", "tags", key];
        const lower = key.toLowerCase();
        if (key.length < 1 || key.length > 128 || !TAG_CHARACTERS.test(key)) {
            findings.problem(at, `tag key ${JSON.stringify(key)} must be 1-128 characters of letters, digits, spaces and _.:/=+-@ (IAM)`);
        } else if (lower.startsWith("aws:")) {
            findings.problem(at, `tag keys starting with "aws:" are reserved by AWS`);
        } else if (OWN_TAG_KEYS.includes(lower)) {
            findings.problem(at, `${JSON.stringify(key)} is a tag this program sets itself; choose another key`);
        } else if (seen.has(lower)) {
            findings.problem(at, `differs from tag ${JSON.stringify(seen.get(lower))} only in case; IAM treats them as one key`);
        }
        seen.set(lower, key);
        const value = tags[key]!;
        if (value.length > 256 || !TAG_CHARACTERS.test(value)) {
            findings.problem(at, `tag value ${JSON.stringify(value.slice(0, 40))} must be at most 256 characters of letters, digits, spaces and _.:/=+-@ (IAM), got ${value.length}`);
        }
    }
}

/** The OIDC provider, unless the map names an existing one. */
function oidcProviders(gitlab: GitlabConfig, aws: AwsConfig, tags: Readonly<Record<string, string>>): AwsOidcProviderEntry[] {
    if (aws.existingProviderArn !== undefined) {
        return [];
    }
    const arn = `arn:${aws.partition}:iam::${aws.accountId ?? "<account-id>"}:oidc-provider/${conditionPrefix(gitlab.url)}`;
    return [
        {
            resource: meta(RESOURCE.oidcProvider, ANCHOR.oidcProvider, aws.protect, { aliases: [conditionPrefix(gitlab.url)], ...(aws.adopt?.oidcProvider === "import" ? { import: arn } : {}) }),
            url: gitlab.url,
            clientIdLists: [aws.audience],
            ...(aws.thumbprints !== undefined ? { thumbprintLists: aws.thumbprints.map((t) => t.toLowerCase()) } : {}),
            tags: { ...tags },
        },
    ];
}

/** Up to ten names, then a count. */
function listed(names: readonly string[]): string {
    return `${names.slice(0, 10).join(", ")}${names.length > 10 ? ` and ${names.length - 10} more` : ""}`;
}

/** Warnings about the section as a whole: path binding, exact protected refs, an unmanaged or unprotected provider. */
function sectionWarnings(gitlab: GitlabConfig, aws: AwsConfig, pathBound: ReadonlySet<string>, exactProtected: readonly string[], findings: Findings): void {
    if (exactProtected.length > 0) {
        findings.warn(
            ["aws"],
            `AWS cannot check ref_protected, so these grants, which require a protected ref, admit any pipeline on the same ref name, protected or not: ${listed(exactProtected)}. They rely on GitLab: a protection rule covering each ref (branches: allowed to push and merge, maintainers only; tags: allowed to create, maintainers only), never removed, and no unprotected branch or tag of that name pushed first (see the README, "What AWS relies on")`,
        );
    }
    if (aws.adopt?.oidcProvider === "import") {
        if (aws.accountId === undefined) {
            findings.problem(["aws", "adopt", "oidcProvider"], `import needs aws.accountId: the provider is imported by its ARN`);
        } else if (aws.existingProviderArn !== undefined) {
            findings.problem(["aws", "adopt", "oidcProvider"], `import adopts a provider this stack then manages; existingProviderArn trusts one it does not manage: use one of them`);
        } else {
            findings.warn(["aws", "adopt", "oidcProvider"], `import: the next pulumi up adopts the existing OIDC provider for ${gitlab.url} and then manages it as planned (client IDs, thumbprints, tags)`);
        }
    }
    if (pathBound.size > 0) {
        findings.warn(
            ["aws"],
            `AWS binds projects by path (in sub), not by id: ${listed([...pathBound])}. After a rename or transfer their roles stop matching, and a new project created at an old path would match them: update the map and run pulumi up when a project moves`,
        );
    }
    if (aws.existingProviderArn !== undefined) {
        findings.warn(["aws", "existingProviderArn"], `the roles trust an OIDC provider this stack does not manage: its client IDs must include ${JSON.stringify(aws.audience)} or every AssumeRoleWithWebIdentity fails`);
    } else if (!aws.protect) {
        findings.warn(["aws", "protect"], `false: the OIDC provider can be deleted by pulumi destroy or a removed section, which breaks every pipeline's AWS access at once`);
    }
}

/** The deployer's requirements in AWS, checked once: an account, a path of its own, a bound on the roles it creates, an acknowledgement. */
function checkDeployer(aws: AwsConfig, grants: readonly AwsGrant[], findings: Findings): AwsDeployerScope | undefined {
    const applier = grants.find((g) => g.grant.deployer?.role === "applier");
    const config = applier?.grant.deployer?.config ?? grants.find((g) => g.grant.deployer !== undefined)?.grant.deployer?.config;
    if (config === undefined) {
        return undefined;
    }
    if (aws.accountId === undefined) {
        findings.problem(["aws", "accountId"], `is required with gitlab-federation:deployer: the deployer's IAM policies name this account's roles exactly; set the 12-digit account ID in quotes`);
    }
    if (aws.rolePath === "/") {
        findings.problem(
            ["aws", "rolePath"],
            `is "/" and the deployer's applier may write every role under aws.rolePath, which would be every role in the account: give this stack a path of its own, e.g. "/gitlab-federation/" (a new path replaces the roles, delete-first)`,
        );
    }
    if (aws.permissionsBoundary === undefined) {
        if (config.allowUnboundedAwsRoles === undefined) {
            findings.problem(
                ["deployer", "allowUnboundedAwsRoles"],
                `is required while aws.permissionsBoundary is unset: the applier creates IAM roles, and without a boundary it could create one with any permission and assume it. Set aws.permissionsBoundary (every role then carries it, and the applier may write only such roles), or give the reason here`,
            );
        } else {
            findings.warn(["deployer", "allowUnboundedAwsRoles"], `the applier can create IAM roles with any permission: ${JSON.stringify(config.allowUnboundedAwsRoles)}`);
        }
    } else if (config.allowUnboundedAwsRoles !== undefined) {
        findings.warn(["deployer", "allowUnboundedAwsRoles"], `has no effect: aws.permissionsBoundary bounds every role the applier writes; remove it`);
    }
    if (config.applier.acknowledgeAws === undefined) {
        findings.problem(
            ["deployer", "applier", "acknowledgeAws"],
            `is required with an aws section: AWS sees only sub and aud, so any job of a pipeline on ${[config.applier.ref].flat().join(", ")} in ${config.project} can assume the applier's role, not only pulumi up in ${config.applier.environment}, and AWS cannot check that the branch is protected; give the reason this is acceptable (e.g. the branch is protected and every job on it is reviewed)`,
        );
    } else {
        findings.warn(["deployer", "applier", "acknowledgeAws"], `AWS does not check the applier's environment or protection: ${JSON.stringify(config.applier.acknowledgeAws)}`);
    }
    const arn = (name: string) => `arn:${aws.partition}:iam::${aws.accountId ?? "<account-id>"}:role${aws.rolePath}${name}`;
    return {
        partition: aws.partition,
        account: aws.accountId ?? "<account-id>",
        rolePath: aws.rolePath,
        ...(aws.permissionsBoundary !== undefined ? { permissionsBoundary: aws.permissionsBoundary } : {}),
        ownRoles: grants.filter((g) => g.grant.deployer !== undefined).map((g) => arn(g.fields.roleName ?? awsRoleName(g.grant.namesPath, g.grant.namesGrant))),
        ...(config.state?.s3 !== undefined ? { state: config.state.s3 } : {}),
    };
}

/** Plans AWS for the grants that have `aws`. */
export function planAws({ gitlab, section: aws, grants, findings }: PlanContext<AwsConfig, AwsGrantConfig>): TargetPlanResult<AwsPlan, AwsSummary> {
    const url = new URL(gitlab.url);
    if (url.port !== "") {
        findings.problem(["gitlab", "url"], `carries a port (${url.port}), which an IAM OIDC provider URL cannot; serve GitLab's issuer on 443 to use AWS`);
    }
    const prefix = conditionPrefix(gitlab.url);
    const account = aws.accountId ?? "<account-id>";
    const providerArn = aws.existingProviderArn ?? `arn:${aws.partition}:iam::${account}:oidc-provider/${prefix}`;
    if (aws.existingProviderArn !== undefined && !aws.existingProviderArn.endsWith(`:oidc-provider/${prefix}`)) {
        findings.problem(["aws", "existingProviderArn"], `names a provider for another URL (got ${JSON.stringify(aws.existingProviderArn)}); it must end in ":oidc-provider/${prefix}" to trust ${gitlab.url}`);
    }
    const defaultSession = sessionSeconds(aws.maxSessionDuration, ["aws", "maxSessionDuration"], findings);
    checkTags(aws.tags ?? {}, findings);
    const tags = { ...MANAGED_BY_TAG, ...(aws.tags ?? {}) };

    const owners = new Map<string, ResolvedGrant>();
    const summaries = new Map<number, AwsSummary>();
    const roles: AwsRoleEntry[] = [];
    const attachments: AwsRolePolicyAttachmentEntry[] = [];
    const rolePolicies: AwsRolePolicyEntry[] = [];
    const pathBound = new Set<string>();
    const exactProtected: string[] = [];
    const deployerScope = checkDeployer(aws, grants, findings);
    const providers = oidcProviders(gitlab, aws, tags);
    for (const target of grants) {
        const { grant, fields, at } = target;
        const deployer = grant.deployer;
        if (deployer === undefined) {
            checkAcknowledgements(target, findings);
        }
        pathBound.add(grant.project);
        if (deployer === undefined && grant.protected && grant.refs.some((ref) => !isPattern(ref))) {
            exactProtected.push(`${grant.project} ${grant.grant}`);
        }

        const name = fields.roleName ?? awsRoleName(grant.namesPath, grant.namesGrant);
        const owner = owners.get(name.toLowerCase());
        if (owner !== undefined) {
            findings.problem(at, `IAM role name ${JSON.stringify(name)} is also the role name of ${formatPath(owner.path)} (IAM role names are unique regardless of case): set aws.roleName on one of them`);
            continue;
        }
        owners.set(name.toLowerCase(), grant);

        const session = fields.maxSessionDuration === undefined ? defaultSession : sessionSeconds(fields.maxSessionDuration, [...at, "maxSessionDuration"], findings);
        const document = trustPolicy(providerArn, gitlab.url, aws.audience, grant.project, grant.refType, grant.refs);
        assertTrustPolicy(document, gitlab.url, aws.audience, grant.project);
        const length = policyLength(document);
        if (length > aws.trustPolicyMaxLength) {
            findings.problem(
                at,
                `the trust policy of role ${JSON.stringify(name)} is ${length} characters, above the IAM quota of ${aws.trustPolicyMaxLength} (aws.trustPolicyMaxLength): list fewer refs or use a pattern, split the grant, or raise the quota in Service Quotas (up to 4096) and set aws.trustPolicyMaxLength`,
            );
        }
        const arns = deployer === undefined ? checkPermissions(target, findings) : [];
        if (session === undefined) {
            continue;
        }

        const enforcement = awsEnforcement(grant) as AwsSummary["enforcement"];
        if (grant.project.length > 256) {
            findings.problem(grant.path, `the project path is ${grant.project.length} characters; it becomes the gitlab-project tag of the IAM role, whose values hold at most 256`);
        }
        roles.push({
            // The name must be reused on a path change (IAM role names are unique, paths immutable): delete first.
            resource: grantMeta(RESOURCE.role, grant, "", { deleteBeforeReplace: true }),
            name,
            path: aws.rolePath,
            description: roleDescription(target, findings),
            assumeRolePolicy: document,
            maxSessionDuration: session,
            ...(aws.permissionsBoundary !== undefined ? { permissionsBoundary: aws.permissionsBoundary } : {}),
            tags: { ...tags, "gitlab-project": grant.project, "gitlab-project-id": grant.projectId, "gitlab-grant": grant.grant },
            managedPolicyArns: arns,
            enforcement,
        });
        for (const arn of arns) {
            attachments.push({
                resource: grantMeta(RESOURCE.rolePolicyAttachment, grant, `/${arn.slice(arn.lastIndexOf("/") + 1)}-${shortHash(arn)}`),
                role: name,
                policyArn: arn,
            });
        }
        if (deployer !== undefined && deployerScope !== undefined) {
            const [provider] = providers;
            const policy = deployerIamPolicy(deployer.role, { ...deployerScope, ...(provider !== undefined ? { provider: { arn: providerArn, protect: provider.resource.protect } } : {}) });
            rolePolicies.push({ resource: grantMeta(RESOURCE.rolePolicy, grant), role: name, name: AWS_INLINE_POLICY_NAME, policy: policy as unknown as Record<string, unknown> });
        } else if (fields.inlinePolicy !== undefined) {
            rolePolicies.push({ resource: grantMeta(RESOURCE.rolePolicy, grant), role: name, name: AWS_INLINE_POLICY_NAME, policy: fields.inlinePolicy });
        }
        summaries.set(grant.index, {
            roleName: name,
            roleArn: `arn:${aws.partition}:iam::${aws.accountId ?? aws.existingProviderArn?.split(":")[4] ?? "<account-id>"}:role${aws.rolePath}${name}`,
            audience: aws.audience,
            subjects: grant.refs.map((ref) => subject(grant.project, grant.refType, ref)),
            enforcement,
        });
    }
    sectionWarnings(gitlab, aws, pathBound, exactProtected, findings);
    if (roles.length > aws.quotas.roles) {
        findings.problem(
            ["aws", "quotas", "roles"],
            `the map plans ${roles.length} IAM roles in account ${aws.accountId ?? "(aws.accountId)"}, above its quota of ${aws.quotas.roles} roles (roles outside this stack count too): raise the quota in Service Quotas (at most 5,000) and set aws.quotas.roles, or move some projects to a stack in another account`,
        );
    } else if (roles.length > aws.quotas.roles * 0.8) {
        findings.warn(["aws", "quotas", "roles"], `the map plans ${roles.length} IAM roles, more than 80% of the account's quota of ${aws.quotas.roles} (roles outside this stack count too)`);
    }
    return {
        plan: { providerArn, audience: aws.audience, oidcProviders: providers, roles, rolePolicyAttachments: attachments, rolePolicies },
        grants: summaries,
        audience: aws.audience,
    };
}
