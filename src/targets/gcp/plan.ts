/**
 * GCP: a workload identity pool and OIDC provider for GitLab, and per grant a service account
 * that pipelines impersonate.
 *
 * Design. A principalSet matches one attribute value exactly, so each grant's conditions are
 * folded into "gate" strings that the provider computes for every token and puts in
 * `google.groups` (a list: a token can satisfy several grants):
 *
 *     <project_id>:<ref_type>:<protected|unprotected>:<selector>[:environment:<environment>]
 *
 * `selector` is `ref:<the token's ref>`, plus one `pattern:<hash>` per ref pattern of the map that
 * the ref matches (computed in CEL: a literal list of [selector, regex] pairs filtered with
 * `matches`, so each pattern is written once per list). Every token gets the gates without
 * environment; a token with an environment also gets them with it. A grant binds
 * `roles/iam.workloadIdentityUser` on its own service account to one principalSet per accepted
 * (ref, protection state): an unprotected grant accepts both states.
 *
 * Facts relied on (docs/reference.md §1.3, §5.2, §5.4, §5.5, §7.6, §7.9, §7.18, §7.19, §7.20):
 * google.subject ≤ 127 bytes; ≤ 50 custom attributes named [a-z0-9_]; each mapping expression
 * ≤ 2,048 characters; the condition ≤ 4,096; mapped attributes ≤ 8 KB per token; ref_protected
 * is the string "true"; runner_id is an integer (not mapped); principal identifiers use the
 * project number and are pool-scoped (use this pool for this provider only).
 */
import { Findings, compare, formatPath } from "../../core/findings";
import { ResolvedGrant, describeConditions, fullEnforcement } from "../../core/model";
import { shortHash } from "../../core/names";
import { grantMeta, meta, shardMeta } from "../../core/resources";
import { isPattern } from "../../core/rules";
import type { DeployerConfig, GitlabConfig } from "../../core/schema";
import type { PlanContext, TargetGrant, TargetPlanResult } from "../target";
import { ANCHOR, RESOURCE, gcpAccountId, poolResourceId, providerFullName, serviceAccountEmail, serviceAccountResourceId, siblingProvider } from "./names";
import type { GcpIamMemberEntry, GcpPlan, GcpPoolEntry, GcpProviderEntry, GcpServiceAccountEntry, GcpSummary } from "./plan-schema";
import type { GcpConfig, GcpGrantConfig } from "./schema";
import { DeployerBinding, GcpDeployerScope, MAX_ALLOWED_ROLES, WORKLOAD_IDENTITY_USER, deployerBindings } from "./deployer";

export const LIMITS = {
    subjectBytes: 127,
    customAttributes: 50,
    attributeNameLength: 100,
    mappingExpression: 2048,
    condition: 4096,
    mappedBytes: 8192,
    /** Workload identity pool provider IDs: 4 to 32 characters (schema.ts checks the map's own). */
    providerId: 32,
} as const;

/**
 * Roles that make a pipeline an administrator or let it act as other identities (mint their
 * tokens, run builds as the Cloud Build service account). Custom roles (projects/.../roles/...,
 * organizations/.../roles/...) cannot be inspected offline, so they count as privileged too.
 */
const PRIVILEGED_ROLES =
    /^(roles\/(owner|editor|iam\.admin|iam\.devOps|iam\.[A-Za-z]*Admin|iam\.serviceAccountTokenCreator|iam\.serviceAccountOpenIdTokenCreator|iam\.serviceAccountUser|iam\.workloadIdentityUser|iam\.serviceAccountKeyAdmin|resourcemanager\.[A-Za-z]*Admin|cloudbuild\.builds\.editor)|(projects|organizations)\/[^/]+\/roles\/.+)$/;

/** A CEL string literal. Values reaching here are validated to letters, digits and ._/*:- only. */
export function celString(text: string): string {
    return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** RE2 (and JS) regular expression, anchored, for a ref pattern: "*" is any run of characters. */
export function refRegex(pattern: string): string {
    return `^${pattern
        .split("*")
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*")}$`;
}

/**
 * The selector a ref contributes to gates: `ref:<ref>` for an exact ref, `pattern:<hash>` for a
 * pattern. Refs cannot contain ":", so no branch name can produce a pattern's selector.
 */
export function selector(ref: string): string {
    return isPattern(ref) ? `pattern:${shortHash(ref, 12)}` : `ref:${ref}`;
}

/** A gate string; see the module comment. */
export function gate(projectId: string, refType: string, isProtected: boolean, refSelector: string, environment?: string): string {
    const base = `${projectId}:${refType}:${isProtected ? "protected" : "unprotected"}:${refSelector}`;
    return environment === undefined ? base : `${base}:environment:${environment}`;
}

const BASE = `assertion.project_id + ':' + assertion.ref_type + ':' + (assertion.ref_protected == 'true' ? 'protected' : 'unprotected') + ':' + s`;

/**
 * The CEL of google.groups for the given ref patterns (sorted, distinct). With
 * `withEnvironment`, a token that has an environment also gets the gates with it.
 */
export function groupsExpression(patterns: readonly string[], withEnvironment: boolean): string {
    const pairs = patterns.map((p) => `[${celString(selector(p))}, ${celString(refRegex(p))}]`).join(", ");
    const exact = "['ref:' + assertion.ref]";
    const list = patterns.length === 0 ? exact : `(${exact} + [${pairs}].filter(p, assertion.ref.matches(p[1])).map(p, p[0]))`;
    const plain = `${list}.map(s, ${BASE})`;
    if (!withEnvironment) {
        return plain;
    }
    return `${plain} + (has(assertion.environment) && type(assertion.environment) == string ? ${list}.map(s, ${BASE} + ':environment:' + assertion.environment) : [])`;
}

/** google.subject: built from ids so it stays far below 127 bytes for any path and ref. */
export const SUBJECT_EXPRESSION = `'project_id:' + assertion.project_id + ':job_id:' + assertion.job_id`;

/** The provider's attribute mapping: only string claims. */
export function attributeMapping(patterns: readonly string[], withEnvironment: boolean): Record<string, string> {
    return {
        "google.subject": SUBJECT_EXPRESSION,
        "google.groups": groupsExpression(patterns, withEnvironment),
        "attribute.project_id": "assertion.project_id",
        "attribute.ref_type": "assertion.ref_type",
        "attribute.ref_protected": "assertion.ref_protected",
    };
}

/** The condition: only tokens of projects that have GCP grants. Fails closed on a missing claim. */
export function attributeCondition(projectIds: readonly string[]): string {
    return `assertion.project_id in [${projectIds.map(celString).join(", ")}]`;
}

/** Problems with an attribute mapping against GCP's documented limits. */
export function attributeMappingProblems(mapping: Readonly<Record<string, string>>): string[] {
    const problems: string[] = [];
    const custom = Object.keys(mapping).filter((k) => k.startsWith("attribute."));
    if (mapping["google.subject"] === undefined) {
        problems.push(`must map google.subject`);
    }
    if (custom.length > LIMITS.customAttributes) {
        problems.push(`maps ${custom.length} custom attributes; GCP allows at most ${LIMITS.customAttributes}`);
    }
    for (const key of Object.keys(mapping)) {
        const name = key.slice("attribute.".length);
        if (key.startsWith("attribute.") && !(/^[a-z0-9_]+$/.test(name) && name.length <= LIMITS.attributeNameLength)) {
            problems.push(`custom attribute name ${JSON.stringify(name)} must be 1-${LIMITS.attributeNameLength} characters of [a-z0-9_]`);
        } else if (!key.startsWith("attribute.") && !["google.subject", "google.groups"].includes(key)) {
            problems.push(`${JSON.stringify(key)} is not a mappable attribute here (google.subject, google.groups, attribute.<name>)`);
        }
        if (mapping[key]!.length > LIMITS.mappingExpression) {
            problems.push(`the expression for ${key} is ${mapping[key]!.length} characters; GCP allows at most ${LIMITS.mappingExpression}`);
        }
    }
    return problems;
}

/**
 * Bytes of mapped attributes for a token whose ref has `refLength` characters and matches every
 * pattern, with an environment of `environmentLength` characters (the worst case).
 */
export function mappedBytes(patterns: number, withEnvironment: boolean, refLength: number, environmentLength: number): number {
    const ids = 20; // project_id, job_id: at most 20 digits each
    const subject = "project_id::job_id:".length + 2 * ids;
    const attributes = ids + "branch".length + "false".length;
    const selectorLength = Math.max("ref:".length + refLength, "pattern:".length + 12);
    const gateLength = ids + ":branch:unprotected:".length + selectorLength;
    const gates = (1 + patterns) * gateLength;
    const environmentGates = withEnvironment ? (1 + patterns) * (gateLength + ":environment:".length + environmentLength) : 0;
    return subject + attributes + gates + environmentGates;
}

/** The principal identifier for a gate. */
export function groupMember(projectNumber: string, poolId: string, gateValue: string): string {
    return `principalSet://iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/${poolId}/group/${gateValue}`;
}

/** The gates a grant accepts: one per ref and accepted protection state. */
export function grantGates(g: Pick<ResolvedGrant, "projectId" | "refs" | "refType" | "protected" | "environment">): string[] {
    const states = g.protected ? [true] : [true, false];
    return g.refs.flatMap((ref) => states.map((state) => gate(g.projectId, g.refType, state, selector(ref), g.environment)));
}

type GcpGrant = TargetGrant<GcpGrantConfig>;

const byNumber = (a: string, b: string) => a.length - b.length || compare(a, b);

/** The distinct ref patterns of the GCP grants, each with an unambiguous selector. */
function refPatterns(grants: readonly GcpGrant[], findings: Findings): string[] {
    const patterns = [...new Set(grants.flatMap(({ grant }) => grant.refs.filter(isPattern)))].sort(compare);
    const selectors = new Map<string, string>();
    for (const pattern of patterns) {
        const other = selectors.get(selector(pattern));
        if (other !== undefined) {
            // 48 bits of SHA-256: never expected, but two patterns sharing a gate would merge their grants.
            findings.problem(["gcp"], `ref patterns ${JSON.stringify(other)} and ${JSON.stringify(pattern)} hash to the same selector ${selector(pattern)}; change one of them`);
        }
        selectors.set(selector(pattern), pattern);
    }
    return patterns;
}

/** Checks the mapping against GCP's limits: expression length, attributes, worst-case mapped bytes. */
function checkMapping(mapping: Readonly<Record<string, string>>, patterns: readonly string[], withEnvironment: boolean, findings: Findings): void {
    const groupsLength = mapping["google.groups"]!.length;
    if (groupsLength > LIMITS.mappingExpression) {
        findings.problem(
            ["gcp"],
            `the GCP grants use ${patterns.length} distinct ref patterns (${patterns.join(", ")}); the google.groups mapping that checks them is ${groupsLength} characters, above GCP's limit of ${LIMITS.mappingExpression} for one provider: use fewer distinct patterns (share them across projects, or list exact refs), or move some projects to a stack with its own provider`,
        );
    }
    for (const problem of attributeMappingProblems(mapping)) {
        findings.problem(["gcp"], `the attribute mapping ${problem}`);
    }
    const worst = mappedBytes(patterns.length, withEnvironment, 255, 255);
    if (worst > LIMITS.mappedBytes) {
        let longest = 255;
        while (longest > 0 && mappedBytes(patterns.length, withEnvironment, longest, 64) > LIMITS.mappedBytes) {
            longest--;
        }
        findings.warn(
            ["gcp"],
            `with ${patterns.length} ref patterns, a token whose ref matches all of them maps up to ${worst} bytes of attributes, above GCP's ${LIMITS.mappedBytes}: such a job's token exchange is refused (fails closed). Refs up to ${longest} characters stay within the limit`,
        );
    }
}

/** The condition admitting the GCP grants' projects, checked against GCP's length limit. */
function condition(grants: readonly GcpGrant[], findings: Findings): string {
    const projectIds = [...new Set(grants.map(({ grant }) => grant.projectId))].sort(byNumber);
    const text = attributeCondition(projectIds);
    if (text.length > LIMITS.condition) {
        findings.problem(
            ["gcp"],
            `${projectIds.length} projects have GCP grants; the attribute condition that admits them is ${text.length} characters, above GCP's limit of ${LIMITS.condition} for one provider: move some projects to a stack with its own provider (gcp.providerId)`,
        );
    }
    return text;
}

/** Checks a grant's roles (privileged ones need allowBroad); returns them sorted and unique. */
function checkRoles({ fields, at }: GcpGrant, gcp: GcpConfig, findings: Findings): string[] {
    let privileged = false;
    fields.roles.forEach((role, index) => {
        if (fields.roles.indexOf(role) !== index) {
            findings.problem([...at, "roles", index], `lists ${JSON.stringify(role)} more than once; list each role once`);
        }
        if (PRIVILEGED_ROLES.test(role)) {
            privileged = true;
            if (fields.allowBroad === undefined) {
                findings.problem(
                    [...at, "roles", index],
                    role.startsWith("roles/")
                        ? `${JSON.stringify(role)} on the whole project makes any pipeline that matches this grant an administrator or lets it act as other service accounts: grant a narrower role, or set gcp.allowBroad with a reason`
                        : `${JSON.stringify(role)} is a custom role, whose permissions cannot be checked offline: set gcp.allowBroad with a reason once you have checked it grants nothing administrative`,
                );
            }
        }
    });
    if (fields.allowBroad !== undefined) {
        findings.warn([...at, "allowBroad"], privileged ? `privileged GCP roles: ${JSON.stringify(fields.allowBroad)}` : `has no effect: no privileged role is granted; remove it`);
    }
    if (fields.roles.length === 0) {
        findings.warn(at, `the service account gets no roles on ${gcp.project}: grant it roles on individual resources outside this map, or list roles`);
    }
    return [...new Set(fields.roles)].sort(compare);
}

/** A grant's service account. */
function serviceAccountEntry({ grant, fields }: GcpGrant, gcp: GcpConfig, accountId: string): GcpServiceAccountEntry {
    return {
        resource: grantMeta(RESOURCE.serviceAccount, grant),
        accountId,
        project: gcp.project,
        displayName: (fields.displayName ?? `GitLab CI ${grant.project} ${grant.grant}`).slice(0, 100),
        description: `GitLab CI ${grant.project} (id ${grant.projectId}) grant ${grant.grant}: ${describeConditions(grant)}`.slice(0, 256),
    };
}

/** workloadIdentityUser on the grant's own account for each of its gates, then its project roles. */
function memberEntries(grant: ResolvedGrant, gcp: GcpConfig, accountId: string, gateMembers: readonly string[], roles: readonly string[]): GcpIamMemberEntry[] {
    const serviceAccountId = serviceAccountResourceId(accountId, gcp.project);
    const email = serviceAccountEmail(accountId, gcp.project);
    return [
        ...gateMembers.map(
            (member): GcpIamMemberEntry => ({
                resource: grantMeta(RESOURCE.serviceAccountIamMember, grant, `/wif-${shortHash(member)}`),
                serviceAccountId,
                role: WORKLOAD_IDENTITY_USER,
                member,
            }),
        ),
        ...roles.map(
            (role): GcpIamMemberEntry => ({
                resource: grantMeta(RESOURCE.projectIamMember, grant, `/${role}`),
                project: gcp.project,
                role,
                member: `serviceAccount:${email}`,
            }),
        ),
    ];
}

function poolEntry(gcp: GcpConfig, description: string): GcpPoolEntry {
    return {
        resource: meta(RESOURCE.pool, ANCHOR.pool, gcp.protect, { aliases: [gcp.poolId], ...(gcp.adopt?.pool === "import" ? { import: poolResourceId(gcp.project, gcp.poolId) } : {}) }),
        workloadIdentityPoolId: gcp.poolId,
        project: gcp.project,
        displayName: gcp.poolDisplayName ?? "GitLab CI",
        description,
    };
}

function providerEntry(gitlab: GitlabConfig, gcp: GcpConfig, description: string, mapping: Record<string, string>, conditionText: string, audience: string): GcpProviderEntry {
    return {
        resource: meta(RESOURCE.provider, ANCHOR.provider, gcp.protect, {
            aliases: [gcp.providerId],
            ...(gcp.adopt?.provider === "import" ? { import: `${poolResourceId(gcp.project, gcp.poolId)}/providers/${gcp.providerId}` } : {}),
        }),
        workloadIdentityPoolId: gcp.poolId,
        workloadIdentityPoolProviderId: gcp.providerId,
        project: gcp.project,
        displayName: "GitLab",
        description,
        attributeMapping: mapping,
        attributeCondition: conditionText,
        oidc: { issuerUri: gitlab.url, allowedAudiences: [audience], ...(gcp.jwksJson !== undefined ? { jwksJson: gcp.jwksJson } : {}) },
    };
}

/** The keys GCP verifies tokens with: fetched from the issuer, or uploaded (gcp.jwksJson). */
function checkKeys(gitlab: GitlabConfig, gcp: GcpConfig, findings: Findings): void {
    if (gcp.jwksJson === undefined) {
        if (gitlab.caPem !== undefined) {
            findings.problem(
                ["gcp", "jwksJson"],
                `is required when GitLab's certificate is privately signed (gitlab.caPem): Google fetches the keys from ${gitlab.url} over publicly trusted TLS only and cannot be given a CA. Set it to the JSON of ${gitlab.url}/oauth/discovery/keys`,
            );
        }
        return;
    }
    let keys: unknown;
    try {
        keys = (JSON.parse(gcp.jwksJson) as { keys?: unknown }).keys;
    } catch {
        keys = undefined;
    }
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === "object" && k !== null && typeof (k as { kty?: unknown }).kty === "string")) {
        findings.problem(["gcp", "jwksJson"], `must be a JSON Web Key Set, {"keys": [{"kty": "RSA", ...}, ...]}, as ${gitlab.url}/oauth/discovery/keys serves it`);
        return;
    }
    findings.warn(["gcp", "jwksJson"], `GCP verifies tokens with these ${keys.length} uploaded keys, not GitLab's current ones: when GitLab rotates its signing key, update jwksJson and run pulumi up, or every GCP exchange fails`);
}

/** Pool and provider adoption, with what it means for reviewers. */
function checkAdoption(gcp: GcpConfig, findings: Findings): void {
    if (gcp.adopt?.pool === "external") {
        findings.warn(["gcp", "adopt", "pool"], `external: the pool ${gcp.poolId} is not managed by this stack; keep it for this provider only (pools are shared principal namespaces)`);
    } else if (gcp.adopt?.pool === "import") {
        findings.warn(["gcp", "adopt", "pool"], `import: the next pulumi up adopts the pool ${gcp.poolId} and then manages it as planned`);
    }
    if (gcp.adopt?.provider === "import") {
        findings.warn(["gcp", "adopt", "provider"], `import: the next pulumi up adopts the provider ${gcp.providerId} and rewrites its mapping and condition as planned`);
    }
}

/**
 * The deployer's requirements in GCP (deployer.ts says why): a project dedicated to this stack,
 * acknowledged, and project roles that fit the applier's hasOnly list.
 */
function checkDeployer(gcp: GcpConfig, config: DeployerConfig, grantedRoles: readonly string[], findings: Findings): void {
    if (config.acknowledgeGcpProject === undefined) {
        findings.problem(
            ["deployer", "acknowledgeGcpProject"],
            `is required with a gcp section: IAM conditions cannot name service accounts or pools, so in ${gcp.project} the applier can bind ${WORKLOAD_IDENTITY_USER} on any service account for anyone (itself included), change any workload identity pool, and grant itself the project roles the map grants: it can act as every service account of ${gcp.project}. Dedicate ${gcp.project} to this stack (no default compute service account, no service accounts or pools but the ones this stack creates, the deployer's own included) and give the reason here`,
        );
    } else {
        findings.warn(["deployer", "acknowledgeGcpProject"], `the applier can act as every service account of ${gcp.project} and change every workload identity pool there: ${JSON.stringify(config.acknowledgeGcpProject)}`);
    }
    if (grantedRoles.length > MAX_ALLOWED_ROLES) {
        findings.problem(
            ["deployer"],
            `the applier's roles/resourcemanager.projectIamAdmin may grant only the project roles the map grants, listed in its IAM condition, and the map grants ${grantedRoles.length} (${grantedRoles.join(", ")}); GCP allows at most ${MAX_ALLOWED_ROLES} roles in that list: grant at most ${MAX_ALLOWED_ROLES} distinct project roles on ${gcp.project} (a custom role can combine several), or move the grants of the others to a stack without a deployer, which an administrator applies`,
        );
    }
}

/** What the deployer's bindings need from the map: every project role it grants, and the state bucket. */
function deployerScope(gcp: GcpConfig, grants: readonly GcpGrant[], findings: Findings): GcpDeployerScope | undefined {
    const config = grants.find((g) => g.grant.deployer !== undefined)?.grant.deployer?.config;
    if (config === undefined) {
        return undefined;
    }
    const roles = [...new Set(grants.filter((g) => g.grant.deployer === undefined).flatMap((g) => g.fields.roles))].sort(compare);
    checkDeployer(gcp, config, roles, findings);
    const privileged = roles.filter((role) => PRIVILEGED_ROLES.test(role));
    if (privileged.length > 0) {
        // The applier's projectIamAdmin condition lists every role the map grants: it may grant these to anyone, itself included.
        findings.warn(
            ["deployer", "acknowledgeGcpProject"],
            `the map grants privileged roles on ${gcp.project} (${privileged.join(", ")}); the applier may grant every role the map grants to anyone, itself included, so it holds their power there too`,
        );
    }
    return { project: gcp.project, grantedRoles: roles, ...(config.state?.gcs !== undefined ? { state: config.state.gcs } : {}) };
}

/** A deployer binding as the plan entry of its resource. */
function deployerEntry(grant: ResolvedGrant, gcp: GcpConfig, scope: GcpDeployerScope, email: string, b: DeployerBinding): GcpIamMemberEntry {
    const member = `serviceAccount:${email}`;
    switch (b.on) {
        case "project":
            return { resource: grantMeta(RESOURCE.projectIamMember, grant, `/${b.role}`), project: gcp.project, role: b.role, member, ...(b.condition !== undefined ? { condition: { ...b.condition } } : {}), reason: b.reason };
        case "bucket":
            return { resource: grantMeta(RESOURCE.bucketIamMember, grant, `/state/${b.role}`), bucket: scope.state!.bucket, role: b.role, member, reason: b.reason };
        case "cryptoKey":
            return { resource: grantMeta(RESOURCE.cryptoKeyIamMember, grant, `/state-key/${b.role}`), cryptoKeyId: scope.state!.kmsKey!, role: b.role, member, reason: b.reason };
    }
}

/** GCP's write rate for workload identity resources (docs/reference.md §5.8). */
export const WIF_WRITES_PER_MINUTE = 60;

/** Service accounts against the project's quota; a large first apply against GCP's write rates. */
function checkQuotas(gcp: GcpConfig, accounts: number, bindings: number, findings: Findings): void {
    if (accounts > gcp.quotas.serviceAccounts) {
        findings.problem(
            ["gcp", "quotas", "serviceAccounts"],
            `the map plans ${accounts} service accounts in project ${gcp.project}, above its quota of ${gcp.quotas.serviceAccounts} (accounts outside this stack count too): request a quota increase and set gcp.quotas.serviceAccounts, or move some projects' GCP grants to a stack with its own GCP project`,
        );
    } else if (accounts > gcp.quotas.serviceAccounts * 0.8) {
        findings.warn(["gcp", "quotas", "serviceAccounts"], `the map plans ${accounts} service accounts in project ${gcp.project}, more than 80% of its quota of ${gcp.quotas.serviceAccounts}`);
    }
    const writes = accounts + bindings;
    if (writes > 10 * WIF_WRITES_PER_MINUTE) {
        findings.warn(
            ["gcp"],
            `a first pulumi up writes ${accounts} service accounts and ${bindings} IAM bindings to ${gcp.project}; GCP rate-limits IAM writes per project and minute (workload identity resources: ${WIF_WRITES_PER_MINUTE} per minute), so expect a slow first apply with retried throttling errors, or apply in steps (shards)`,
        );
    }
}

/** Plans GCP for the grants that have `gcp`. */
export function planGcp({ gitlab, section: gcp, grants, findings, sharding }: PlanContext<GcpConfig, GcpGrantConfig>): TargetPlanResult<GcpPlan, GcpSummary> {
    const projectNumber = String(gcp.projectNumber);
    const providerResourceName = providerFullName(projectNumber, gcp.poolId, gcp.providerId);
    const audience = gcp.audience ?? `https:${providerResourceName}`;
    checkKeys(gitlab, gcp, findings);
    checkAdoption(gcp, findings);
    const description = `GitLab CI ID tokens from ${gitlab.url} (managed by gitlab-federation)`;
    if (sharding !== undefined) {
        const longest = `${gcp.providerId}-s${sharding.shards - 1}`;
        if (longest.length > LIMITS.providerId) {
            findings.problem(
                ["gcp", "providerId"],
                `is ${gcp.providerId.length} characters; a sharded map's providers are named <providerId>-s<shard>, and ${JSON.stringify(longest)} is ${longest.length}, above GCP's ${LIMITS.providerId}: shorten it`,
            );
        }
    }
    // One provider for an unsharded map; with shards, the foundation's (the deployer's grants) and one per shard.
    const groups = new Map<number, GcpGrant[]>([[-1, []]]);
    for (const target of grants) {
        const index = sharding?.shardOf(target.grant) ?? -1;
        (groups.get(index) ?? groups.set(index, []).get(index)!).push(target);
    }
    const providers: GcpProviderEntry[] = [];
    const providerOf = new Map<number, string>();
    for (const [index, members] of [...groups].sort((a, b) => a[0] - b[0])) {
        const patterns = refPatterns(members, findings);
        const withEnvironment = members.some(({ grant }) => grant.environment !== undefined);
        const mapping = attributeMapping(patterns, withEnvironment);
        checkMapping(mapping, patterns, withEnvironment, findings);
        const conditionText = condition(members, findings);
        if (index === -1) {
            providers.push(providerEntry(gitlab, gcp, description, mapping, conditionText, audience));
            providerOf.set(index, providerResourceName);
            continue;
        }
        const id = `${gcp.providerId}-s${index}`;
        providers.push({
            ...providerEntry(gitlab, gcp, description, mapping, conditionText, audience),
            resource: shardMeta(RESOURCE.provider, index, ANCHOR.provider, gcp.protect),
            workloadIdentityPoolProviderId: id,
            displayName: `GitLab shard ${index}`,
        });
        providerOf.set(index, siblingProvider(providerResourceName, id));
    }
    const owners = new Map<string, ResolvedGrant>();
    const summaries = new Map<number, GcpSummary>();
    const accounts: GcpServiceAccountEntry[] = [];
    const members: GcpIamMemberEntry[] = [];
    const scope = deployerScope(gcp, grants, findings);
    for (const target of grants) {
        const { grant, fields, at } = target;
        const accountId = fields.accountId ?? gcpAccountId(grant.namesPath, grant.namesGrant);
        const owner = owners.get(accountId);
        if (owner !== undefined) {
            findings.problem(at, `service account ID ${JSON.stringify(accountId)} is also the ID of ${formatPath(owner.path)} (derived IDs lowercase the path and turn "/", "." and "_" into "-"): set gcp.accountId on one of them`);
            continue;
        }
        owners.set(accountId, grant);
        const email = serviceAccountEmail(accountId, gcp.project);
        const bindings = grant.deployer !== undefined && scope !== undefined ? deployerBindings(grant.deployer.role, scope) : undefined;
        const roles = bindings !== undefined ? bindings.filter((b) => b.on === "project").map((b) => b.role) : checkRoles(target, gcp, findings);
        accounts.push(serviceAccountEntry(target, gcp, accountId));
        const gateMembers = grantGates(grant).map((g) => groupMember(projectNumber, gcp.poolId, g));
        members.push(...memberEntries(grant, gcp, accountId, gateMembers, bindings !== undefined ? [] : roles));
        if (bindings !== undefined) {
            members.push(...bindings.map((b) => deployerEntry(grant, gcp, scope!, email, b)));
        }
        summaries.set(grant.index, {
            accountId,
            email,
            audience,
            members: gateMembers,
            roles,
            ...(bindings !== undefined ? { roleReasons: Object.fromEntries(bindings.map((b) => [b.role, b.reason])) } : {}),
            ...(sharding !== undefined ? { provider: providerOf.get(sharding.shardOf(grant) ?? -1)! } : {}),
            enforcement: fullEnforcement(grant) as GcpSummary["enforcement"],
        });
    }
    checkQuotas(gcp, accounts.length, members.length, findings);
    if (!gcp.protect) {
        findings.warn(["gcp", "protect"], `false: the pool and provider can be deleted by pulumi destroy or a removed section; a deleted ID cannot be reused for about 30 days and every pipeline loses GCP access at once`);
    }
    return {
        plan: {
            poolAdoption: gcp.adopt?.pool ?? "create",
            providerResourceName,
            audience,
            pools: gcp.adopt?.pool === "external" ? [] : [poolEntry(gcp, description)],
            providers,
            serviceAccounts: accounts,
            iamMembers: members,
        },
        grants: summaries,
        audience,
    };
}
