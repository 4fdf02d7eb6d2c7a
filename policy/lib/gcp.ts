/**
 * GCP: workload identity pool providers for a GitLab issuer, and IAM grants to a whole pool.
 *
 * Facts relied on: an unset attribute condition accepts every valid token of the issuer
 * (docs/reference.md §5.3); `google.subject` names one identity, `principal://…/subject/<value>`,
 * and principal sets name a pool, so `…/workloadIdentityPools/<pool>/*` is every identity any
 * provider of the pool admits (§5.5, §7.6). Type tokens and property names: `@pulumi/gcp` 9.37.0
 * `__pulumiType` strings and `…Args` (the IAM member, binding and policy resources of every
 * service end in `IAMMember`/`IamMember`, `IAMBinding`/`IamBinding`, `IAMPolicy`/`IamPolicy`, with
 * `member`, `members` or `policyData`).
 */
import { CelFacts, celFacts } from "./cel";
import { GITLAB_CLAIMS, issuer, issuers } from "./gitlab";
import { GITLAB_URLS, ResourceTypes, resourcePolicy, typeTokens } from "./policy";
import type { JsonSchema, ResourcePolicy } from "./types";

const PROVIDER_TYPES = typeTokens(["gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"]);
const PROVIDER_SCOPE = "workload identity pool providers (OIDC) for a GitLab issuer";

/** A GitLab OIDC provider's settings, as the rules read them. */
interface GitlabProvider {
    readonly issuer: string;
    readonly condition: string | undefined;
    readonly mapping: Readonly<Record<string, string>>;
}

function stringRecord(value: unknown): Record<string, string> {
    return typeof value === "object" && value !== null ? Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string")) : {};
}

/** The provider when it is an OIDC provider for GitLab: its issuer is configured, or its mapping or condition reads GitLab-only claims. */
export function gitlabProvider(props: Record<string, any>, gitlabUrls: readonly string[]): GitlabProvider | undefined {
    const issuerUri: unknown = props.oidc?.issuerUri;
    if (typeof issuerUri !== "string") {
        return undefined;
    }
    const mapping = stringRecord(props.attributeMapping);
    const condition = typeof props.attributeCondition === "string" ? props.attributeCondition : undefined;
    const readsGitlab = [...Object.values(mapping), condition ?? ""].some((expression) => {
        const facts = expression.trim() === "" ? undefined : celFacts(expression, mapping);
        return facts !== undefined && "claims" in facts && [...facts.claims].some((c) => GITLAB_CLAIMS.has(c));
    });
    return issuers(gitlabUrls).includes(issuer(issuerUri)) || readsGitlab ? { issuer: issuerUri, condition, mapping } : undefined;
}

interface UrlsConfig {
    readonly gitlabUrls: readonly string[];
}

function providerRule<C extends UrlsConfig>(name: string, description: string, config: { readonly [K in keyof C]: JsonSchema }, check: (p: GitlabProvider, config: C) => string[]): ResourcePolicy {
    return resourcePolicy<C>({
        name,
        description,
        enforcementLevel: "mandatory",
        config,
        types: PROVIDER_TYPES,
        scope: PROVIDER_SCOPE,
        check(props, c) {
            const provider = gitlabProvider(props, c.gitlabUrls);
            return provider === undefined ? undefined : check(provider, c);
        },
    });
}

const anyone = (p: GitlabProvider) => (issuer(p.issuer) === "https://gitlab.com" ? " (on gitlab.com: anyone's)" : "");
const EXAMPLE = `"assertion.project_id in ['42', '57']"`;

/** The condition's facts, or the one-line reason it has none worth reading. */
function conditionFacts(p: GitlabProvider): CelFacts | string {
    if (p.condition === undefined || p.condition.trim() === "") {
        return `has no attributeCondition: Google accepts every token ${p.issuer} signs${anyone(p)}`;
    }
    const facts = celFacts(p.condition, p.mapping);
    return "error" in facts ? `attributeCondition ${JSON.stringify(p.condition)} is not valid CEL (${facts.error})` : facts;
}

const condition = providerRule<UrlsConfig>(
    "gcp-gitlab-provider-condition",
    "A GitLab workload identity provider has an attribute condition that reads the token's claims.",
    { gitlabUrls: GITLAB_URLS },
    (p) => {
        const facts = conditionFacts(p);
        if (typeof facts === "string") {
            return [`${facts}; set one that names your projects, e.g. ${EXAMPLE}`];
        }
        return facts.readsToken
            ? []
            : [`attributeCondition ${JSON.stringify(p.condition)} reads no claim (assertion.*, attribute.*, google.*): it is the same for every token, so it admits every token ${p.issuer} signs or none; name your projects, e.g. ${EXAMPLE}`];
    },
);

const PROJECT_CLAIMS_SETTING: JsonSchema = {
    type: "array",
    items: { type: "string", minLength: 1 },
    description: "The claims any of which the attribute condition must bind to literal values: a project's id, or its path (add namespace_id to accept a group)",
    default: ["project_id", "project_path"],
};

const project = providerRule<UrlsConfig & { readonly projectClaims: readonly string[] }>(
    "gcp-gitlab-provider-project",
    "A GitLab workload identity provider's attribute condition requires the token's project (project_id or project_path) to be one of a list.",
    { gitlabUrls: GITLAB_URLS, projectClaims: PROJECT_CLAIMS_SETTING },
    (p, c) => {
        const facts = conditionFacts(p);
        const claims = c.projectClaims.map((claim) => `assertion.${claim}`).join(" or ");
        if (typeof facts === "string") {
            return [`${facts}, so it requires no project: require ${claims} to be one of your projects, e.g. ${EXAMPLE}`];
        }
        if (c.projectClaims.some((claim) => facts.bound.has(claim))) {
            return [];
        }
        return [
            `attributeCondition ${JSON.stringify(p.condition)} does not require a project: no part of it that must hold compares ${claims} with literal strings (== or in [...]); add one, e.g. "assertion.project_id in ['42', '57'] && (${p.condition})"`,
        ];
    },
);

/** Whether claims identify one project and one ref (or one job), so no two refs share the value. */
export function uniquePerRef(claims: ReadonlySet<string>): boolean {
    const project = ["project_id", "project_path", "job_project_id", "job_project_path"].some((c) => claims.has(c));
    const ref = claims.has("ref_path") || (claims.has("ref") && claims.has("ref_type"));
    return claims.has("sub") || claims.has("job_id") || (project && ref);
}

const subject = providerRule<UrlsConfig>(
    "gcp-gitlab-provider-subject",
    "A GitLab workload identity provider maps google.subject from claims that differ between refs (sub, or project and ref, or job_id).",
    { gitlabUrls: GITLAB_URLS },
    (p) => {
        const expression = p.mapping["google.subject"];
        const facts = expression === undefined ? undefined : celFacts(expression, {});
        if (facts === undefined || "error" in facts || uniquePerRef(facts.claims)) {
            return [];
        }
        const used = [...facts.claims].sort().join(", ") || "no claim";
        return [
            `attributeMapping google.subject ${JSON.stringify(expression)} can be equal for tokens of different refs (it reads ${used}; a value unique per ref needs sub, job_id, or the project with ref_path or with ref and ref_type): a principal://…/subject/<value> binding then admits every branch and tag of the project (any developer's push), and audit logs cannot tell the jobs apart; map it from assertion.sub, from project and ref ("assertion.project_id + ':' + assertion.ref_type + ':' + assertion.ref"), or per job ("'project_id:' + assertion.project_id + ':job_id:' + assertion.job_id")`,
        ];
    },
);

/** IAM member, binding and policy resources of any GCP service. */
const IAM_GRANT_TYPES: ResourceTypes = {
    text: "GCP IAM member, binding and policy resources (gcp:*:*IAMMember, *IamBinding, *IamPolicy, ...)",
    test: (type) => /^gcp:[^:]+:\w*(IAM|Iam)(Member|Binding|Policy)$/.test(type),
};

const WHOLE_POOL = /^principalSet:\/\/iam\.googleapis\.com\/projects\/[^/]+\/locations\/global\/workloadIdentityPools\/([^/]+)\/\*$/;

/** Every (where, role, member) an IAM resource grants. */
function grants(props: Record<string, any>): { where: string; role: string; member: string }[] {
    const role = typeof props.role === "string" ? props.role : "";
    const members = typeof props.member === "string" ? [{ where: "member", role, member: props.member }] : [];
    const listed = Array.isArray(props.members) ? props.members.map((m: unknown, i: number) => ({ where: `members[${i}]`, role, member: String(m) })) : [];
    let bindings: unknown[] = [];
    if (typeof props.policyData === "string") {
        try {
            bindings = [JSON.parse(props.policyData)?.bindings].flat().filter((b) => b !== undefined);
        } catch {
            bindings = [];
        }
    }
    const inPolicy = bindings.flatMap((b: any, i) => [b?.members].flat().map((m: unknown, j) => ({ where: `policyData bindings[${i}].members[${j}]`, role: String(b?.role), member: String(m) })));
    return [...members, ...listed, ...inPolicy];
}

const ALLOWED_ROLES: JsonSchema = {
    type: "array",
    items: { type: "string", minLength: 1 },
    description: "Roles that may be granted to every identity of a workload identity pool",
    default: [],
};

const wholePool = resourcePolicy<{ readonly allowedRoles: readonly string[] }>({
    name: "gcp-workload-pool-wide-grant",
    description: "No IAM role is granted to a whole workload identity pool (principalSet://…/workloadIdentityPools/<pool>/*).",
    enforcementLevel: "mandatory",
    config: { allowedRoles: ALLOWED_ROLES },
    types: IAM_GRANT_TYPES,
    scope: "IAM grants to workload identity federation principals",
    check(props, c) {
        const found = grants(props).filter((g) => g.member.includes("/workloadIdentityPools/"));
        if (found.length === 0) {
            return undefined;
        }
        return found.flatMap(({ where, role, member }) => {
            const pool = WHOLE_POOL.exec(member)?.[1];
            if (pool === undefined || c.allowedRoles.includes(role)) {
                return [];
            }
            return [
                `${where} grants ${role} to ${member}, every identity of pool ${pool}: every token any provider of the pool admits (any project the provider's condition lets in) gets it; grant it to one project's or ref's principal set instead (e.g. principalSet://iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/${pool}/attribute.project_id/<id>), or list ${role} in allowedRoles`,
            ];
        });
    },
});

export const GCP_POLICIES: readonly ResourcePolicy[] = [condition, project, subject, wholePool];
