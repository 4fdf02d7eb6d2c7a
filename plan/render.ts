/**
 * The plan as text for people: what each grant gives, per target, and the warnings.
 */
import { formatDuration } from "./duration";
import { describeConditions } from "./model";
import type { Plan } from "./types";

/** Left-aligned columns, two spaces apart; trailing spaces trimmed. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
    return [line(header), ...rows.map(line)].join("\n");
}

function count(n: number, word: string): string {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function renderPlan(plan: Plan): string {
    const projects = new Set(plan.grants.map((g) => g.project)).size;
    const per = (key: "vault" | "aws" | "gcp") => plan.grants.filter((g) => g[key] !== undefined).length;
    const out: string[] = [
        `gitlab-federation plan for ${plan.gitlab.url}: ${count(projects, "project")}, ${count(plan.grants.length, "grant")} (Vault ${per("vault")}, AWS ${per("aws")}, GCP ${per("gcp")})`,
    ];
    const conditions = (g: Plan["grants"][number]) => describeConditions({ refs: g.conditions.ref, ...g.conditions });

    if (plan.vault !== undefined) {
        const { authBackend, mounts, audits } = plan.vault;
        out.push(
            "",
            `Vault: auth method ${authBackend.path} (issuer ${authBackend.boundIssuer}), audience ${plan.vault.audience}, KV v2 mount ${mounts[0]?.path}, audit ${audits.map((a) => `${a.type}:${a.path}`).join(", ") || "none"}`,
            table(
                ["PROJECT", "ID", "GRANT", "CONDITIONS", "ROLE", "SECRETS (read + list below)", "TTL / MAX"],
                plan.grants.flatMap((g) =>
                    g.vault ? [[g.project, g.projectId, g.grant, conditions(g), g.vault.roleName, g.vault.read.join(", "), `${formatDuration(g.vault.tokenTtl)} / ${formatDuration(g.vault.tokenMaxTtl)}`]] : [],
                ),
            ),
        );
    }
    if (plan.aws !== undefined) {
        out.push(
            "",
            `AWS: OIDC provider ${plan.aws.providerArn}${plan.aws.oidcProviders.length === 0 ? " (existing, not managed here)" : ""}, audience ${plan.aws.audience}`,
            table(
                ["PROJECT", "GRANT", "ROLE", "SUB", "NOT CHECKED BY AWS"],
                plan.grants.flatMap((g) => (g.aws ? [[g.project, g.grant, g.aws.roleName, g.aws.subjects.join(" | "), g.aws.enforcement.notEnforced.join(", ")]] : [])),
            ),
        );
    }
    if (plan.gcp !== undefined) {
        const roles = new Map(plan.grants.map((g) => [g, g.gcp?.roles.join(", ") || "-"]));
        out.push(
            "",
            `GCP: provider ${plan.gcp.providerResourceName}, audience ${plan.gcp.audience}`,
            table(
                ["PROJECT", "GRANT", "CONDITIONS", "SERVICE ACCOUNT", "ROLES ON PROJECT"],
                plan.grants.flatMap((g) => (g.gcp ? [[g.project, g.grant, conditions(g), g.gcp.email, roles.get(g)!]] : [])),
            ),
        );
    }
    if (plan.warnings.length > 0) {
        out.push("", `Warnings (${plan.warnings.length}):`, ...plan.warnings.map((w) => `  ${w.path}: ${w.message}`));
    }
    return `${out.join("\n")}\n`;
}
