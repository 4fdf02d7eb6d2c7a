/**
 * The pure plan layer's entry points: raw map → validated plan, or every problem.
 * No `@pulumi/*` imports anywhere under plan/: the offline CLI, the Pulumi program and the tests
 * share this code.
 */
import { planAws } from "./aws";
import { planGcp } from "./gcp";
import { ResolvedGrant, resolveGrants } from "./model";
import { parseMap } from "./parse";
import { Findings, MapValidationError, Problem, Warning, sortFindings } from "./problems";
import { planVault } from "./vault";
import type { GrantSummary, Plan } from "./types";

export { MapValidationError } from "./problems";
export type { Problem, Warning } from "./problems";
export * from "./types";

export interface CheckResult {
    /** Every problem, sorted by path; empty when the map is valid. */
    readonly problems: readonly Problem[];
    /** Every warning, sorted by path. */
    readonly warnings: readonly Warning[];
    /** The plan, when there are no problems. */
    readonly plan?: Plan;
}

const TARGETS = ["vault", "aws", "gcp"] as const;

const SECTION_HINT: Record<(typeof TARGETS)[number], string> = {
    vault: "authPath, audience, kvMount",
    aws: "audience, accountId",
    gcp: "project, projectNumber, poolId, providerId",
};

/**
 * Validates the map and, if it is valid, plans it. `raw` maps the config keys without the
 * `gitlab-federation:` namespace (gitlab, vault, aws, gcp, projects) to their values.
 */
export function checkMap(raw: Readonly<Record<string, unknown>>): CheckResult {
    const findings = new Findings();
    const parsed = parseMap(raw, findings);
    const grants = resolveGrants(parsed, findings);

    for (const grant of grants) {
        for (const target of TARGETS) {
            if (grant.config[target] !== undefined && !parsed.present.has(target)) {
                findings.problem(
                    [...grant.path, target],
                    `needs the gitlab-federation:${target} section, which the stack config does not have: add it (${SECTION_HINT[target]}) or remove ${target} from this grant`,
                );
            }
        }
        if (!grant.protected) {
            findings.warn([...grant.path, "protected"], `false: pipelines on any matching ref, protected or not (any developer's push), get this grant's access`);
        }
    }

    const gitlab = parsed.gitlab;
    const vault = parsed.vault ? planVault(gitlab, parsed.vault, grants, findings) : undefined;
    const aws = parsed.aws ? planAws(gitlab, parsed.aws, grants, findings) : undefined;
    const gcp = parsed.gcp ? planGcp(gitlab, parsed.gcp, grants, findings) : undefined;

    const audiences: [string, string | undefined][] = [
        ["vault.audience", parsed.vault?.audience],
        ["aws.audience", aws?.plan.audience],
        ["gcp.audience", gcp?.plan.audience],
    ];
    audiences.forEach(([path, audience], index) => {
        const earlier = audiences.slice(0, index).find(([, other]) => other !== undefined && other === audience);
        if (audience !== undefined && earlier !== undefined) {
            findings.problem(path, `${JSON.stringify(audience)} is also ${earlier[0]}: a token a job requests for one target would be accepted by the other; give each target its own audience`);
        }
    });

    const problems = sortFindings(findings.problems);
    const warnings = sortFindings(findings.warnings);
    if (problems.length > 0) {
        return { problems, warnings };
    }
    const summaries: GrantSummary[] = grants.map((g: ResolvedGrant) => {
        const v = vault?.grants[g.index];
        const a = aws?.grants[g.index];
        const c = gcp?.grants[g.index];
        return {
            project: g.project,
            projectId: g.projectId,
            grant: g.grant,
            ...(g.description !== undefined ? { description: g.description } : {}),
            conditions: {
                ref: g.refs,
                refType: g.refType,
                protected: g.protected,
                ...(g.environment !== undefined ? { environment: g.environment } : {}),
            },
            ...(v && parsed.vault
                ? {
                      vault: {
                          authPath: parsed.vault.authPath,
                          roleName: v.roleName,
                          policyNames: [v.policyName],
                          audience: parsed.vault.audience,
                          read: v.read,
                          tokenTtl: v.tokenTtl,
                          tokenMaxTtl: v.tokenMaxTtl,
                          enforcement: v.enforcement,
                      },
                  }
                : {}),
            ...(a ? { aws: a } : {}),
            ...(c ? { gcp: c } : {}),
        };
    });
    const plan: Plan = {
        version: 1,
        gitlab: { url: gitlab.url },
        ...(vault ? { vault: vault.plan } : {}),
        ...(aws ? { aws: aws.plan } : {}),
        ...(gcp ? { gcp: gcp.plan } : {}),
        grants: summaries,
        warnings,
    };
    return { problems, warnings, plan };
}

/** The plan of a valid map; throws MapValidationError listing every problem otherwise. */
export function planMap(raw: Readonly<Record<string, unknown>>): Plan {
    const result = checkMap(raw);
    if (result.plan === undefined) {
        throw new MapValidationError(result.problems);
    }
    return result.plan;
}
