/**
 * The Vault part of the map: the `gitlab-federation:vault` section (auth method, KV mount, audit
 * devices, token defaults) and a grant's `vault` field (what it may read).
 */
import { z } from "zod";
import { httpsUrlProblem } from "../../src/core/rules";
import { AudienceSchema, duration, reason, ruled } from "../../src/core/schema";
import { cidrProblem, engineNameProblem, mountPathProblem, namespaceProblem, secretPrefixProblem } from "./rules";

const MountPath = ruled(mountPathProblem);
const Cidrs = z.array(ruled(cidrProblem)).min(1);

export const AuditDeviceSchema = z
    .strictObject({
        type: z.enum(["file", "syslog", "socket"]).meta({ description: "Audit device type: file, syslog or socket." }),
        path: z
            .string()
            .min(1)
            .optional()
            .meta({ description: "For type file: the log file (Vault's file_path option), or stdout / discard. Every Vault node must be able to write it." }),
        name: MountPath.optional().meta({ description: "The device's path in Vault (vault audit enable -path=...). Default: the type." }),
        description: z.string().optional().meta({ description: "Description shown by vault audit list." }),
        local: z.boolean().optional().meta({ description: "Enterprise replication: keep the device local to this cluster." }),
        options: z
            .record(z.string(), z.string())
            .optional()
            .meta({ description: "Further device options as strings (e.g. mode, format, address, facility). log_raw needs allowLogRaw; executable modes are refused." }),
        allowLogRaw: reason("Reason for writing secrets unhashed to the log (option log_raw: \"true\"). Leave unset.").optional(),
        protect: z
            .boolean()
            .default(false)
            .meta({
                description:
                    "Protect this device from deletion. Default false: every field of an audit device forces a new one, and Pulumi refuses to replace a protected resource, so a protected device cannot be edited until this is false again.",
            }),
        adopt: z
            .enum(["import"])
            .optional()
            .meta({ description: "import: the device already exists at this path; Pulumi imports it on the next pulumi up instead of enabling a second one." }),
    })
    .meta({ description: "A Vault audit device. Audit devices are registered before any role, so no CI login goes unaudited." });

export const VaultSchema = z
    .strictObject({
        authPath: MountPath.default("gitlab").meta({ description: "Path of the JWT auth method for GitLab CI. Default: gitlab. Keep it separate from any human OIDC login mount." }),
        audience: AudienceSchema.meta({ description: "The aud every Vault role requires (bound_audiences) and jobs request in id_tokens, e.g. https://vault.example.com. Must differ from the AWS and GCP audiences." }),
        namespace: ruled(namespaceProblem).optional().meta({
            description:
                "The Vault namespace (Vault Enterprise, HCP Vault Dedicated, OpenBao) the auth method, KV mount, roles and policies live in, from the root namespace, e.g. admin/team-a (HCP Vault Dedicated: admin or below). Mounts and policy paths are relative to it; CI jobs get VAULT_NAMESPACE. Audit devices stay in the root namespace. Unset: the root namespace.",
        }),
        serverUrl: ruled((v) => httpsUrlProblem(v, "jobs reach Vault at this address (VAULT_SERVER_URL)", "CI jobs send their ID tokens and receive Vault tokens over it")).optional().meta({
            description:
                "The address CI jobs reach Vault at (GitLab's VAULT_SERVER_URL), published in the stack output contract and used by gitlab-federation ci. Default: the audience, when that is an https URL.",
        }),
        kvMount: MountPath.default("secret").meta({ description: "Path of the KV v2 secrets engine the grants read from; created and protected from deletion. Default: secret." }),
        description: z.string().optional().meta({ description: "Description of the auth method." }),
        audit: z.array(AuditDeviceSchema).default([]).meta({ description: "Audit devices to enable." }),
        tokenTtl: duration("Default TTL of the Vault tokens CI jobs get. Default: 5m.").default("5m"),
        tokenMaxTtl: duration("Default maximum TTL of those tokens (also their explicit max TTL). Default: 10m.").default("10m"),
        ttlCap: duration("Guardrail: no grant may set tokenTtl or tokenMaxTtl above this; also the auth mount's max lease TTL. Default: 1h.").default("1h"),
        tokenType: z.enum(["batch", "service"]).default("batch").meta({ description: "Token type: batch (default; light, not renewable) or service." }),
        tokenBoundCidrs: Cidrs.optional().meta({ description: "Only allow logins and token use from these CIDR blocks (e.g. your runners)." }),
        protect: z.boolean().default(true).meta({ description: "Protect the auth method and the KV mount from deletion (default true). Deleting the mount destroys every secret in it." }),
        defaultPolicy: z
            .boolean()
            .default(false)
            .meta({ description: "Also attach Vault's default policy to CI tokens. Default false (token_no_default_policy): a token carries its grant's policy only." }),
        adopt: z
            .strictObject({
                authMethod: z
                    .enum(["import", "external"])
                    .optional()
                    .meta({ description: "import: the JWT auth method exists at authPath; adopt it on the next pulumi up (then configured as planned). external: leave it unmanaged and only add roles to it." }),
                kvMount: z
                    .enum(["import", "external"])
                    .optional()
                    .meta({ description: "import: the KV v2 mount exists at kvMount (with its data); adopt it. external: leave it unmanaged; policies still name it." }),
            })
            .optional()
            .meta({ description: "Shared trust anchors that already exist (e.g. a hand-made auth/jwt or secret/): adopt them instead of creating them. Default: created by this stack." }),
        auditManagedElsewhere: reason("Reason this stack enables no audit device (e.g. devices are managed by the Vault team): silences the warning about an empty audit list.").optional(),
    })
    .meta({ description: "Vault: JWT auth for GitLab CI and the KV v2 mount the grants read." });

const Prefixes = () => z.array(ruled(secretPrefixProblem)).min(1);
const EngineName = ruled(engineNameProblem);
const engineMount = (engine: string) =>
    MountPath.default(engine).meta({ description: `Path of the ${engine} secrets engine, relative to vault.namespace. Default: ${engine}. Only referenced: this stack neither creates nor configures it.` });

/**
 * A secrets engine a grant uses, by its mount and a role (or key) name: never a free path. The
 * policy path and capability of each come from the engine's source (capabilities.ts).
 */
export const EngineUseSchema = z
    .discriminatedUnion("engine", [
        z.strictObject({
            engine: z.literal("database"),
            mount: engineMount("database"),
            role: EngineName.meta({ description: "The database role: read <mount>/creds/<role> (dynamic credentials) or, with static: true, <mount>/static-creds/<role>." }),
            static: z.boolean().default(false).meta({ description: "A static role (static-creds/<role>) instead of a dynamic one (creds/<role>). Default false." }),
        }),
        z.strictObject({
            engine: z.literal("aws"),
            mount: engineMount("aws"),
            role: EngineName.meta({ description: "The AWS secrets engine role: read <mount>/creds/<role> or <mount>/sts/<role>." }),
            path: z.enum(["creds", "sts"]).default("creds").meta({ description: "creds (default) or sts: which of the role's credential endpoints the grant reads." }),
        }),
        z.strictObject({
            engine: z.literal("gcp"),
            mount: engineMount("gcp"),
            kind: z.enum(["roleset", "static-account", "impersonated-account"]).default("roleset").meta({ description: "What name names: a roleset (default), a static account or an impersonated account; the grant reads its OAuth2 access token, <mount>/<kind>/<name>/token." }),
            name: EngineName.meta({ description: "The roleset's or account's name." }),
        }),
        z.strictObject({
            engine: z.literal("pki"),
            mount: engineMount("pki"),
            role: EngineName.meta({ description: "The PKI role: update <mount>/issue/<role> (Vault makes the key) or <mount>/sign/<role> (the job sends a CSR)." }),
            operation: z.enum(["issue", "sign"]).default("issue").meta({ description: "issue (default) or sign." }),
        }),
        z.strictObject({
            engine: z.literal("ssh"),
            mount: engineMount("ssh"),
            role: EngineName.meta({ description: "The SSH CA role: update <mount>/sign/<role> to have a public key signed." }),
        }),
        z.strictObject({
            engine: z.literal("transit"),
            mount: engineMount("transit"),
            key: EngineName.meta({ description: "The transit key: update <mount>/encrypt/<key> and/or <mount>/decrypt/<key>." }),
            operations: z.array(z.enum(["encrypt", "decrypt"])).min(1).meta({ description: "The operations the grant may use with the key, listed explicitly: encrypt, decrypt." }),
        }),
    ])
    .meta({ description: "A secrets engine the grant uses: engine (database, aws, gcp, pki, ssh, transit), its mount, and the role or key; the policy grants that one endpoint with the one capability Vault checks for it." });

export const KvMountUseSchema = z
    .strictObject({
        mount: MountPath.meta({ description: "Path of another KV v2 mount (not vault.kvMount), relative to vault.namespace. Only referenced: this stack neither creates nor configures it; it must be a KV v2 mount." }),
        read: Prefixes().optional().meta({ description: "Secret folders under this mount the grant may read and list. Each covers itself and everything below it." }),
        write: Prefixes().optional().meta({ description: "Secret folders under this mount the grant may write (create and update, nothing else); needs allowWrite." }),
    })
    .meta({ description: "Access to another KV v2 mount." });

export const VaultGrantSchema = z
    .strictObject({
        read: Prefixes().optional().meta({
            description: "Secret folders under the KV mount this grant may read and list, e.g. [platform/api/production]. Each covers itself and everything below it.",
        }),
        write: Prefixes().optional().meta({
            description:
                "Secret folders under the KV mount this grant may write: create and update secrets at and below each (<mount>/data/), nothing else (no delete, destroy, patch or metadata write). Needs allowWrite.",
        }),
        kv: z.array(KvMountUseSchema).min(1).optional().meta({ description: "Read and write on other KV v2 mounts, each named once." }),
        engines: z.array(EngineUseSchema).min(1).optional().meta({ description: "Secrets engines the grant uses (database, aws, gcp, pki, ssh, transit)." }),
        allowWrite: reason("Reason CI jobs of this grant may write secrets (write, kv[].write): a job can then overwrite what other jobs read.").optional(),
        roleName: z
            .string()
            .regex(/^[a-z0-9](?:[a-z0-9_.-]{0,126}[a-z0-9])?$/, { error: (i) => `must be 1-128 lowercase letters, digits, "_", "-" and ".", starting and ending with a letter or digit, got ${JSON.stringify(i.input)}` })
            .optional()
            .meta({ description: "Vault role name. Default: <project path with / as ->--<grant>." }),
        tokenTtl: duration("TTL of this grant's tokens. Default: vault.tokenTtl.").optional(),
        tokenMaxTtl: duration("Maximum TTL of this grant's tokens. Default: vault.tokenMaxTtl.").optional(),
        tokenType: z.enum(["batch", "service"]).optional().meta({ description: "Token type for this grant. Default: vault.tokenType." }),
        tokenBoundCidrs: Cidrs.optional().meta({ description: "CIDR blocks for this grant. Default: vault.tokenBoundCidrs." }),
        allowUnprotectedOverlap: reason(
            "Reason this unprotected grant may read (or write) secrets that a protected grant also reads or writes, or use an engine role or key a protected grant uses (otherwise refused: any branch could reach them).",
        ).optional(),
        allowOutsideProject: reason(
            "Reason this grant may reach secrets outside its own project's folder <project path>/ (on any KV mount), or use an engine role or key that a grant of another project already uses (shared credentials); otherwise refused.",
        ).optional(),
    })
    .meta({ description: "Vault access: a role on the JWT auth method and a policy granting exactly the listed KV folders and engine endpoints (at least one)." });

export type VaultConfig = z.output<typeof VaultSchema>;
export type VaultGrantConfig = z.output<typeof VaultGrantSchema>;
export type AuditDeviceConfig = z.output<typeof AuditDeviceSchema>;

/** The deployer's Vault settings (`gitlab-federation:deployer.vault`). */
export const VaultDeployerSchema = z
    .strictObject({
        tokenTtl: duration("How long the deployer's Vault tokens live: long enough for one pulumi up. Default: 30m (within vault.ttlCap).").default("30m"),
        acknowledgePolicies: reason(
            "Why it is acceptable that the applier writes the grants' Vault policies and roles, whose content Vault cannot bound: a policy may grant any path, a role may admit any pipeline, the applier's own included (e.g. every map change is reviewed and the applier job runs only reviewed code on a protected branch in a protected environment).",
        ).optional(),
    })
    .meta({ description: "The deployer's Vault settings: its token TTL and the acknowledgement that it writes policies." });

export type VaultDeployerConfig = z.output<typeof VaultDeployerSchema>;
