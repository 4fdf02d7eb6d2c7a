/** The Vault target: JWT auth for GitLab CI, a KV v2 mount, audit devices, a role and policy per grant. */
import type { Entry } from "../../core/resources";
import { Reach, defineTarget } from "../target";
import { vaultCi } from "./ci";
import { VaultContractSchema, VaultGrantContractSchema, vaultContract, vaultGrantContract } from "./contract";
import { ADMIN_ONLY, IDENTITY, REPLACE_ON } from "./lifecycle";
import { COMPONENT, RESOURCE, vaultPolicyName } from "./names";
import { vaultEvaluator } from "./evaluate";
import { planVault } from "./plan";
import { VaultPlan, VaultPlanSchema, VaultSummarySchema } from "./plan-schema";
import { vaultProviderConfigProblems } from "./provider-config";
import { renderVault } from "./render";
import { VAULT_REVIEW } from "./review";
import { VaultGrantSchema, VaultSchema } from "./schema";

/**
 * What the deployer's identities reach (deployer.ts): both read this stack's Vault configuration;
 * the applier also writes the grants' roles and policies, with any content (acknowledged in the map).
 */
function deployerReaches(plan: VaultPlan, role: "planner" | "applier"): Reach[] {
    const grants = `roles auth/${plan.authPath}/role/* and policies ${vaultPolicyName(plan.authPath, "")}*`;
    const read = { resource: `Vault configuration: auth/${plan.authPath}, ${plan.kvMount}/ mount, audit devices, ${grants}`, hierarchical: false, gives: ["read (no secret data)"] };
    return role === "applier" ? [read, { resource: `Vault ${grants}`, hierarchical: false, gives: ["write (any content: deployer.acknowledgeVaultPolicies)"] }] : [read];
}

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
    parents: {
        [RESOURCE.audit]: COMPONENT.audit,
        [RESOURCE.mount]: COMPONENT.kvMount,
        [RESOURCE.authBackend]: COMPONENT.jwtAuth,
        [RESOURCE.policy]: COMPONENT.jwtAuth,
        [RESOURCE.role]: COMPONENT.jwtAuth,
    },
    identity: IDENTITY,
    adminOnly: ADMIN_ONLY,
    access: (plan, summary) => ({
        sets: { "secret prefix": summary.read.map((prefix) => `${plan.kvMount}/${prefix}`) },
        limits: { "token TTL (s)": summary.tokenTtl, "token max TTL (s)": summary.tokenMaxTtl },
        values: {},
        names: { role: `auth/${summary.authPath}/role/${summary.roleName}` },
    }),
    reaches: (plan, summary, grant) => (grant.deployer !== undefined ? deployerReaches(plan, grant.deployer) : summary.read.map((prefix) => ({ resource: `${plan.kvMount}/${prefix}`, hierarchical: true, gives: ["read", "list below"] }))),
    render: renderVault,
    evaluator: (plan) => vaultEvaluator(plan),
    contractSchema: VaultContractSchema,
    grantContractSchema: VaultGrantContractSchema,
    contract: vaultContract,
    grantContract: vaultGrantContract,
    ci: vaultCi,
    component: () => (require("./component") as typeof import("./component")).components,
    review: VAULT_REVIEW,
    providerConfigProblems: vaultProviderConfigProblems,
});
