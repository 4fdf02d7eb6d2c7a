/**
 * Vault's part of the output contract (contract/contract.ts): where jobs log in and what a grant
 * reads, from the plan. The schemas describe the same shapes for the committed JSON Schema and
 * for reading a contract back (`gitlab-federation ci --contract`).
 */
import { z } from "zod";
import { audienceProblem } from "../../src/core/rules";
import { patternRule, schemaRule, urlRule } from "../../src/core/contract-rules";
import type { ContractCapability } from "../target";
import { ENGINES, endpoints, summaryAccess } from "./capabilities";
import { inNamespace } from "./entries";
import type { VaultPlan, VaultSummary } from "./plan-schema";
import { mountPathProblem, namespaceProblem, secretPrefixProblem } from "./rules";
import { VaultGrantSchema } from "./schema";

const strings = z.array(z.string());

/** A fresh schema per use: a shared one becomes a $ref in the JSON Schema. */
const namespace = () =>
    z
        .string()
        .optional()
        .meta({ description: "The Vault namespace of the auth method, the KV mount, the roles and policies (VAULT_NAMESPACE), from the root namespace; absent: the root namespace." });

export const VaultContractSchema = z
    .object({
        serverUrl: z.string().optional().meta({ description: "The address CI jobs reach Vault at (VAULT_SERVER_URL): vault.serverUrl, or the audience when that is a URL." }),
        namespace: namespace(),
        authPath: z.string().meta({ description: "Path of the JWT auth method (VAULT_AUTH_PATH)." }),
        audience: z.string().meta({ description: "The aud of the job's Vault ID token." }),
        kvMount: z.string().meta({ description: "Path of the KV v2 mount the grants read from." }),
        accessor: z.string().optional().meta({ description: "The auth method's accessor, once deployed; absent offline." }),
    })
    .meta({ description: "The stack's Vault JWT auth method and KV mount." });

export const VaultGrantContractSchema = z
    .object({
        roleName: z.string().meta({ description: "The grant's role (VAULT_AUTH_ROLE)." }),
        policyNames: strings,
        read: strings.meta({ description: "Secret folders under kvMount the grant reads and lists, each with everything below it." }),
        authPath: z.string().meta({ description: "The stack's authPath, repeated so one grant is enough to log in." }),
        namespace: namespace(),
        audience: z.string().meta({ description: "The aud of the job's Vault ID token." }),
        kvMount: z.string().meta({ description: "The stack's kvMount." }),
        serverUrl: z.string().optional().meta({ description: "The stack's serverUrl." }),
        tokenTtl: z.number().int().meta({ description: "Seconds." }),
        tokenMaxTtl: z.number().int().meta({ description: "Seconds." }),
        write: strings.optional().meta({ description: "Secret folders under kvMount the grant creates and updates secrets in (vault kv put -mount=<kvMount> <folder>/<name>); absent: none." }),
        kv: z
            .array(z.object({ mount: z.string(), read: strings, write: strings }))
            .optional()
            .meta({ description: "Other KV v2 mounts and the folders the grant reads (and lists) and writes there; absent: none." }),
        endpoints: z
            .array(
                z.object({
                    engine: z.enum(ENGINES),
                    path: z.string().meta({ description: "The full path to call, relative to the namespace, e.g. database/creds/app." }),
                    capability: z.enum(["read", "update"]).meta({ description: "read: vault read <path> (GET); update: vault write <path> ... (POST)." }),
                }),
            )
            .optional()
            .meta({ description: "The secrets engine endpoints the grant may call, each with the one capability its policy grants; absent: none." }),
    })
    .meta({ description: "What a grant gets from Vault." });

export function vaultContract(plan: VaultPlan): z.output<typeof VaultContractSchema> {
    return { ...(plan.serverUrl !== undefined ? { serverUrl: plan.serverUrl } : {}), ...inNamespace(plan), authPath: plan.authPath, audience: plan.audience, kvMount: plan.kvMount };
}

export function vaultGrantContract(plan: VaultPlan, summary: VaultSummary): z.output<typeof VaultGrantContractSchema> {
    return {
        roleName: summary.roleName,
        policyNames: [...summary.policyNames],
        read: [...summary.read],
        authPath: summary.authPath,
        ...inNamespace(plan),
        audience: summary.audience,
        kvMount: plan.kvMount,
        ...(plan.serverUrl !== undefined ? { serverUrl: plan.serverUrl } : {}),
        tokenTtl: summary.tokenTtl,
        tokenMaxTtl: summary.tokenMaxTtl,
        ...beyondReadsContract(summary),
    };
}

/** The contract fields of what a grant reaches beyond KV reads, present only when it does. */
function beyondReadsContract(summary: VaultSummary): Pick<z.output<typeof VaultGrantContractSchema>, "write" | "kv" | "endpoints"> {
    const access = summaryAccess(summary);
    const calls = access.engines.flatMap(endpoints).map((e) => ({ engine: e.engine, path: e.path, capability: e.capability }));
    return {
        ...(access.write.length > 0 ? { write: [...access.write] } : {}),
        ...(access.kv.length > 0 ? { kv: access.kv.map((use) => ({ mount: use.mount, read: [...use.read], write: [...use.write] })) } : {}),
        ...(calls.length > 0 ? { endpoints: calls } : {}),
    };
}

const grantFields = VaultGrantSchema.shape;

/** Vault's part of the output contract, with the map's rule for each of its strings. */
export const VAULT_CONTRACT: ContractCapability<VaultPlan, VaultSummary, typeof VaultContractSchema, typeof VaultGrantContractSchema> = {
    section: VaultContractSchema,
    grant: VaultGrantContractSchema,
    sectionOf: vaultContract,
    grantOf: vaultGrantContract,
    strings: {
        serverUrl: { rule: urlRule },
        namespace: { rule: namespaceProblem },
        authPath: { rule: mountPathProblem },
        audience: { rule: audienceProblem },
        kvMount: { rule: mountPathProblem },
        accessor: { rule: patternRule(/^[A-Za-z0-9_.-]{1,128}$/, "a Vault accessor (letters, digits, _, . and -), e.g. auth_jwt_1234abcd") },
        "grant.roleName": { rule: schemaRule(grantFields.roleName.unwrap()) },
        "grant.policyNames[]": { rule: patternRule(/^[a-z0-9_.-]{1,256}$/, "a Vault policy name as gitlab-federation names them (lowercase letters, digits, _, . and -)") },
        "grant.read[]": { rule: secretPrefixProblem },
        "grant.authPath": { rule: mountPathProblem },
        "grant.namespace": { rule: namespaceProblem },
        "grant.audience": { rule: audienceProblem },
        "grant.kvMount": { rule: mountPathProblem },
        "grant.serverUrl": { rule: urlRule },
        "grant.write[]": { rule: secretPrefixProblem },
        "grant.kv[].mount": { rule: mountPathProblem },
        "grant.kv[].read[]": { rule: secretPrefixProblem },
        "grant.kv[].write[]": { rule: secretPrefixProblem },
        "grant.endpoints[].engine": { rule: schemaRule(z.enum(ENGINES)) },
        "grant.endpoints[].path": { rule: patternRule(/^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*\/(?:creds|static-creds|sts|roleset|static-account|impersonated-account|issue|sign|encrypt|decrypt)\/\w(?:[\w.-]*\w)?(?:\/token)?$/, "a secrets engine endpoint such as database/creds/app (mount, endpoint, role or key)") },
        "grant.endpoints[].capability": { rule: schemaRule(z.enum(["read", "update"])) },
    },
    legacy: { section: ["authPath", "accessor", "audience", "kvMount"], grant: ["authPath", "roleName", "audience", "policyNames"] },
};
