/**
 * What a grant's policy grants, path by path: KV v2 folders on vault.kvMount and on other KV
 * mounts, and secrets engine endpoints named by mount and role (or key), never free paths. Each
 * path gets the one capability Vault checks for the operation the grant needs, from the engine's
 * source (cited at each engine below). Paths are relative to vault.namespace, as policies in it are.
 *
 * Vault maps an HTTP request to one operation and checks the capability of that name (hashicorp/vault
 * vault/acl.go ACL.AllowOperation: ReadOperation needs read, UpdateOperation update,
 * CreateOperation create, ListOperation list). A path whose framework.Path has an ExistenceCheck
 * sends a write of a missing object as CreateOperation, of an existing one as UpdateOperation.
 */
import type { VaultSummary } from "./plan-schema";
import type { VaultGrantConfig } from "./schema";

export type EngineUse = NonNullable<VaultGrantConfig["engines"]>[number];
export type Capability = "create" | "read" | "update" | "list";

/** Capabilities in the order a rule lists them. */
const ORDER: readonly Capability[] = ["create", "read", "update", "list"];

/** One `path` block of a policy. */
export interface Rule {
    readonly path: string;
    readonly capabilities: readonly Capability[];
}

/** Another KV v2 mount a grant reads or writes, normalised (sorted, unique). */
export interface KvUse {
    readonly mount: string;
    readonly read: readonly string[];
    readonly write: readonly string[];
}

/** What a grant reaches, checked and normalised: folders on vault.kvMount, other KV mounts, engines. */
export interface Access {
    readonly read: readonly string[];
    readonly write: readonly string[];
    readonly kv: readonly KvUse[];
    readonly engines: readonly EngineUse[];
}

export const ENGINES = ["database", "aws", "gcp", "pki", "ssh", "transit"] as const;

/** An engine endpoint a grant may call: its path, the capability, and the engine object it uses. */
export interface Endpoint {
    readonly engine: EngineUse["engine"];
    readonly path: string;
    readonly capability: "read" | "update";
    /** The role or key the endpoint uses, as Vault's configuration path names it (e.g. database/roles/app). */
    readonly object: string;
}

const read = (engine: EngineUse["engine"], path: string, object: string): Endpoint => ({ engine, path, capability: "read", object });
const update = (engine: EngineUse["engine"], path: string, object: string): Endpoint => ({ engine, path, capability: "update", object });

/** The arguments a write to an engine endpoint needs (the operation is the path's second-to-last segment). */
const WRITE_ARGS: Readonly<Record<string, string>> = {
    "pki issue": "common_name=<a name the role allows>",
    "pki sign": "csr=@request.csr",
    "ssh sign": "public_key=@id_ed25519.pub",
    "transit encrypt": 'plaintext="$(printf %s "$DATA" | base64)"',
    "transit decrypt": 'ciphertext="$CIPHERTEXT"',
};

/** The Vault CLI command a job runs to call an endpoint (VAULT_ADDR, VAULT_TOKEN and VAULT_NAMESPACE set). */
export function vaultCommand(endpoint: Pick<Endpoint, "engine" | "path" | "capability">): string {
    if (endpoint.capability === "read") {
        return `vault read -format=json ${endpoint.path}`;
    }
    const operation = endpoint.path.split("/").at(-2) ?? "";
    return `vault write -format=json ${endpoint.path} ${WRITE_ARGS[`${endpoint.engine} ${operation}`] ?? ""}`.trimEnd();
}

/** The endpoints of one engine use. */
export function endpoints(use: EngineUse): Endpoint[] {
    const m = use.mount;
    switch (use.engine) {
        // hashicorp/vault builtin/logical/database/path_creds_create.go pathCredsCreate: "creds/<name>"
        // and "static-creds/<name>" register logical.ReadOperation only.
        case "database":
            return use.static ? [read("database", `${m}/static-creds/${use.role}`, `${m}/static-roles/${use.role}`)] : [read("database", `${m}/creds/${use.role}`, `${m}/roles/${use.role}`)];
        // hashicorp/vault builtin/logical/aws path_user.go pathUser: "(creds|sts)/<name>" registers
        // ReadOperation and UpdateOperation, both pathCredsRead; read is enough.
        case "aws":
            return [read("aws", `${m}/${use.path}/${use.role}`, `${m}/roles/${use.role}`)];
        // hashicorp/vault-plugin-secrets-gcp plugin/path_role_set_secrets.go pathRoleSetSecretAccessToken
        // ("roleset/<roleset>/token"), path_static_account_secrets.go pathStaticAccountSecretAccessToken
        // and path_impersonated_account_secrets.go pathImpersonatedAccountSecretAccessToken
        // ("<prefix>/<name>/token", prefixes "static-account" and "impersonated-account": path_static_account.go
        // staticAccountPathPrefix, path_impersonated_account.go impersonatedAccountPathPrefix): ReadOperation and
        // UpdateOperation, the same callback; read is enough.
        case "gcp":
            return [read("gcp", `${m}/${use.kind}/${use.name}/token`, `${m}/${use.kind}/${use.name}`)];
        // hashicorp/vault builtin/logical/pki/path_issue_sign.go pathIssue / pathSign (buildPathIssue,
        // buildPathSign): "issue/<role>" and "sign/<role>" register UpdateOperation only.
        case "pki":
            return [update("pki", `${m}/${use.operation}/${use.role}`, `${m}/roles/${use.role}`)];
        // hashicorp/vault builtin/logical/ssh/path_sign.go pathSign: "sign/<role>" registers UpdateOperation only.
        case "ssh":
            return [update("ssh", `${m}/sign/${use.role}`, `${m}/roles/${use.role}`)];
        // hashicorp/vault builtin/logical/transit/path_encrypt.go pathEncrypt: CreateOperation and
        // UpdateOperation with pathEncryptExistenceCheck (create = upsert a missing key, so not granted:
        // encrypting with a key that does not exist is refused); path_decrypt.go pathDecrypt: UpdateOperation.
        case "transit":
            return [...new Set(use.operations)].sort().map((op) => update("transit", `${m}/${op}/${use.key}`, `${m}/keys/${use.key}`));
    }
}

/**
 * A KV v2 mount's rules. Read: data/<prefix> and below (read), metadata/<prefix>/ below (list).
 * Write: data/<prefix> and below with create and update only: KV v2's data path has an
 * ExistenceCheck (hashicorp/vault-plugin-secrets-kv path_data.go pathData, dataExistenceCheck), so a
 * new secret is a create, a new version of one an update; delete (soft delete), patch, destroy/,
 * delete/, undelete/ and metadata/ writes are not granted.
 */
function kvRules(mount: string, reads: readonly string[], writes: readonly string[]): Rule[] {
    const rules: Rule[] = [];
    for (const prefix of [...new Set([...reads, ...writes])].sort()) {
        const caps: Capability[] = [...(reads.includes(prefix) ? (["read"] as const) : []), ...(writes.includes(prefix) ? (["create", "update"] as const) : [])];
        const ordered = ORDER.filter((c) => caps.includes(c));
        rules.push({ path: `${mount}/data/${prefix}`, capabilities: ordered }, { path: `${mount}/data/${prefix}/*`, capabilities: ordered });
        if (reads.includes(prefix)) {
            rules.push({ path: `${mount}/metadata/${prefix}/*`, capabilities: ["list"] });
        }
    }
    return rules;
}

/** Every rule of a grant's policy: vault.kvMount, the other KV mounts by mount, then the engine endpoints by path. */
export function accessRules(kvMount: string, access: Access): Rule[] {
    const engineRules = access.engines
        .flatMap(endpoints)
        .map((e): Rule => ({ path: e.path, capabilities: [e.capability] }))
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const kv = [...access.kv].sort((a, b) => (a.mount < b.mount ? -1 : 1)).flatMap((use) => kvRules(use.mount, use.read, use.write));
    return [...kvRules(kvMount, access.read, access.write), ...kv, ...engineRules];
}

/** Whether a grant reaches more than KV reads on vault.kvMount (its policy then has the general header). */
export function beyondReads(access: Access): boolean {
    return access.write.length > 0 || access.kv.length > 0 || access.engines.length > 0;
}

/** Rules as policy HCL blocks. */
export function rulesHcl(rules: readonly Rule[]): string {
    return rules.map((r) => `\npath "${r.path}" {\n  capabilities = [${r.capabilities.map((c) => `"${c}"`).join(", ")}]\n}\n`).join("");
}

/** A summary's access (plan --json states only what a grant has beyond reads). */
export function summaryAccess(summary: Pick<VaultSummary, "read" | "write" | "kv" | "engines">): Access {
    return { read: summary.read, write: summary.write ?? [], kv: summary.kv ?? [], engines: summary.engines ?? [] };
}

/** What a grant may do beyond KV reads on vault.kvMount, one phrase per folder or endpoint. */
export function describeBeyondReads(kvMount: string, access: Access): string[] {
    const writes = (mount: string, list: readonly string[]) => list.map((p) => `create and update ${mount}/data/${p} and below`);
    return [
        ...writes(kvMount, access.write),
        ...access.kv.flatMap((use) => [...use.read.map((p) => `read ${use.mount}/data/${p} and below (list ${use.mount}/metadata/${p}/)`), ...writes(use.mount, use.write)]),
        ...access.engines.flatMap(endpoints).map((e) => `${e.capability} ${e.path}`),
    ];
}
