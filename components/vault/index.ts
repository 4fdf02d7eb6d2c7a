/** The Vault target: JWT auth for GitLab CI, a KV v2 mount, audit devices, a role and policy per grant. */
import { Reach, defineTarget } from "../target";
import { vaultCi, vaultPipelineLogin } from "./ci";
import { VAULT_CONTRACT } from "./contract";
import { VAULT_DEPLOYER } from "./deployer";
import { vaultPolicyName } from "./names";
import { vaultEvaluator } from "./evaluate";
import { planVault } from "./plan";
import { VaultPlan, VaultPlanSchema, VaultSummary, VaultSummarySchema } from "./plan-schema";
import { endpoints, summaryAccess } from "./capabilities";
import { VAULT_RESOURCES } from "./resources";
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
    return role === "applier" ? [read, { resource: `Vault ${grants}`, hierarchical: false, gives: ["write (any content: deployer.vault.acknowledgePolicies)"] }] : [read];
}

/**
 * A path as Vault names it from the root namespace: "<namespace>/<path>" in a namespace (a fully
 * qualified path reaches the same object as the path with X-Vault-Namespace:
 * https://developer.hashicorp.com/vault/docs/enterprise/namespaces, "Usage").
 */
function qualified(plan: VaultPlan, path: string): string {
    return plan.namespace !== undefined ? `${plan.namespace}/${path}` : path;
}

/** The folders a grant writes and reads on other mounts, with their mount: `kv write <path>`, `kv read <path>`. */
function kvPaths(plan: VaultPlan, summary: VaultSummary): { verb: "read" | "write"; path: string }[] {
    const access = summaryAccess(summary);
    return [
        ...access.write.map((p) => ({ verb: "write" as const, path: qualified(plan, `${plan.kvMount}/${p}`) })),
        ...access.kv.flatMap((use) => [...use.read.map((p) => ({ verb: "read" as const, path: qualified(plan, `${use.mount}/${p}`) })), ...use.write.map((p) => ({ verb: "write" as const, path: qualified(plan, `${use.mount}/${p}`) }))]),
    ];
}

/** Access sets beyond reads on kvMount, present only when not empty (plans of read-only grants compare as before). */
function beyondSets(plan: VaultPlan, summary: VaultSummary): Record<string, string[]> {
    const kv = kvPaths(plan, summary);
    const sets: Record<string, string[]> = {
        "secret write prefix": kv.filter((k) => k.verb === "write").map((k) => k.path),
        "secret prefix (other KV mount)": kv.filter((k) => k.verb === "read").map((k) => k.path),
        "engine endpoint": summaryAccess(summary).engines.flatMap(endpoints).map((e) => `${e.capability} ${qualified(plan, e.path)}`),
    };
    return Object.fromEntries(Object.entries(sets).filter(([, values]) => values.length > 0));
}

function beyondReaches(plan: VaultPlan, summary: VaultSummary): Reach[] {
    return [
        ...kvPaths(plan, summary).map((k) => ({ resource: k.path, hierarchical: true, gives: k.verb === "read" ? ["read", "list below"] : ["create", "update"] })),
        ...summaryAccess(summary).engines.flatMap(endpoints).map((e) => ({ resource: qualified(plan, e.path), hierarchical: false, gives: [e.capability] })),
    ];
}

export const vault = defineTarget({
    key: "vault",
    title: "Vault",
    map: { section: VaultSchema, grant: VaultGrantSchema, sectionHint: "authPath, audience, kvMount", grantHint: "vault (read)" },
    planSchema: VaultPlanSchema,
    summarySchema: VaultSummarySchema,
    plan: planVault,
    resources: VAULT_RESOURCES,
    evaluator: (plan) => vaultEvaluator(plan),
    component: () => (require("./component") as typeof import("./component")).components,
    review: {
        access: (plan, summary) => ({
            sets: { "secret prefix": summary.read.map((prefix) => qualified(plan, `${plan.kvMount}/${prefix}`)), ...beyondSets(plan, summary) },
            limits: { "token TTL (s)": summary.tokenTtl, "token max TTL (s)": summary.tokenMaxTtl },
            values: {},
            names: { role: qualified(plan, `auth/${summary.authPath}/role/${summary.roleName}`) },
        }),
        reaches: (plan, summary, grant) =>
            grant.deployer !== undefined
                ? deployerReaches(plan, grant.deployer)
                : [
                      ...summary.read.map((prefix) => ({ resource: qualified(plan, `${plan.kvMount}/${prefix}`), hierarchical: true, gives: ["read", "list below"] })),
                      ...beyondReaches(plan, summary),
                  ],
        render: renderVault,
        fields: VAULT_REVIEW,
    },
    contract: VAULT_CONTRACT,
    ci: { job: vaultCi, pipelineLogin: vaultPipelineLogin },
    deployer: VAULT_DEPLOYER,
    providerConfigProblems: vaultProviderConfigProblems,
});
