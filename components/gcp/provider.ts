/**
 * GCP: the workload identity provider's attribute mapping and condition, in CEL, and the pool and
 * provider entries (one provider per shard of a sharded map).
 *
 * Design. A principalSet matches one attribute value exactly, so each grant's conditions are
 * folded into "gate" strings that the provider computes for every token and puts in
 * `google.groups` (a list: a token can satisfy several grants):
 *
 *     <project_id>:<ref_type>:<protected|unprotected>:<selector>[:<environment selector>]
 *
 * `selector` is `ref:<the token's ref>`, plus one `pattern:<hash>` per ref pattern of the map that
 * the ref matches (computed in CEL: a literal list of [selector, regex] pairs filtered with
 * `matches`, so each pattern is written once per list). Every token gets the gates without
 * environment; a token with an environment also gets them with each environment selector:
 * `environment:<the token's environment>`, and `environment-pattern:<hash>` per environment
 * pattern of the provider's grants that it matches (the same anchored RE2 as refs: "*" crosses
 * "/"); when a grant requires a protected environment and the token's environment_protected is
 * "true", also each of them prefixed with `protected-`. Environment names cannot contain ":", so
 * no name produces a pattern's or a protected selector. A grant binds
 * `roles/iam.workloadIdentityUser` on its own service account to one principalSet per accepted
 * (ref, protection state): an unprotected grant accepts both states.
 *
 * Facts relied on (docs/reference.md §1.3, §5.2, §5.4, §5.5, §7.6, §7.9, §7.18, §7.19, §7.20):
 * google.subject ≤ 127 bytes; ≤ 50 custom attributes named [a-z0-9_]; each mapping expression
 * ≤ 2,048 characters; the condition ≤ 4,096; mapped attributes ≤ 8 KB per token; ref_protected
 * is the string "true"; runner_id is an integer (not mapped); principal identifiers use the
 * project number and are pool-scoped (use this pool for this provider only).
 */
import { Findings, compare } from "../../src/core/findings";
import type { ResolvedGrant } from "../../src/core/model";
import { shortHash } from "../../src/core/names";
import { meta, shardMeta } from "../../src/core/resources";
import { isPattern } from "../../src/core/rules";
import type { GitlabConfig } from "../../src/core/schema";
import type { PlanContext, PlannedGrant } from "../target";
import { ANCHOR, RESOURCE, poolResourceId, siblingProvider } from "./names";
import type { GcpPoolEntry, GcpProviderEntry } from "./plan-schema";
import type { GcpConfig, GcpGrantConfig } from "./schema";

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

/** The environment selector of a grant's gates: see the module comment. */
export function environmentSelector(g: Pick<ResolvedGrant, "environment" | "environmentProtected">): string | undefined {
    if (g.environment === undefined) {
        return undefined;
    }
    const name = isPattern(g.environment) ? `environment-pattern:${shortHash(g.environment, 12)}` : `environment:${g.environment}`;
    return g.environmentProtected === true ? `protected-${name}` : name;
}

/** A gate string; see the module comment. */
export function gate(projectId: string, refType: string, isProtected: boolean, refSelector: string, environment?: string): string {
    const base = `${projectId}:${refType}:${isProtected ? "protected" : "unprotected"}:${refSelector}`;
    return environment === undefined ? base : `${base}:${environment}`;
}

/** What a provider's gates carry of the environment: none, or the environment patterns and whether protection is asked. */
export interface EnvironmentGates {
    readonly patterns: readonly string[];
    readonly protection: boolean;
}

const BASE = `assertion.project_id + ':' + assertion.ref_type + ':' + (assertion.ref_protected == 'true' ? 'protected' : 'unprotected') + ':' + s`;

/** The CEL terms that add a token's environment gates (see the module comment) to `list`'s selectors. */
function environmentTerms(list: string, environment: EnvironmentGates): string {
    const selectors = (prefix: string, guard: string | undefined): [string, string | undefined][] => [
        [`'${prefix}environment:' + assertion.environment`, guard],
        ...environment.patterns.map((p): [string, string] => [
            celString(`${prefix}environment-pattern:${shortHash(p, 12)}`),
            `${guard !== undefined ? `${guard} && ` : ""}assertion.environment.matches(${celString(refRegex(p))})`,
        ]),
    ];
    const all = [...selectors(":", undefined), ...(environment.protection ? selectors(":protected-", PROTECTED_ENVIRONMENT) : [])];
    return all.map(([text, test]) => (test === undefined ? `${list}.map(s, ${BASE} + ${text})` : `(${test} ? ${list}.map(s, ${BASE} + ${text}) : [])`)).join(" + ");
}

const PROTECTED_ENVIRONMENT = `has(assertion.environment_protected) && assertion.environment_protected == 'true'`;

/**
 * The CEL of google.groups for the given ref patterns (sorted, distinct). With `environment`, a
 * token that has an environment also gets the gates with it.
 */
export function groupsExpression(patterns: readonly string[], environment: EnvironmentGates | undefined): string {
    const pairs = patterns.map((p) => `[${celString(selector(p))}, ${celString(refRegex(p))}]`).join(", ");
    const exact = "['ref:' + assertion.ref]";
    const list = patterns.length === 0 ? exact : `(${exact} + [${pairs}].filter(p, assertion.ref.matches(p[1])).map(p, p[0]))`;
    const plain = `${list}.map(s, ${BASE})`;
    if (environment === undefined) {
        return plain;
    }
    return `${plain} + (has(assertion.environment) && type(assertion.environment) == string ? ${environmentTerms(list, environment)} : [])`;
}

/** google.subject: built from ids so it stays far below 127 bytes for any path and ref. */
export const SUBJECT_EXPRESSION = `'project_id:' + assertion.project_id + ':job_id:' + assertion.job_id`;

/** The provider's attribute mapping: only string claims. */
export function attributeMapping(patterns: readonly string[], environment: EnvironmentGates | undefined): Record<string, string> {
    return {
        "google.subject": SUBJECT_EXPRESSION,
        "google.groups": groupsExpression(patterns, environment),
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
 * pattern, with an environment of `environmentLength` characters that matches every environment
 * pattern and is protected (the worst case).
 */
export function mappedBytes(patterns: number, environment: EnvironmentGates | undefined, refLength: number, environmentLength: number): number {
    const ids = 20; // project_id, job_id: at most 20 digits each
    const subject = "project_id::job_id:".length + 2 * ids;
    const attributes = ids + "branch".length + "false".length;
    const selectorLength = Math.max("ref:".length + refLength, "pattern:".length + 12);
    const gateLength = ids + ":branch:unprotected:".length + selectorLength;
    const gates = (1 + patterns) * gateLength;
    if (environment === undefined) {
        return subject + attributes + gates;
    }
    const selectors = (1 + environment.patterns.length) * (environment.protection ? 2 : 1);
    const environmentSelector = (environment.protection ? ":protected-environment:" : ":environment:").length + Math.max(environmentLength, "-pattern".length + 12);
    const environmentGates = selectors * (1 + patterns) * (gateLength + environmentSelector);
    return subject + attributes + gates + environmentGates;
}

/** The principal identifier for a gate. */
export function groupMember(projectNumber: string, poolId: string, gateValue: string): string {
    return `principalSet://iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/${poolId}/group/${gateValue}`;
}

/** The gates a grant accepts: one per ref and accepted protection state. */
export function grantGates(g: Pick<ResolvedGrant, "projectId" | "refs" | "refType" | "protected" | "environment" | "environmentProtected">): string[] {
    const states = g.protected ? [true] : [true, false];
    return g.refs.flatMap((ref) => states.map((state) => gate(g.projectId, g.refType, state, selector(ref), environmentSelector(g))));
}

type GcpGrant = PlannedGrant<GcpGrantConfig>;

const byNumber = (a: string, b: string) => a.length - b.length || compare(a, b);

/** The distinct patterns among `values` (refs or environments), each with an unambiguous selector. */
function distinctPatterns(values: readonly string[], kind: string, selectorOf: (pattern: string) => string, findings: Findings): string[] {
    const patterns = [...new Set(values.filter(isPattern))].sort(compare);
    const selectors = new Map<string, string>();
    for (const pattern of patterns) {
        const other = selectors.get(selectorOf(pattern));
        if (other !== undefined) {
            // 48 bits of SHA-256: never expected, but two patterns sharing a gate would merge their grants.
            findings.problem(["gcp"], `${kind} patterns ${JSON.stringify(other)} and ${JSON.stringify(pattern)} hash to the same selector ${selectorOf(pattern)}; change one of them`);
        }
        selectors.set(selectorOf(pattern), pattern);
    }
    return patterns;
}

/** What the provider's gates carry of the environment, for its grants (undefined: no grant sets one). */
function environmentGates(grants: readonly GcpGrant[], findings: Findings): EnvironmentGates | undefined {
    const environments = grants.flatMap(({ grant }) => (grant.environment !== undefined ? [grant.environment] : []));
    if (environments.length === 0) {
        return undefined;
    }
    const patterns = distinctPatterns(environments, "environment", (p) => environmentSelector({ environment: p })!, findings);
    return { patterns, protection: grants.some(({ grant }) => grant.environmentProtected === true) };
}

/** Checks the mapping against GCP's limits: expression length, attributes, worst-case mapped bytes. */
function checkMapping(mapping: Readonly<Record<string, string>>, patterns: readonly string[], environment: EnvironmentGates | undefined, findings: Findings): void {
    const groupsLength = mapping["google.groups"]!.length;
    if (groupsLength > LIMITS.mappingExpression) {
        const environmentPatterns = environment !== undefined && environment.patterns.length > 0 ? ` and ${environment.patterns.length} distinct environment patterns (${environment.patterns.join(", ")})` : "";
        findings.problem(
            ["gcp"],
            `the GCP grants use ${patterns.length} distinct ref patterns (${patterns.join(", ")})${environmentPatterns}; the google.groups mapping that checks them is ${groupsLength} characters, above GCP's limit of ${LIMITS.mappingExpression} for one provider: use fewer distinct patterns (share them across projects, or list exact refs), or move some projects to a stack with its own provider`,
        );
    }
    for (const problem of attributeMappingProblems(mapping)) {
        findings.problem(["gcp"], `the attribute mapping ${problem}`);
    }
    const worst = mappedBytes(patterns.length, environment, 255, 255);
    if (worst > LIMITS.mappedBytes) {
        let longest = 255;
        while (longest > 0 && mappedBytes(patterns.length, environment, longest, 64) > LIMITS.mappedBytes) {
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

export function poolEntry(gcp: GcpConfig, description: string): GcpPoolEntry {
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

/** The providers of the map: one, or with shards the foundation's (the deployer's grants) and one per shard; and each shard's provider name. */
export function plannedProviders(
    { gitlab, section: gcp, grants, findings, sharding }: PlanContext<GcpConfig, GcpGrantConfig>,
    providerResourceName: string,
    audience: string,
    description: string,
): { readonly providers: GcpProviderEntry[]; readonly providerOf: ReadonlyMap<number, string> } {
    if (sharding !== undefined) {
        const longest = `${gcp.providerId}-s${sharding.shards - 1}`;
        if (longest.length > LIMITS.providerId) {
            findings.problem(
                ["gcp", "providerId"],
                `is ${gcp.providerId.length} characters; a sharded map's providers are named <providerId>-s<shard>, and ${JSON.stringify(longest)} is ${longest.length}, above GCP's ${LIMITS.providerId}: shorten it`,
            );
        }
    }
    const groups = new Map<number, GcpGrant[]>([[-1, []]]);
    for (const target of grants) {
        const index = sharding?.shardOf(target.grant) ?? -1;
        (groups.get(index) ?? groups.set(index, []).get(index)!).push(target);
    }
    const providers: GcpProviderEntry[] = [];
    const providerOf = new Map<number, string>();
    for (const [index, members] of [...groups].sort((a, b) => a[0] - b[0])) {
        const patterns = distinctPatterns(
            members.flatMap(({ grant }) => grant.refs),
            "ref",
            selector,
            findings,
        );
        const environment = environmentGates(members, findings);
        const mapping = attributeMapping(patterns, environment);
        checkMapping(mapping, patterns, environment, findings);
        const entry = providerEntry(gitlab, gcp, description, mapping, condition(members, findings), audience);
        if (index === -1) {
            providers.push(entry);
            providerOf.set(index, providerResourceName);
            continue;
        }
        const id = `${gcp.providerId}-s${index}`;
        providers.push({ ...entry, resource: shardMeta(RESOURCE.provider, index, ANCHOR.provider, gcp.protect), workloadIdentityPoolProviderId: id, displayName: `GitLab shard ${index}` });
        providerOf.set(index, siblingProvider(providerResourceName, id));
    }
    return { providers, providerOf };
}
