/**
 * AWS: the IAM OIDC provider for GitLab and one role per grant with `aws`.
 *
 * Facts relied on (../shared/reference/semantics.md §4, Traps 2, 3, 11, 23, 24):
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
import { childKey, grantKey } from "../../core/names";
import type { Condition, Enforcement } from "../../core/resources";
import { isPattern } from "../../core/rules";
import type { GitlabConfig } from "../../core/schema";
import type { PlanContext, TargetGrant, TargetPlanResult } from "../target";
import { AWS_INLINE_POLICY_NAME, RESOURCE, awsRoleName } from "./names";
import type { AwsOidcProviderEntry, AwsPlan, AwsRoleEntry, AwsRolePolicyAttachmentEntry, AwsRolePolicyEntry, AwsSummary, TrustPolicyDocument } from "./plan-schema";
import type { AwsConfig, AwsGrantConfig } from "./schema";

export const MIN_SESSION_SECONDS = 3600;
export const MAX_SESSION_SECONDS = 43200;
/** Default IAM quota of managed policies per role. */
export const MANAGED_POLICIES_PER_ROLE = 10;

/** Managed policies that give (or let a role take) administrator-level access. */
const BROAD_MANAGED_POLICIES = /:policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess)$/;

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
                Condition: refs.some(isPattern) ? { StringEquals: aud, StringLike: { [`${prefix}:sub`]: sub } } : { StringEquals: { ...aud, [`${prefix}:sub`]: sub } },
            },
        ],
    };
}

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
    const subs = [equals ?? like].flat() as string[];
    const own = `project_path:${projectPath}:ref_type:`;
    for (const sub of subs) {
        const ref = sub.slice(sub.indexOf(":ref:") + 5);
        if (!sub.startsWith(own) || !/^(branch|tag):ref:/.test(sub.slice(own.length)) || sub.includes("?") || ref.includes(":") || sub.slice(0, sub.length - ref.length).includes("*")) {
            fail(`has a sub outside its project: ${sub}`);
        }
    }
    for (const key of [...Object.keys(statement.Condition.StringEquals), ...Object.keys(statement.Condition.StringLike ?? {})]) {
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

/** Problems of an inline IAM policy document; also whether it allows every action. */
function checkInlinePolicy(document: Readonly<Record<string, unknown>>, path: readonly PathSegment[], findings: Findings): { broad: boolean } {
    let broad = false;
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
        const actions = [s.Action].flat();
        if (s.Effect === "Allow" && (s.NotAction !== undefined || actions.some((a) => a === "*" || a === "iam:*" || a === "sts:*"))) {
            broad = true;
        }
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
    if (fields.inlinePolicy !== undefined && checkInlinePolicy(fields.inlinePolicy, [...at, "inlinePolicy"], findings).broad) {
        broad = true;
        if (fields.allowBroad === undefined) {
            findings.problem([...at, "inlinePolicy"], `allows every action (Action "*", "iam:*", "sts:*" or NotAction) to any pipeline that matches this grant: list the actions it needs, or set aws.allowBroad with a reason`);
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

/** The OIDC provider, unless the map names an existing one. */
function oidcProviders(gitlab: GitlabConfig, aws: AwsConfig, tags: Readonly<Record<string, string>>): AwsOidcProviderEntry[] {
    if (aws.existingProviderArn !== undefined) {
        return [];
    }
    return [
        {
            resource: { type: RESOURCE.oidcProvider, name: conditionPrefix(gitlab.url), protect: aws.protect },
            url: gitlab.url,
            clientIdLists: [aws.audience],
            ...(aws.thumbprints !== undefined ? { thumbprintLists: aws.thumbprints.map((t) => t.toLowerCase()) } : {}),
            tags: { ...tags },
        },
    ];
}

/** Warnings about the section as a whole: path binding, an unmanaged or unprotected provider. */
function sectionWarnings(aws: AwsConfig, pathBound: ReadonlySet<string>, findings: Findings): void {
    if (pathBound.size > 0) {
        const listed = [...pathBound].slice(0, 10).join(", ");
        const more = pathBound.size > 10 ? ` and ${pathBound.size - 10} more` : "";
        findings.warn(
            ["aws"],
            `AWS binds projects by path (in sub), not by id: ${listed}${more}. After a rename or transfer their roles stop matching, and a new project created at an old path would match them: update the map and run pulumi up when a project moves`,
        );
    }
    if (aws.existingProviderArn !== undefined) {
        findings.warn(["aws", "existingProviderArn"], `the roles trust an OIDC provider this stack does not manage: its client IDs must include ${JSON.stringify(aws.audience)} or every AssumeRoleWithWebIdentity fails`);
    } else if (!aws.protect) {
        findings.warn(["aws", "protect"], `false: the OIDC provider can be deleted by pulumi destroy or a removed section, which breaks every pipeline's AWS access at once`);
    }
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
    const tags = { ...MANAGED_BY_TAG, ...(aws.tags ?? {}) };

    const owners = new Map<string, ResolvedGrant>();
    const summaries = new Map<number, AwsSummary>();
    const roles: AwsRoleEntry[] = [];
    const attachments: AwsRolePolicyAttachmentEntry[] = [];
    const rolePolicies: AwsRolePolicyEntry[] = [];
    const pathBound = new Set<string>();
    for (const target of grants) {
        const { grant, fields, at } = target;
        checkAcknowledgements(target, findings);
        pathBound.add(grant.project);

        const name = fields.roleName ?? awsRoleName(grant.project, grant.grant);
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
        const arns = checkPermissions(target, findings);
        if (session === undefined) {
            continue;
        }

        const key = grantKey(grant.project, grant.grant);
        const enforcement = awsEnforcement(grant) as AwsSummary["enforcement"];
        roles.push({
            resource: { type: RESOURCE.role, name: key, protect: false },
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
                resource: { type: RESOURCE.rolePolicyAttachment, name: childKey(grant.project, grant.grant, arn.slice(arn.lastIndexOf("/") + 1), arn), protect: false },
                role: name,
                policyArn: arn,
            });
        }
        if (fields.inlinePolicy !== undefined) {
            rolePolicies.push({ resource: { type: RESOURCE.rolePolicy, name: key, protect: false }, role: name, name: AWS_INLINE_POLICY_NAME, policy: fields.inlinePolicy });
        }
        summaries.set(grant.index, {
            roleName: name,
            roleArn: `arn:${aws.partition}:iam::${aws.accountId ?? aws.existingProviderArn?.split(":")[4] ?? "<account-id>"}:role${aws.rolePath}${name}`,
            audience: aws.audience,
            subjects: grant.refs.map((ref) => subject(grant.project, grant.refType, ref)),
            enforcement,
        });
    }
    sectionWarnings(aws, pathBound, findings);
    return {
        plan: { providerArn, audience: aws.audience, oidcProviders: oidcProviders(gitlab, aws, tags), roles, rolePolicyAttachments: attachments, rolePolicies },
        grants: summaries,
        audience: aws.audience,
    };
}
