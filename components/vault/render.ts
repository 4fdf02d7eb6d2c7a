/** Vault's block of the human plan. */
import { formatDuration } from "../../src/core/duration";
import { describeBeyondReads, summaryAccess } from "./capabilities";
import { IDENTITY_HEADER, identityCells } from "../render";
import type { GrantIdentity, RenderedSection } from "../target";
import type { VaultAuditEntry, VaultPlan, VaultSummary } from "./plan-schema";

/** An audit device as configured: its type, its path when that is not the type, and where it writes. */
export function describeAudit(device: VaultAuditEntry): string {
    const target = device.options.file_path ?? device.options.address;
    return `${device.type}${device.path !== device.type ? ` "${device.path}"` : ""}${target !== undefined ? ` ${target}` : ""}`;
}

export function renderVault(plan: VaultPlan, grants: readonly (GrantIdentity & { readonly summary: VaultSummary })[]): RenderedSection {
    const { authBackend, audits } = plan;
    const adopted = (how: string) => (how === "create" ? "" : ` (${how === "import" ? "imported" : "external"})`);
    const auth = `auth method ${plan.authPath}${adopted(plan.adopt.authMethod)}${authBackend !== undefined ? ` (issuer ${authBackend.boundIssuer})` : ""}`;
    return {
        heading: `Vault: ${plan.namespace !== undefined ? `namespace ${plan.namespace}, ` : ""}${auth}, audience ${plan.audience}, KV v2 mount ${plan.kvMount}${adopted(plan.adopt.kvMount)}, audit ${audits.map(describeAudit).join(", ") || "none"}`,
        header: [...IDENTITY_HEADER, "ROLE", "SECRETS (read + list below)", "TTL / MAX"],
        rows: grants.map((g) => [
            ...identityCells(g),
            g.summary.roleName,
            g.deployer !== undefined ? `none (deployer ${g.deployer})` : [g.summary.read.join(", "), ...describeBeyondReads(plan.kvMount, summaryAccess(g.summary))].filter((part) => part !== "").join("; "),
            `${formatDuration(g.summary.tokenTtl)} / ${formatDuration(g.summary.tokenMaxTtl)}`,
        ]),
    };
}
