/** Vault's block of the human plan. */
import { formatDuration } from "../../core/duration";
import { describeConditions } from "../../core/model";
import type { GrantIdentity, RenderedSection } from "../target";
import type { VaultAuditEntry, VaultPlan, VaultSummary } from "./plan-schema";

/** An audit device as configured: its type, its path when that is not the type, and where it writes. */
export function describeAudit(device: VaultAuditEntry): string {
    const target = device.options.file_path ?? device.options.address;
    return `${device.type}${device.path !== device.type ? ` "${device.path}"` : ""}${target !== undefined ? ` ${target}` : ""}`;
}

export function renderVault(plan: VaultPlan, grants: readonly (GrantIdentity & { readonly summary: VaultSummary })[]): RenderedSection {
    const { authBackend, mounts, audits } = plan;
    return {
        heading: `Vault: auth method ${authBackend.path} (issuer ${authBackend.boundIssuer}), audience ${plan.audience}, KV v2 mount ${mounts[0]?.path}, audit ${audits.map(describeAudit).join(", ") || "none"}`,
        header: ["PROJECT", "ID", "GRANT", "CONDITIONS", "ROLE", "SECRETS (read + list below)", "TTL / MAX"],
        rows: grants.map((g) => [
            g.project,
            g.projectId,
            g.grant,
            describeConditions({ refs: g.conditions.ref, ...g.conditions }),
            g.summary.roleName,
            g.summary.read.join(", "),
            `${formatDuration(g.summary.tokenTtl)} / ${formatDuration(g.summary.tokenMaxTtl)}`,
        ]),
    };
}
