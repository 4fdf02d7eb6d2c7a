/**
 * Vault provider settings in the stack config that break the generated pipeline. Its jobs
 * configure the provider through the environment (features/pipeline.ts VAULT_LOGIN): VAULT_ADDR
 * from VAULT_SERVER_URL, VAULT_TOKEN from the job's own login, TERRAFORM_VAULT_SKIP_CHILD_TOKEN.
 * terraform-provider-vault (31447510c, which pulumi-vault bridges) reads each of them only when
 * the provider's own setting is unset (internal/provider/meta.go setClient):
 * - address: GetResourceDataStr(d, "address", "VAULT_ADDR", "") returns a non-empty setting
 *   before it looks at the environment; the same for namespace and VAULT_NAMESPACE;
 * - token: GetToken returns a non-empty setting before VAULT_TOKEN; an auth_login block
 *   (vault:authLogin, vault:authLoginJwt, ...) logs in with its own credentials and clears the
 *   token from the environment;
 * - skip_child_token: GetResourceDataBool returns any value set, before the environment.
 * So a committed `vault:address` sends the pipeline's pulumi to that address, whatever
 * VAULT_SERVER_URL says, and the others make it run as someone else, or fail. The pipeline logs
 * in to the auth method in vault.namespace (the root namespace when unset) and keeps the provider
 * at the root namespace (ci.ts VAULT_LOGIN_IN_NAMESPACE): a vault:namespace setting would send
 * every call elsewhere, and in a namespace a set_namespace_from_token other than false
 * (GetResourceDataBool(d, "set_namespace_from_token", "VAULT_SET_NAMESPACE_FROM_TOKEN", true)
 * returns any value set, before the environment) would put every resource below the token's
 * namespace again.
 */

/** A setting that overrides what the pipeline's jobs put in the environment. */
interface Override {
    readonly env: string;
    /** Whether the message may show the value (never a credential). */
    readonly shown: boolean;
    /** What the override does to the pipeline's pulumi. */
    readonly effect: string;
}

const ADDRESS: Override = { env: "VAULT_ADDR", shown: true, effect: "pulumi preview and up would call this address instead of the jobs' VAULT_SERVER_URL" };
const TOKEN: Override = { env: "VAULT_TOKEN", shown: false, effect: "pulumi would run with this token instead of the planner's or applier's (revoke it if it was ever committed)" };
const AUTH_LOGIN: Override = { env: "VAULT_TOKEN", shown: false, effect: "pulumi would log in with these credentials instead of as the planner or applier" };
const SKIP_CHILD_TOKEN: Override = {
    env: "TERRAFORM_VAULT_SKIP_CHILD_TOKEN",
    shown: true,
    effect: "a false value makes the provider create a child token, which the deployer's batch tokens cannot",
};

const SET_NAMESPACE_FROM_TOKEN: Override = {
    env: "VAULT_SET_NAMESPACE_FROM_TOKEN",
    shown: true,
    effect: "a value other than false makes the provider take the namespace of the planner's or applier's token (vault.namespace) as its own and put every resource below it, in <namespace>/<namespace>",
};

/** The override a provider setting (the key without `vault:`) is, if any; namespaced: the map has vault.namespace. */
function overrideOf(name: string, value: unknown, namespaced: boolean): Override | undefined {
    if (name.startsWith("authLogin")) {
        return AUTH_LOGIN;
    }
    if (name === "setNamespaceFromToken") {
        return namespaced && String(value) !== "false" ? SET_NAMESPACE_FROM_TOKEN : undefined;
    }
    return ({ address: ADDRESS, token: TOKEN, skipChildToken: SKIP_CHILD_TOKEN } as Readonly<Record<string, Override>>)[name];
}

/** The problem with one `vault:` setting when the map has a deployer, if any. */
function settingProblem(key: string, value: unknown, namespaced: boolean): string | undefined {
    const name = key.slice("vault:".length);
    if (name === "namespace") {
        return `${JSON.stringify(value)} sends every call of the Vault provider to this namespace (it reads VAULT_NAMESPACE only while vault:namespace is unset), but the pipeline's jobs log in to the deployer's role in vault.namespace (here unset: the root namespace) and keep the provider at the root namespace: remove it; to manage a namespace, set gitlab-federation:vault.namespace`;
    }
    const override = overrideOf(name, value, namespaced);
    if (override === undefined) {
        return undefined;
    }
    const { env } = override;
    return `${override.shown ? `${JSON.stringify(value)} ` : ""}overrides the ${env} that the pipeline's jobs set (the Vault provider reads ${env} only while ${key} is unset), so ${override.effect}: remove it: the pipeline's jobs set ${env}; for a local run export ${env}`;
}

/**
 * vault.namespace is written from the root, but the provider puts a resource's namespace below
 * its own (terraform-provider-vault internal/provider/meta.go ProviderMeta.GetNSClient:
 * <provider namespace>/<resource namespace>): with vault:namespace set too, every resource would
 * land in the two joined.
 */
function nestedNamespace(config: Readonly<Record<string, unknown>>, section: unknown): { key: string; message: string }[] {
    const provider = config["vault:namespace"];
    const own = typeof section === "object" && section !== null ? (section as { namespace?: unknown }).namespace : undefined;
    if (typeof provider !== "string" || provider === "" || typeof own !== "string") {
        return [];
    }
    return [
        {
            key: "vault:namespace",
            message: `${JSON.stringify(provider)} puts every resource below it: with vault.namespace ${JSON.stringify(own)} they would land in ${JSON.stringify(`${provider.replace(/\/+$/, "")}/${own}`)} (the provider nests a resource's namespace under its own): remove vault:namespace and keep the provider at the root namespace; vault.namespace is written from the root`,
        },
    ];
}

/** Target.providerConfigProblems of Vault: with a deployer, the settings the pipeline's environment must decide. */
export function vaultProviderConfigProblems(config: Readonly<Record<string, unknown>>, context: { readonly deployer: boolean; readonly section: unknown }): { key: string; message: string }[] {
    const nested = nestedNamespace(config, context.section);
    if (!context.deployer) {
        return nested;
    }
    const problems: { key: string; message: string }[] = [...nested];
    const namespaced = typeof context.section === "object" && context.section !== null && (context.section as { namespace?: unknown }).namespace !== undefined;
    for (const [key, value] of Object.entries(config)) {
        const message = key.startsWith("vault:") && !(key === "vault:namespace" && nested.length > 0) ? settingProblem(key, value, namespaced) : undefined;
        if (message !== undefined) {
            problems.push({ key, message });
        }
    }
    return problems;
}
