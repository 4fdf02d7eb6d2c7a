/**
 * GCP: the rules that refuse or warn about the gcp section and grants (roles, keys, adoption,
 * quotas).
 */
import { Findings, compare } from "../../src/core/findings";
import type { GitlabConfig } from "../../src/core/schema";
import type { TargetGrant } from "../target";
import type { GcpConfig, GcpGrantConfig } from "./schema";

/**
 * Roles that make a pipeline an administrator or let it act as other identities (mint their
 * tokens, run builds as the Cloud Build service account), or change what guards the organisation:
 * create, delete or move projects, organization policies, VPC Service Controls perimeters, log sinks. Custom roles (projects/.../roles/...,
 * organizations/.../roles/...) cannot be inspected offline, so they count as privileged too.
 */
export const PRIVILEGED_ROLES =
    /^(roles\/(owner|editor|iam\.admin|iam\.devOps|iam\.[A-Za-z]*Admin|iam\.serviceAccountTokenCreator|iam\.serviceAccountOpenIdTokenCreator|iam\.serviceAccountUser|iam\.workloadIdentityUser|iam\.serviceAccountKeyAdmin|resourcemanager\.[A-Za-z]*Admin|resourcemanager\.project(Creator|Deleter|Mover)|orgpolicy\.policyAdmin|accesscontextmanager\.[A-Za-z]*Admin|logging\.configWriter|cloudbuild\.builds\.editor)|(projects|organizations)\/[^/]+\/roles\/.+)$/;

/**
 * Checks a grant's roles (privileged ones need allowBroad); returns them sorted and unique.
 * `privileged`: a binding elsewhere (reach.ts) already needed allowBroad.
 */
export function checkRoles({ fields, at }: TargetGrant<GcpGrantConfig>, gcp: GcpConfig, findings: Findings, privilegedElsewhere = false): string[] {
    let privileged = privilegedElsewhere;
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
        if (privileged) {
            findings.loosen([...at, "allowBroad"], "privileged GCP roles", fields.allowBroad);
        } else {
            findings.warn([...at, "allowBroad"], `has no effect: no privileged role is granted; remove it`);
        }
    }
    if (fields.roles.length === 0 && (fields.bindings ?? []).length === 0) {
        findings.warn(
            at,
            fields.access === "direct"
                ? `the grant's principalSets get no roles: list roles (on ${gcp.project}) or bindings`
                : `the service account gets no roles on ${gcp.project}: grant it roles on individual resources outside this map, or list roles`,
        );
    }
    return [...new Set(fields.roles)].sort(compare);
}

/** The keys GCP verifies tokens with: fetched from the issuer, or uploaded (gcp.jwksJson). */
export function checkKeys(gitlab: GitlabConfig, gcp: GcpConfig, findings: Findings): void {
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
export function checkAdoption(gcp: GcpConfig, findings: Findings): void {
    if (gcp.adopt?.pool === "external") {
        findings.warn(["gcp", "adopt", "pool"], `external: the pool ${gcp.poolId} is not managed by this stack; keep it for this provider only (pools are shared principal namespaces)`);
    } else if (gcp.adopt?.pool === "import") {
        findings.warn(["gcp", "adopt", "pool"], `import: the next pulumi up adopts the pool ${gcp.poolId} and then manages it as planned`);
    }
    if (gcp.adopt?.provider === "import") {
        findings.warn(["gcp", "adopt", "provider"], `import: the next pulumi up adopts the provider ${gcp.providerId} and rewrites its mapping and condition as planned`);
    }
}

/** GCP's write rate for workload identity resources (docs/reference.md §5.8). */
export const WIF_WRITES_PER_MINUTE = 60;

/** Service accounts against the project's quota; a large first apply against GCP's write rates. */
export function checkQuotas(gcp: GcpConfig, accounts: number, bindings: number, findings: Findings): void {
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

/** The anchors without protect. */
export function checkProtection(gcp: GcpConfig, findings: Findings): void {
    if (!gcp.protect) {
        findings.warn(["gcp", "protect"], `false: the pool and provider can be deleted by pulumi destroy or a removed section; a deleted ID cannot be reused for about 30 days and every pipeline loses GCP access at once`);
    }
}
