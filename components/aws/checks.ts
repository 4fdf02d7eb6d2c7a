/**
 * AWS's checks: the rules that add problems and warnings about the aws section and the grants'
 * aws fields (permissions, acknowledgements, descriptions, tags, quotas); plan.ts builds the entries.
 */
import { formatDuration, parseDuration } from "../../src/core/duration";
import { Findings, PathSegment, compare, formatPath, show } from "../../src/core/findings";
import { ResolvedGrant, describeConditions, unseenProtectedEnvironment } from "../../src/core/model";
import { isPattern } from "../../src/core/rules";
import type { GitlabConfig } from "../../src/core/schema";
import type { TargetGrant } from "../target";
import type { AwsAccount } from "./accounts";
import { conditionPrefix } from "./names";
import type { AwsGrantConfig } from "./schema";

export type AwsGrant = TargetGrant<AwsGrantConfig>;

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

/** Characters IAM accepts in a role description. */
const IAM_DESCRIPTION = /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/;

export function sessionSeconds(value: unknown, path: readonly PathSegment[], findings: Findings): number | undefined {
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
export function checkAcknowledgements({ grant, fields, at }: AwsGrant, findings: Findings): void {
    const ack = fields.acknowledge ?? {};
    const patterns = grant.refs.filter(isPattern);
    if (grant.protected && patterns.length > 0 && ack.protected === undefined) {
        findings.problem(
            at,
            `ref ${JSON.stringify(patterns[0])} is a pattern and the grant requires a protected ref, but AWS sees only sub and aud and cannot check ref_protected: a push to any branch or tag matching ${JSON.stringify(patterns[0])}, protected or not, could assume this role. Use exact refs, or set aws.acknowledge.protected with a reason (e.g. only maintainers may create such ${grant.refType === "tag" ? "tags" : "branches"})`,
        );
    }
    if (ack.protected !== undefined && grant.protected && patterns.length > 0) {
        findings.loosen([...at, "acknowledge", "protected"], "AWS does not check that the ref is protected", ack.protected);
    } else if (ack.protected !== undefined) {
        findings.warn([...at, "acknowledge", "protected"], `has no effect: the grant has no ref pattern that requires protection; remove it`);
    }
    if (grant.environmentProtected === true && ack.environment === undefined) {
        findings.problem(at, unseenProtectedEnvironment("AWS", "assume this role", "aws"));
    }
    if (grant.environment !== undefined && ack.environment !== undefined) {
        findings.loosen([...at, "acknowledge", "environment"], `AWS does not check the environment${grant.environmentProtected === true ? " or that it is protected" : ""}`, ack.environment);
    } else if (grant.environment !== undefined) {
        findings.warn(
            [...at, "acknowledge", "environment"],
            `AWS cannot check environment ${JSON.stringify(grant.environment)}: any job on a matching ref can assume this role, not only jobs of that environment. Set aws.acknowledge.environment with a reason to record that this is intended`,
        );
    } else if (ack.environment !== undefined) {
        findings.warn([...at, "acknowledge", "environment"], `has no effect: the grant sets no environment; remove it`);
    }
}

/** Checks a grant's permissions (broad policies, duplicates, quotas); returns the sorted, unique managed policy ARNs. */
export function checkPermissions({ fields, at }: AwsGrant, findings: Findings): string[] {
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
        if (broad) {
            findings.loosen([...at, "allowBroad"], "broad AWS permissions", fields.allowBroad);
        } else {
            findings.warn([...at, "allowBroad"], `has no effect: the role's permissions are not broad; remove it`);
        }
    }
    if (arns.length === 0 && fields.inlinePolicy === undefined) {
        findings.warn(at, `the role gets no permissions (no managedPolicyArns, no inlinePolicy): pipelines can assume it but do nothing with it`);
    }
    return [...new Set(arns)].sort(compare);
}

/** The role's description, checked against IAM's character set. */
export function roleDescription(grant: ResolvedGrant, fields: AwsGrantConfig | undefined, at: readonly PathSegment[], findings: Findings): string {
    const description = (fields?.description ?? grant.description ?? `GitLab CI ${grant.project} (id ${grant.projectId}) grant ${grant.grant}: ${describeConditions(grant)}`).slice(0, 1000);
    if (!IAM_DESCRIPTION.test(description)) {
        findings.problem(
            fields?.description !== undefined ? [...at, "description"] : [...grant.path, "description"],
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
export function checkTags(tags: Readonly<Record<string, string>>, findings: Findings, path: readonly PathSegment[] = ["aws", "tags"]): void {
    const keys = Object.keys(tags);
    if (keys.length + OWN_TAG_KEYS.length > MAX_TAGS) {
        findings.problem(path, `lists ${keys.length} tags; with the ${OWN_TAG_KEYS.length} this program sets (${OWN_TAG_KEYS.join(", ")}) a role would carry ${keys.length + OWN_TAG_KEYS.length}, above IAM's ${MAX_TAGS}: keep at most ${MAX_TAGS - OWN_TAG_KEYS.length}`);
    }
    const seen = new Map<string, string>();
    for (const key of keys.sort(compare)) {
        const at = [...path, key];
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

/** Up to ten names, then a count. */
function listed(names: readonly string[]): string {
    return `${names.slice(0, 10).join(", ")}${names.length > 10 ? ` and ${names.length - 10} more` : ""}`;
}

/** Warnings about the section as a whole: path binding, exact protected refs; and each account's: an adopted, unmanaged or unprotected provider. */
export function sectionWarnings(gitlab: GitlabConfig, accounts: readonly AwsAccount[], pathBound: ReadonlySet<string>, exactProtected: readonly string[], findings: Findings): void {
    if (exactProtected.length > 0) {
        findings.warn(
            ["aws"],
            `AWS cannot check ref_protected, so these grants, which require a protected ref, admit any pipeline on the same ref name, protected or not: ${listed(exactProtected)}. They rely on GitLab: a protection rule covering each ref (branches: allowed to push and merge, maintainers only; tags: allowed to create, maintainers only), never removed, and no unprotected branch or tag of that name pushed first (see the README, "What AWS relies on")`,
        );
    }
    accounts.forEach((account) => adoptWarnings(gitlab, account, findings));
    if (pathBound.size > 0) {
        findings.warn(
            ["aws"],
            `AWS binds projects by path (in sub), not by id: ${listed([...pathBound])}. After a rename or transfer their roles stop matching, and a new project created at an old path would match them: update the map and run pulumi up when a project moves`,
        );
    }
    const protectAt = new Set<string>();
    for (const { config: aws, at } of accounts) {
        if (aws.existingProviderArn !== undefined) {
            findings.warn(at("existingProviderArn"), `the roles trust an OIDC provider this stack does not manage: its client IDs must include ${JSON.stringify(aws.audience)} or every AssumeRoleWithWebIdentity fails`);
        } else if (!aws.protect && !protectAt.has(formatPath(at("protect")))) {
            protectAt.add(formatPath(at("protect")));
            findings.warn(at("protect"), `false: the OIDC provider can be deleted by pulumi destroy or a removed section, which breaks every pipeline's AWS access at once`);
        }
    }
}

/** An account's adopt.oidcProvider: needs the account id, excludes existingProviderArn. */
function adoptWarnings(gitlab: GitlabConfig, { config: aws, at }: AwsAccount, findings: Findings): void {
    if (aws.adopt?.oidcProvider !== "import") {
        return;
    }
    const path = [...at("adopt"), "oidcProvider"];
    if (aws.accountId === undefined) {
        findings.problem(path, `import needs aws.accountId: the provider is imported by its ARN`);
    } else if (aws.existingProviderArn !== undefined) {
        findings.problem(path, `import adopts a provider this stack then manages; existingProviderArn trusts one it does not manage: use one of them`);
    } else {
        findings.warn(path, `import: the next pulumi up adopts the existing OIDC provider for ${gitlab.url} and then manages it as planned (client IDs, thumbprints, tags)`);
    }
}

/** The section's own rules: a GitLab URL an IAM provider can have; per account, an existing provider for this URL and valid tags. */
export function checkSection(gitlab: GitlabConfig, accounts: readonly AwsAccount[], findings: Findings): void {
    const url = new URL(gitlab.url);
    if (url.port !== "") {
        findings.problem(["gitlab", "url"], `carries a port (${url.port}), which an IAM OIDC provider URL cannot; serve GitLab's issuer on 443 to use AWS`);
    }
    const prefix = conditionPrefix(gitlab.url);
    const tagsAt = new Set<string>();
    for (const { config: aws, at } of accounts) {
        if (aws.existingProviderArn !== undefined && !aws.existingProviderArn.endsWith(`:oidc-provider/${prefix}`)) {
            findings.problem(at("existingProviderArn"), `names a provider for another URL (got ${JSON.stringify(aws.existingProviderArn)}); it must end in ":oidc-provider/${prefix}" to trust ${gitlab.url}`);
        }
        if (!tagsAt.has(formatPath(at("tags")))) {
            tagsAt.add(formatPath(at("tags")));
            checkTags(aws.tags ?? {}, findings, at("tags"));
        }
    }
}

/** IAM roles per account, against the account's quota (roles outside this stack count too). */
export function checkRoleQuota({ config: aws, at }: AwsAccount, roles: number, findings: Findings): void {
    const path = [...at("quotas"), "roles"];
    if (roles > aws.quotas.roles) {
        findings.problem(
            path,
            `the map plans ${roles} IAM roles in account ${aws.accountId ?? "(aws.accountId)"}, above its quota of ${aws.quotas.roles} roles (roles outside this stack count too): raise the quota in Service Quotas (at most 5,000) and set aws.quotas.roles, or move some projects to a stack in another account`,
        );
    } else if (roles > aws.quotas.roles * 0.8) {
        findings.warn(path, `the map plans ${roles} IAM roles, more than 80% of the account's quota of ${aws.quotas.roles} (roles outside this stack count too)`);
    }
}
