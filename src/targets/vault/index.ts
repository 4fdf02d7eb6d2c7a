/** The Vault target: JWT auth for GitLab CI, a KV v2 mount, audit devices, a role and policy per grant. */
import type { Entry } from "../../core/resources";
import { defineTarget } from "../target";
import { IDENTITY, REPLACE_ON } from "./lifecycle";
import { vaultEvaluator } from "./evaluate";
import { planVault } from "./plan";
import { VaultPlanSchema, VaultSummarySchema } from "./plan-schema";
import { renderVault } from "./render";
import { VaultGrantSchema, VaultSchema } from "./schema";

export const vault = defineTarget({
    key: "vault",
    title: "Vault",
    grantHint: "vault (read)",
    sectionHint: "authPath, audience, kvMount",
    sectionSchema: VaultSchema,
    grantSchema: VaultGrantSchema,
    planSchema: VaultPlanSchema,
    summarySchema: VaultSummarySchema,
    plan: planVault,
    resources: (plan): Entry[] => [...plan.audits, ...plan.mounts, ...(plan.authBackend !== undefined ? [plan.authBackend] : []), ...plan.policies, ...plan.roles],
    informational: {},
    replaceOn: REPLACE_ON,
    identity: IDENTITY,
    render: renderVault,
    evaluator: (plan) => vaultEvaluator(plan),
    component: () => (require("./component") as typeof import("./component")).components,
});
