/**
 * Vault's part of a grant's CI template job. GitLab's `secrets:` keyword logs in by itself with
 * VAULT_SERVER_URL, VAULT_AUTH_PATH and VAULT_AUTH_ROLE; its default auth path is `jwt`, ours is
 * whatever the map says, so the path is always set. A job with more than one ID token must name
 * the one to log in with (`token: $VAULT_ID_TOKEN`), and a secret becomes a file unless
 * `file: false`: the example states both. In a namespace, VAULT_NAMESPACE sends both the login
 * and the secret reads there (GitLab "Use HashiCorp Vault secrets in GitLab CI/CD",
 * https://docs.gitlab.com/ci/secrets/hashicorp_vault, its CI/CD variables; added by
 * gitlab-org/gitlab!80590 "Support Vault EE namespaces"), and the Vault CLI reads the same
 * variable (https://developer.hashicorp.com/vault/docs/commands, VAULT_NAMESPACE).
 */
import type { z } from "zod";
import type { CiPiece, CiUnavailable, CiValue } from "../target";
import { vaultCommand } from "./capabilities";
import type { VaultContractSchema, VaultGrantContractSchema } from "./contract";

export const VAULT_TOKEN_VARIABLE = "VAULT_ID_TOKEN";

export function vaultCi(section: z.output<typeof VaultContractSchema>, grant: z.output<typeof VaultGrantContractSchema>, value: CiValue): CiPiece | CiUnavailable {
    const serverUrl = grant.serverUrl ?? section.serverUrl;
    if (serverUrl === undefined) {
        return {
            unavailable: `jobs need Vault's address (VAULT_SERVER_URL) and the map has none: vault.audience ${JSON.stringify(grant.audience)} is not an https URL, so set gitlab-federation:vault.serverUrl`,
        };
    }
    return {
        idToken: { variable: VAULT_TOKEN_VARIABLE, audience: value("vault_audience", grant.audience, "aud of the Vault ID token: the stack's vault.audience") },
        variables: {
            VAULT_SERVER_URL: value("vault_server_url", serverUrl, "Vault's address"),
            VAULT_AUTH_PATH: value("vault_auth_path", grant.authPath, "path of the JWT auth method for GitLab CI"),
            VAULT_AUTH_ROLE: value("vault_auth_role", grant.roleName, "the grant's Vault role"),
            ...(grant.namespace !== undefined ? { VAULT_NAMESPACE: value("vault_namespace", grant.namespace, "the Vault namespace of the auth method and the KV mount") } : {}),
        },
        beforeScript: [],
        afterScript: [],
        comments: grant.read.length > 0 ? [...readComments(grant), ...beyondReadsComments(grant)] : [...loginComments(grant), ...beyondReadsComments(grant)],
    };
}

/** The Vault CLI login in a job's script. */
function loginComments(grant: z.output<typeof VaultGrantContractSchema>): string[] {
    return [
        "Vault: log in with the Vault CLI in script:",
        `  export VAULT_ADDR="$VAULT_SERVER_URL"${grant.namespace !== undefined ? "  # the CLI also reads VAULT_NAMESPACE" : ""}`,
        `  export VAULT_TOKEN="$(vault write -field=token "auth/$VAULT_AUTH_PATH/login" role="$VAULT_AUTH_ROLE" jwt="$${VAULT_TOKEN_VARIABLE}")"`,
    ];
}

/** What a grant may call beyond KV reads, as the commands a job's script runs after logging in (capabilities.ts vaultCommand). */
function beyondReadsComments(grant: z.output<typeof VaultGrantContractSchema>): string[] {
    const writes = [...(grant.write ?? []).map((folder) => ({ mount: grant.kvMount, folder })), ...(grant.kv ?? []).flatMap((use) => use.write.map((folder) => ({ mount: use.mount, folder })))];
    const reads = (grant.kv ?? []).flatMap((use) => use.read.map((folder) => ({ mount: use.mount, folder })));
    const lines = [
        ...reads.map(({ mount, folder }) => `  vault kv get -mount=${mount} ${folder}/<secret>`),
        ...writes.map(({ mount, folder }) => `  vault kv put -mount=${mount} ${folder}/<secret> key=value  # create and update only`),
        ...(grant.endpoints ?? []).map((endpoint) => `  ${vaultCommand(endpoint)}`),
    ];
    return lines.length > 0 ? ["and, with the same login, what else the grant may call:", ...lines] : [];
}

/** The KV read of the first folder, with GitLab's secrets: keyword or the Vault CLI. */
function readComments(grant: z.output<typeof VaultGrantContractSchema>): string[] {
    const [first, ...others] = grant.read;
    return [
            "Vault: GitLab logs in with the variables above and reads a secret into a variable:",
            "secrets:",
            "  SECRET_VALUE:                    # any variable name",
            "    vault:",
            `      engine: { name: kv-v2, path: ${grant.kvMount} }`,
            `      path: ${first}${others.length > 0 ? `  # or ${others.join(", ")}, or a secret below one of them` : "  # or a secret below it"}`,
            "      field: password              # a key of that secret",
            `    token: $${VAULT_TOKEN_VARIABLE}         # which ID token logs in (needed once a job has more than one)`,
            "    file: false                    # the value itself, not the path of a file holding it",
            "or with the Vault CLI in script:",
            `  export VAULT_ADDR="$VAULT_SERVER_URL"${grant.namespace !== undefined ? "  # the CLI also reads VAULT_NAMESPACE" : ""}`,
            `  export VAULT_TOKEN="$(vault write -field=token "auth/$VAULT_AUTH_PATH/login" role="$VAULT_AUTH_ROLE" jwt="$${VAULT_TOKEN_VARIABLE}")"`,
            `  vault read -field=data ${grant.kvMount}/data/${first}`,
    ];
}

/**
 * The pipeline's own jobs log in to Vault with the job's Vault ID token, for the Pulumi provider,
 * which uses the token as it is: TERRAFORM_VAULT_SKIP_CHILD_TOKEN, since the deployer's batch
 * tokens cannot create the child token the provider would otherwise make. Needs only Node.js.
 *
 * In a namespace (vault.namespace) the login goes to the auth method there (X-Vault-Namespace:
 * $VAULT_NAMESPACE, as Vault's API client sends it: hashicorp/vault api/client.go
 * NamespaceHeaderName), and the provider then stays at the root namespace, because each resource
 * names its namespace from the root and terraform-provider-vault (31447510c) puts it below the
 * provider's own (internal/provider/meta.go ProviderMeta.GetNSClient: <provider ns>/<resource ns>):
 * - VAULT_NAMESPACE is unset before pulumi runs: setClient reads it as the provider's namespace
 *   (GetResourceDataStr(d, "namespace", "VAULT_NAMESPACE", "")), and so does api.NewClient;
 * - VAULT_SET_NAMESPACE_FROM_TOKEN=false: with no namespace set, setClient would otherwise take
 *   the token's namespace_path as the provider's (set_namespace_from_token, default true).
 * The provider's start-up lookup-self, sent to the root namespace, is answered in the token's own
 * namespace: Vault routes the -self paths there (hashicorp/vault vault/request_handling.go
 * handleCancelableRequest: "The -self paths have no meaning outside of the token NS"; OpenBao
 * internal/vault/request_handling.go the same), where the deployer's policy grants it.
 */
function login(namespaced: boolean): string {
    const headers = namespaced ? ' headers: { "X-Vault-Namespace": process.env.VAULT_NAMESPACE },' : "";
    return [
        namespaced
            ? "# Vault: log in to the auth method in $VAULT_NAMESPACE with the ID token; the provider uses the token as it is (no child token: batch tokens cannot have one) and stays at the root namespace: each resource names its namespace from the root"
            : "# Vault: log in with the ID token; the provider uses the token as it is (no child token: batch tokens cannot have one)",
        `export VAULT_ADDR="$VAULT_SERVER_URL" TERRAFORM_VAULT_SKIP_CHILD_TOKEN=true${namespaced ? " VAULT_SET_NAMESPACE_FROM_TOKEN=false" : ""}`,
        `VAULT_TOKEN="$(node -e 'fetch(process.env.VAULT_ADDR + "/v1/auth/" + process.env.VAULT_AUTH_PATH + "/login", { method: "POST",${headers} body: JSON.stringify({ role: process.env.VAULT_AUTH_ROLE, jwt: process.env.VAULT_ID_TOKEN }) }).then(async (r) => { const b = await r.json().catch(() => ({})); if (!r.ok || !b.auth) { console.error("Vault login failed (HTTP " + r.status + "): " + (b.errors || []).join("; ")); process.exit(1); } process.stdout.write(b.auth.client_token); })')"`,
        namespaced ? "export VAULT_TOKEN\nunset VAULT_NAMESPACE" : "export VAULT_TOKEN",
    ].join("\n");
}

export const VAULT_LOGIN = login(false);
export const VAULT_LOGIN_IN_NAMESPACE = login(true);

/** The pipeline's Vault login (ci capability): in the grant's namespace when it has one. */
export function vaultPipelineLogin(_section: z.output<typeof VaultContractSchema>, grant: z.output<typeof VaultGrantContractSchema>): readonly string[] {
    return [grant.namespace !== undefined ? VAULT_LOGIN_IN_NAMESPACE : VAULT_LOGIN];
}
