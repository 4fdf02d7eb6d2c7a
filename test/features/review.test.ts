/**
 * diff's review of map fields: every field of the map schema has a class (trust, access, hazard,
 * cosmetic, derived); each class's changes give exact lines and exit codes.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { dump } from "js-yaml";
import { z } from "zod";
import { main } from "../../src/cli/main";
import { processIo } from "../../src/cli/io";
import { defOf, unwrap } from "../../src/core/parse";
import type { ReviewRule } from "../../src/core/review";
import { mapSchema } from "../../src/features/map-schema";
const MapSchema = mapSchema() as import("zod").ZodObject;
import { fieldChanges, reviewTable } from "../../src/features/review";
import { directoryWith } from "../helpers/cli";
import { clone, devMap } from "../helpers/maps";

type Json = Record<string, any>;
const DEV = devMap() as Json;

/** The object schema a field holds (itself, or an option of a union), if any. */
function objectOf(schema: z.ZodType): z.ZodType | undefined {
    const inner = unwrap(schema);
    const def = defOf(inner);
    return def.type === "object" ? inner : def.type === "union" ? def.options!.map(objectOf).find((o) => o !== undefined) : undefined;
}

/**
 * Every leaf field of a schema as a path pattern: objects are walked by key, mappings and lists
 * of objects by `*`; anything else (strings, lists of strings, string maps) is a leaf.
 */
function leaves(schema: z.ZodType, path: readonly string[] = []): string[] {
    const object = objectOf(schema);
    if (object !== undefined) {
        return Object.entries(defOf(object).shape!).flatMap(([key, field]) => leaves(field, [...path, key]));
    }
    const def = defOf(unwrap(schema));
    const element = def.type === "record" ? def.valueType : def.type === "array" ? def.element : undefined;
    return element !== undefined && objectOf(element) !== undefined ? leaves(element, [...path, "*"]) : [path.join(".")];
}

/** The leaf fields no review classifies. */
function unclassified(schema: z.ZodType): string[] {
    const { fields } = reviewTable();
    return leaves(schema).filter((path) => !fields.has(path));
}

/** The map as a stack file. */
function stackText(map: Json): string {
    return dump({ config: Object.fromEntries(Object.entries(map).map(([key, value]) => [`gitlab-federation:${key}`, value])) }, { lineWidth: -1 });
}

/** `gitlab-federation diff` in this process, on two maps written as stack files. */
async function diff(base: Json | undefined, head: Json, format = "text"): Promise<{ status: number; stdout: string; stderr: string }> {
    const directory = directoryWith({ ...(base !== undefined ? { "base.yaml": stackText(base) } : {}), "head.yaml": stackText(head) });
    let [stdout, stderr] = ["", ""];
    const io = { ...processIo(), stdout: (t: string) => (stdout += t), stderr: (t: string) => (stderr += t), isTTY: false, env: {} };
    const status = await main(["diff", "-C", directory, "--base", "base.yaml", "--head", "head.yaml", "--format", format], io);
    // Labels name the files as given: relative to the temporary directory.
    return { status, stdout: stdout.split(`${directory}/`).join(""), stderr };
}

/** The lines of a text report that are field changes, and the verdict's count of them. */
function fieldLines(stdout: string): string[] {
    const lines = stdout.split("\n");
    const counts = /; map fields: [^;]*/.exec(lines[0] ?? "")?.[0] ?? "; map fields: none";
    return [counts.slice(2), ...lines.filter((l) => /^ {2}(?:(?:widened|narrowed) +)?gitlab-federation:/.test(l)).map((l) => l.trim())];
}

interface Case {
    readonly name: string;
    readonly base?: (map: Json) => void;
    readonly head: (map: Json) => void;
    readonly lines: readonly string[];
    readonly exit: number;
}

const CA_PEM = "-----BEGIN CERTIFICATE-----";
const api = (map: Json) => map.projects["platform/api"];
const JWK = { kty: "RSA", kid: "gitlab-1", e: "AQAB", n: "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw" };
const JWK_2 = { ...JWK, kid: "gitlab-2" };
const jwks = (...keys: Json[]) => JSON.stringify({ keys });
const TWO_DEVICES = [
    { type: "file", path: "/var/log/vault/audit.log" },
    { type: "syslog", name: "syslog", options: { tag: "vault" } },
];

/** For each class, example changes from the committed dev map, with the exact field lines and exit code (README: What diff reports). */
const CASES: readonly Case[] = [
    // trust
    { name: "gitlab.url changed", head: (m) => (m.gitlab.url = "https://gitlab.example.net"), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:gitlab.url: \"https://gitlab.example.com\" -> \"https://gitlab.example.net\": every target trusts the ID tokens https://gitlab.example.net issues (Vault's bound_issuer and default key URL, the AWS OIDC provider's URL, the GCP provider's issuer)",
        ], exit: 5 },
    { name: "jwksUrl on another host", head: (m) => (m.gitlab.jwksUrl = "https://keys.example.net/jwks"), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:gitlab.jwksUrl: nothing -> \"https://keys.example.net/jwks\": Vault fetches the keys that prove a token came from GitLab from https://keys.example.net (was https://gitlab.example.com): whoever controls that host can sign tokens Vault accepts",
        ], exit: 5 },
    { name: "jwksUrl on the issuer's host", head: (m) => (m.gitlab.jwksUrl = "https://gitlab.example.com/-/jwks"), lines: [
            "map fields: none",
        ], exit: 4 },
    { name: "oidcDiscoveryUrl on another host", head: (m) => (m.gitlab.oidcDiscoveryUrl = "https://sso.example.net"), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:gitlab.oidcDiscoveryUrl: nothing -> \"https://sso.example.net\": Vault fetches the keys that prove a token came from GitLab from https://sso.example.net (was https://gitlab.example.com): whoever controls that host can sign tokens Vault accepts",
        ], exit: 5 },
    { name: "caPem added (GCP then needs the keys uploaded)", base: (m) => (m.gcp.jwksJson = jwks(JWK)), head: (m) => (m.gitlab.caPem = CA_PEM), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:gitlab.caPem: added: Vault accepts the key host's TLS certificate from this bundle's CAs only, instead of the system's: whoever holds one of their keys can serve keys Vault trusts (review it: a change cannot be ranked)",
        ], exit: 5 },
    { name: "tokenBoundCidrs removed", base: (m) => (m.vault.tokenBoundCidrs = ["10.0.0.0/8"]), head: (m) => delete m.vault.tokenBoundCidrs, lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:vault.tokenBoundCidrs: removed (was 10.0.0.0/8): logins and token use from any address",
        ], exit: 5 },
    { name: "tokenBoundCidrs widened", base: (m) => (m.vault.tokenBoundCidrs = ["10.0.0.0/8"]), head: (m) => (m.vault.tokenBoundCidrs = ["10.0.0.0/8", "192.168.0.0/16"]), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:vault.tokenBoundCidrs: admits 192.168.0.0/16 (was 10.0.0.0/8): logins and token use from more addresses",
        ], exit: 5 },
    { name: "tokenBoundCidrs narrowed", base: (m) => (m.vault.tokenBoundCidrs = ["10.0.0.0/8"]), head: (m) => (m.vault.tokenBoundCidrs = ["10.1.0.0/16"]), lines: [
            "map fields: 0 hazards, 0 widened, 1 narrowed",
            "narrowed gitlab-federation:vault.tokenBoundCidrs: no longer admits 10.0.0.0/8 (now 10.1.0.0/16)",
        ], exit: 4 },
    { name: "tokenBoundCidrs the same addresses", base: (m) => (m.vault.tokenBoundCidrs = ["10.0.0.0/8"]), head: (m) => (m.vault.tokenBoundCidrs = ["10.128.0.0/9", "10.0.0.0/9"]), lines: [
            "map fields: none",
        ], exit: 4 },
    { name: "tokenBoundCidrs IPv6 wider", base: (m) => (m.vault.tokenBoundCidrs = ["2001:db8::/32"]), head: (m) => (m.vault.tokenBoundCidrs = ["2001:db8::/31"]), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:vault.tokenBoundCidrs: admits 2001:db8::/31 (was 2001:db8::/32): logins and token use from more addresses",
        ], exit: 5 },
    { name: "tokenBoundCidrs set", head: (m) => (m.vault.tokenBoundCidrs = ["10.0.0.0/8"]), lines: [
            "map fields: 0 hazards, 0 widened, 1 narrowed",
            "narrowed gitlab-federation:vault.tokenBoundCidrs: 10.0.0.0/8 set: logins and token use only from these blocks (any address before)",
        ], exit: 4 },
    { name: "a grant's tokenBoundCidrs override", base: (m) => (m.vault.tokenBoundCidrs = ["10.0.0.0/8"]), head: (m) => (api(m).grants.deploy.vault.tokenBoundCidrs = ["0.0.0.0/0"]), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:projects[\"platform/api\"].grants.deploy.vault.tokenBoundCidrs: admits 0.0.0.0/0 (was 10.0.0.0/8): logins and token use from more addresses",
        ], exit: 5 },
    { name: "vault.audience changed", head: (m) => (m.vault.audience = "https://vault.example.net"), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:vault.audience: \"https://vault.example.com\" -> \"https://vault.example.net\": every Vault role accepts the ID tokens requested for https://vault.example.net, and CI jobs send them there (vault.serverUrl is unset)",
        ], exit: 5 },
    { name: "a new grant that overrides tokenBoundCidrs", base: (m) => (m.vault.tokenBoundCidrs = ["10.0.0.0/8"]), head: (m) => (api(m).grants.ops = { ref: "main", vault: { read: ["platform/api/ops"], tokenBoundCidrs: ["10.0.0.0/8", "203.0.113.0/24"] } }), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:projects[\"platform/api\"].grants.ops.vault.tokenBoundCidrs: admits 203.0.113.0/24 (was 10.0.0.0/8): logins and token use from more addresses",
        ], exit: 5 },
    { name: "vault.serverUrl moved", head: (m) => (m.vault.serverUrl = "https://vault-proxy.example.net"), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:vault.serverUrl: nothing -> \"https://vault-proxy.example.net\": CI jobs send their Vault ID tokens to https://vault-proxy.example.net (was https://vault.example.com) and read secrets from it",
        ], exit: 5 },
    { name: "aws.audience changed", head: (m) => (m.aws.audience = "gitlab-ci"), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:aws.audience: \"sts.amazonaws.com\" -> \"gitlab-ci\": the roles accept the ID tokens requested for gitlab-ci (the OIDC provider's client ID, every role's aud condition)",
        ], exit: 5 },
    { name: "aws.existingProviderArn set", head: (m) => (m.aws.existingProviderArn = "arn:aws:iam::111111111111:oidc-provider/gitlab.example.com"), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:aws.existingProviderArn: nothing -> \"arn:aws:iam::111111111111:oidc-provider/gitlab.example.com\": the roles trust an OIDC provider this stack does not manage: whoever manages it decides its client IDs and thumbprints",
        ], exit: 5 },
    { name: "aws.thumbprints added", head: (m) => (m.aws.thumbprints = ["9E99A48A9960B14926BB7F3B02E22DA2B0AB7280"]), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:aws.thumbprints: added 9e99a48a9960b14926bb7f3b02e22da2b0ab7280: where no CA AWS trusts signed the key host's certificate, AWS accepts one from the CAs these name",
        ], exit: 5 },
    { name: "gcp.audience changed", head: (m) => (m.gcp.audience = "https://gitlab.example.com/gcp"), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:gcp.audience: nothing -> \"https://gitlab.example.com/gcp\": the provider accepts the ID tokens requested for https://gitlab.example.com/gcp",
        ], exit: 5 },
    { name: "gcp.jwksJson added", head: (m) => (m.gcp.jwksJson = jwks(JWK)), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:gcp.jwksJson: added: Google verifies tokens with the uploaded key gitlab-1 instead of fetching GitLab's from https://gitlab.example.com: whoever holds the private keys of the set in use can sign tokens GCP accepts (review it: a change cannot be ranked)",
        ], exit: 5 },
    { name: "gcp.jwksJson key added", base: (m) => (m.gcp.jwksJson = jwks(JWK)), head: (m) => (m.gcp.jwksJson = jwks(JWK, JWK_2)), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:gcp.jwksJson: keys added: gitlab-2: whoever holds their private keys can sign tokens GCP accepts",
        ], exit: 5 },
    { name: "gcp.jwksJson key removed", base: (m) => (m.gcp.jwksJson = jwks(JWK, JWK_2)), head: (m) => (m.gcp.jwksJson = jwks(JWK_2)), lines: [
            "map fields: 0 hazards, 0 widened, 1 narrowed",
            "narrowed gitlab-federation:gcp.jwksJson: keys removed: gitlab-1",
        ], exit: 4 },
    { name: "gcp.poolId changed", head: (m) => (m.gcp.poolId = "gitlab-ci"), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:gcp.poolId: \"gitlab\" -> \"gitlab-ci\": the service accounts trust the principals of pool gitlab-ci; jobs request the audience https://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/gitlab-ci/providers/gitlab-example-com",
        ], exit: 5 },
    { name: "gcp.adopt.pool external", head: (m) => (m.gcp.adopt = { pool: "external" }), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:gcp.adopt.pool: nothing -> \"external\": this stack no longer manages the pool gitlab: providers someone else adds to it map their tokens to principals of the same pool, which the service accounts trust",
        ], exit: 5 },
    { name: "gcp.adopt.pool external, unprotected", base: (m) => (m.gcp.protect = false), head: (m) => (m.gcp.adopt = { pool: "external" }), lines: [
            "map fields: 1 hazard, 1 widened, 0 narrowed",
            "gitlab-federation:gcp.adopt.pool: nothing -> \"external\": pulumi up deletes the pool gitlab (gcp.protect is false); a deleted ID cannot be reused for about 30 days",
            "widened  gitlab-federation:gcp.adopt.pool: nothing -> \"external\": this stack no longer manages the pool gitlab: providers someone else adds to it map their tokens to principals of the same pool, which the service accounts trust",
        ], exit: 5 },
    { name: "vault.adopt.authMethod external (protected)", head: (m) => (m.vault.adopt = { authMethod: "external" }), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:vault.adopt.authMethod: nothing -> \"external\": this stack no longer configures auth/gitlab: whoever manages it decides which issuer and keys its roles trust",
        ], exit: 5 },
    // access
    { name: "vault.defaultPolicy on", head: (m) => (m.vault.defaultPolicy = true), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:vault.defaultPolicy: false -> true: CI tokens also carry Vault's default policy (look up, renew and revoke themselves, cubbyhole, response wrapping, and whatever an operator added to it)",
        ], exit: 5 },
    { name: "vault.tokenType service", head: (m) => (m.vault.tokenType = "service"), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:vault.tokenType: \"batch\" -> \"service\": the tokens are service tokens: persisted in Vault's storage and renewable up to their max TTL (batch tokens are neither)",
        ], exit: 5 },
    { name: "vault.tokenType batch again", base: (m) => (m.vault.tokenType = "service"), head: (m) => (m.vault.tokenType = "batch"), lines: [
            "map fields: 0 hazards, 0 widened, 1 narrowed",
            "narrowed gitlab-federation:vault.tokenType: \"service\" -> \"batch\": the tokens are batch tokens: neither persisted nor renewable",
        ], exit: 4 },
    { name: "a grant's tokenType service", head: (m) => (api(m).grants.deploy.vault.tokenType = "service"), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:projects[\"platform/api\"].grants.deploy.vault.tokenType: \"batch\" -> \"service\": the tokens are service tokens: persisted in Vault's storage and renewable up to their max TTL (batch tokens are neither)",
        ], exit: 5 },
    { name: "vault.ttlCap raised", head: (m) => (m.vault.ttlCap = "2h"), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:vault.ttlCap: \"1h\" -> \"2h\": the auth method's max lease TTL and the ceiling of every grant's TTLs rise to 2h",
        ], exit: 5 },
    { name: "vault.ttlCap lowered", head: (m) => (m.vault.ttlCap = "30m"), lines: [
            "map fields: 0 hazards, 0 widened, 1 narrowed",
            "narrowed gitlab-federation:vault.ttlCap: \"1h\" -> \"30m\": the auth method's max lease TTL and the ceiling of every grant's TTLs fall to 30m",
        ], exit: 4 },
    { name: "vault.authPath changed", head: (m) => (m.vault.authPath = "jwt"), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:vault.authPath: \"gitlab\" -> \"jwt\": the grants' roles move to auth/jwt; a role someone else keeps there under the same name is overwritten, and where this stack does not manage that auth method its owner decides which tokens it trusts",
        ], exit: 5 },
    { name: "vault.kvMount changed", head: (m) => (m.vault.kvMount = "kv"), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:vault.kvMount: \"secret\" -> \"kv\": the policies grant the same folders under kv/: whatever is kept there is read",
        ], exit: 5 },
    { name: "aws.permissionsBoundary removed", head: (m) => {
            delete m.aws.permissionsBoundary;
            m.deployer.aws.allowUnboundedRoles = "the boundary policy is being rewritten this week";
        }, lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:aws.permissionsBoundary: \"arn:aws:iam::111111111111:policy/gitlab-federation-boundary\" -> nothing: the roles carry no permissions boundary: their policies alone decide what they may do, and the applier may write roles without one",
        ], exit: 5 },
    { name: "aws.tags changed", head: (m) => (m.aws.tags = { team: "platform" }), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:aws.tags: team changed: policies that test aws:PrincipalTag or aws:ResourceTag on the roles see the new values (review it: a change cannot be ranked)",
        ], exit: 5 },
    { name: "gcp.project changed", head: (m) => (m.gcp.project = "acme-prod"), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:gcp.project: \"acme-ci\" -> \"acme-prod\": every grant's roles are granted on project acme-prod, where its service account and the pool then live",
        ], exit: 5 },
    { name: "deployer.applier.manual on", head: (m) => (m.deployer.applier.manual = true), lines: [
            "map fields: 0 hazards, 0 widened, 1 narrowed",
            "narrowed gitlab-federation:deployer.applier.manual: false -> true: pulumi up waits for a person to start it",
        ], exit: 4 },
    { name: "the state moved to Cloud Storage: deployer.aws.state removed, deployer.gcp.state added", head: (m) => { delete m.deployer.aws.state; m.deployer.gcp.state = { bucket: "acme-federation-state" }; }, lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:deployer.gcp.state: bucket nothing -> \"acme-federation-state\": the deployer's service accounts reach gs://acme-federation-state (planner: read objects; applier: read and write objects)",
        ], exit: 5 },
    { name: "renamedFrom added: a path the base gave to no project with this id", head: (m) => (m.projects["platform/web"].renamedFrom = "platform/legacy-web"), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:projects[\"platform/web\"].renamedFrom: reads platform/legacy-web/ as its own folder (renamedFrom added; the base map had no project 57 at that path)",
        ], exit: 5 },
    { name: "renamedFrom of a real rename", head: (m) => {
            m.projects["platform/www"] = { ...m.projects["platform/web"], renamedFrom: "platform/web" };
            delete m.projects["platform/web"];
        }, lines: [
            "map fields: none",
        ], exit: 4 },
    { name: "renamedFrom on a new project", head: (m) => (m.projects["platform/new"] = { id: 99, renamedFrom: "platform/old", grants: { deploy: { ref: "main", vault: { read: ["platform/old/x"] } } } }), lines: [
            "map fields: 0 hazards, 1 widened, 0 narrowed",
            "widened  gitlab-federation:projects[\"platform/new\"].renamedFrom: reads platform/old/ as its own folder (renamedFrom added; the base map had no project 99 at that path)",
        ], exit: 5 },
    // hazard
    { name: "vault.protect off", head: (m) => (m.vault.protect = false), lines: [
            "map fields: 1 hazard, 0 widened, 0 narrowed",
            "gitlab-federation:vault.protect: true -> false: pulumi up may delete the KV mount secret/ with every secret in it and the auth method auth/gitlab with every role on it (a removed section, adopt: external, pulumi destroy)",
        ], exit: 5 },
    { name: "vault.protect on again", base: (m) => (m.vault.protect = false), head: (m) => (m.vault.protect = true), lines: [
            "map fields: none",
        ], exit: 0 },
    { name: "gcp.protect off", head: (m) => (m.gcp.protect = false), lines: [
            "map fields: 1 hazard, 0 widened, 0 narrowed",
            "gitlab-federation:gcp.protect: true -> false: pulumi up may delete the pool gitlab and the provider; a deleted ID cannot be reused for about 30 days (a removed section, pulumi destroy)",
        ], exit: 5 },
    { name: "aws.protect off", head: (m) => (m.aws.protect = false), lines: [
            "map fields: 1 hazard, 0 widened, 0 narrowed",
            "gitlab-federation:aws.protect: true -> false: pulumi up may delete the OIDC provider (a removed section, pulumi destroy), which breaks every role that trusts it at once",
        ], exit: 5 },
    { name: "the only audit device removed", head: (m) => {
            m.vault.audit = [];
            m.vault.auditManagedElsewhere = "the Vault team enables the devices in every cluster";
        }, lines: [
            "map fields: 1 hazard, 0 widened, 0 narrowed",
            "gitlab-federation:vault.audit: file removed: this stack enables no audit device any more; unless devices are enabled outside it, Vault records no CI login and no secret read (vault.auditManagedElsewhere: \"the Vault team enables the devices in every cluster\")",
        ], exit: 5 },
    { name: "one of two audit devices removed", base: (m) => (m.vault.audit = TWO_DEVICES), head: (m) => (m.vault.audit = TWO_DEVICES.slice(1)), lines: [
            "map fields: 1 hazard, 0 widened, 0 narrowed",
            "gitlab-federation:vault.audit: file removed: its log stops; Vault still records to syslog",
        ], exit: 5 },
    { name: "log_raw on", head: (m) => Object.assign(m.vault.audit[0], { options: { log_raw: "true" }, allowLogRaw: "debugging a login failure until Friday" }), lines: [
            "map fields: 1 hazard, 0 widened, 0 narrowed",
            "gitlab-federation:vault.audit[0].options: log_raw turned on: the device writes secrets and tokens to its log unhashed (allowLogRaw: \"debugging a login failure until Friday\")",
        ], exit: 5 },
    { name: "hmac_accessor off", head: (m) => (m.vault.audit[0].options = { hmac_accessor: "false" }), lines: [
            "map fields: 1 hazard, 0 widened, 0 narrowed",
            "gitlab-federation:vault.audit[0].options: hmac_accessor turned off: token accessors are written in clear, and whoever reads the log can look up and revoke those tokens",
        ], exit: 5 },
    { name: "an audit log discarded", head: (m) => (m.vault.audit[0].path = "discard"), lines: [
            "map fields: 1 hazard, 0 widened, 0 narrowed",
            "gitlab-federation:vault.audit[0].path: \"/var/log/vault/audit.log\" -> \"discard\": the device is replaced delete-first and discards every entry: it records nothing",
        ], exit: 5 },
    { name: "an audit device's format", head: (m) => (m.vault.audit[0].options = { format: "jsonx" }), lines: [
            "map fields: 1 hazard, 0 widened, 0 narrowed",
            "gitlab-federation:vault.audit[0].options: format changed: the device is replaced delete-first",
        ], exit: 5 },
    { name: "a new device with log_raw", head: (m) => m.vault.audit.push({ type: "syslog", options: { log_raw: "1" }, allowLogRaw: "the syslog host is the secrets team's own" }), lines: [
            "map fields: 1 hazard, 0 widened, 0 narrowed",
            "gitlab-federation:vault.audit[1].options: log_raw turned on: the device writes secrets and tokens to its log unhashed (allowLogRaw: \"the syslog host is the secrets team's own\")",
        ], exit: 5 },
    { name: "kvMount import to external, unprotected", base: (m) => Object.assign(m.vault, { protect: false, adopt: { kvMount: "import" } }), head: (m) => (m.vault.adopt.kvMount = "external"), lines: [
            "map fields: 1 hazard, 0 widened, 0 narrowed",
            "gitlab-federation:vault.adopt.kvMount: \"import\" -> \"external\": pulumi up deletes the KV mount secret/ with every secret in it (vault.protect is false)",
        ], exit: 5 },
    { name: "authMethod import to external, unprotected", base: (m) => Object.assign(m.vault, { protect: false, adopt: { authMethod: "import" } }), head: (m) => (m.vault.adopt.authMethod = "external"), lines: [
            "map fields: 1 hazard, 1 widened, 0 narrowed",
            "gitlab-federation:vault.adopt.authMethod: \"import\" -> \"external\": pulumi up deletes the auth method auth/gitlab with every role on it, roles this stack does not manage included (vault.protect is false)",
            "widened  gitlab-federation:vault.adopt.authMethod: \"import\" -> \"external\": this stack no longer configures auth/gitlab: whoever manages it decides which issuer and keys its roles trust",
        ], exit: 5 },
    { name: "the vault section removed, unprotected", base: (m) => (m.vault.protect = false), head: (m) => {
            delete m.vault;
            delete m.deployer.vault.acknowledgePolicies;
            delete api(m).grants.review;
            for (const project of Object.values(m.projects) as Json[]) {
                for (const grant of Object.values(project.grants) as Json[]) delete grant.vault;
            }
        }, lines: [
            "map fields: 2 hazards, 0 widened, 0 narrowed",
            "gitlab-federation:vault: removed while vault.protect is false: pulumi up deletes the KV mount secret/ with every secret in it and the auth method auth/gitlab with every role on it",
            "gitlab-federation:vault: removed: pulumi up disables the audit devices file; this stack enables no audit device any more; unless devices are enabled outside it, Vault records no CI login and no secret read",
        ], exit: 5 },
    // cosmetic and derived
    { name: "vault.description (cosmetic)", head: (m) => (m.vault.description = "CI logins"), lines: [
            "map fields: none",
        ], exit: 4 },
    { name: "gcp.quotas (cosmetic)", head: (m) => (m.gcp.quotas = { serviceAccounts: 200 }), lines: [
            "map fields: none",
        ], exit: 0 },
    { name: "aws.maxSessionDuration (derived: each grant's max session)", head: (m) => (m.aws.maxSessionDuration = "2h"), lines: [
            "map fields: none",
        ], exit: 5 },
];

describe("diff reviews every map field", () => {
    it("every leaf field of the map schema has a class; every classified path is a field", () => {
        assert.deepEqual(unclassified(MapSchema), []);
        const paths = new Set(leaves(MapSchema).flatMap((leaf) => leaf.split(".").map((_, i, all) => all.slice(0, i + 1).join("."))));
        assert.deepEqual([...reviewTable().fields.keys()].filter((path) => !paths.has(path)), []);
        for (const [path, review] of reviewTable().fields) {
            assert.ok(review.class !== "derived" || review.reportedBy.length > 0, path);
        }
    });

    it("a new field without a class fails the walk (nested in mappings and lists too)", () => {
        const extended = MapSchema.extend({ extra: z.strictObject({ items: z.array(z.strictObject({ flag: z.boolean().optional() })).optional(), note: z.string() }).optional() });
        assert.deepEqual(unclassified(extended), ["extra.items.*.flag", "extra.note"]);
        assert.ok(leaves(MapSchema).includes("projects.*.grants.*.aws.acknowledge.protected"));
        assert.ok(leaves(MapSchema).includes("vault.tokenBoundCidrs"));
        assert.ok(leaves(MapSchema).includes("vault.audit.*.options"));
    });

    describe("each class's example changes: the exact field lines and exit code", () => {
        for (const c of CASES) {
            it(c.name, async () => {
                const base = clone(DEV);
                c.base?.(base);
                const head = clone(base);
                c.head(head);
                const run = await diff(base, head);
                assert.deepEqual([run.status, run.stderr, fieldLines(run.stdout)], [c.exit, "", c.lines]);
            });
        }
    });

    it("the text report: hazards first, then trust, then access (map fields before grants)", async () => {
        const head = clone(DEV);
        head.vault.protect = false;
        head.gitlab.jwksUrl = "https://keys.example.net/jwks";
        head.vault.defaultPolicy = true;
        head.projects["platform/web"].grants.deploy.vault.read.push("platform/web/shared");
        const run = await diff(DEV, head);
        assert.equal(run.status, 5);
        assert.deepEqual(run.stdout.split("\n").slice(0, 14), [
            "head.yaml: access widened: 0 gained, 1 widened, 0 narrowed, 0 lost; map fields: 1 hazard, 2 widened, 0 narrowed; resources: 0 create, 0 import, 6 update, 0 replace, 0 delete; 1 only an administrator can apply",
            "",
            "Hazards in the map (data or audit lost, deletion unguarded):",
            "  gitlab-federation:vault.protect: true -> false: pulumi up may delete the KV mount secret/ with every secret in it and the auth method auth/gitlab with every role on it (a removed section, adopt: external, pulumi destroy)",
            "",
            "Trust (who and what the targets trust):",
            '  widened  gitlab-federation:gitlab.jwksUrl: nothing -> "https://keys.example.net/jwks": Vault fetches the keys that prove a token came from GitLab from https://keys.example.net (was https://gitlab.example.com): whoever controls that host can sign tokens Vault accepts',
            "",
            "Access:",
            "  widened  gitlab-federation:vault.defaultPolicy: false -> true: CI tokens also carry Vault's default policy (look up, renew and revoke themselves, cubbyhole, response wrapping, and whatever an operator added to it)",
            "  widened  platform/web deploy (Vault)",
            "             secret prefix added: secret/platform/web/shared",
            "",
            "Only an administrator can apply these (the applier's pulumi up would be denied):",
        ]);
    });

    it("the merge-request note lists them unfolded, a quoted reason HTML-escaped; JSON has them under fields", async () => {
        const head = clone(DEV);
        Object.assign(head.vault.audit[0], { options: { log_raw: "true" }, allowLogRaw: "see <a href=x>the ticket</a> | ops" });
        const note = (await diff(DEV, head, "markdown")).stdout;
        assert.ok(
            note.includes(
                [
                    "> **Hazards in the map (data or audit lost, deletion unguarded) (1)**",
                    '> - `gitlab-federation:vault.audit[0].options`: log_raw turned on: the device writes secrets and tokens to its log unhashed (allowLogRaw: "see &lt;a href=x&gt;the ticket&lt;/a&gt; \\| ops")',
                    "",
                ].join("\n"),
            ),
            note,
        );
        const json = await diff(DEV, head, "json");
        assert.equal(json.status, 5);
        assert.deepEqual((JSON.parse(json.stdout) as Json).fields, [
            { path: "gitlab-federation:vault.audit[0].options", class: "hazard", change: "hazard", detail: 'log_raw turned on: the device writes secrets and tokens to its log unhashed (allowLogRaw: "see <a href=x>the ticket</a> | ops")' },
        ]);
    });

    describe("vault.tokenBoundCidrs compares address sets", () => {
        const rule = (reviewTable().fields.get("vault.tokenBoundCidrs") as { rule: ReviewRule }).rule;
        const kinds = (before: string[], after: string[]) => rule(before, after, { base: { entries: [] }, head: { entries: [] } }).map((f) => f.change);
        const addresses = (cidrs: readonly string[]) =>
            new Set(
                cidrs.flatMap((cidr) => {
                    const [address, bits] = cidr.split("/");
                    const size = 2 ** (32 - Number(bits));
                    const first = Number(address!.split(".")[3]) - (Number(address!.split(".")[3]) % size);
                    return Array.from({ length: size }, (_, i) => first + i);
                }),
            );

        it("property: wider exactly when head admits an address base does not, narrower when base admits one head does not", () => {
            const cidr = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 24, max: 32 })).map(([last, bits]) => `10.0.0.${last}/${bits}`);
            fc.assert(
                fc.property(fc.array(cidr, { minLength: 1, maxLength: 4 }), fc.array(cidr, { minLength: 1, maxLength: 4 }), (before, after) => {
                    const [was, is] = [addresses(before), addresses(after)];
                    const expected = [...([...is].some((a) => !was.has(a)) ? ["widened"] : []), ...([...was].some((a) => !is.has(a)) ? ["narrowed"] : [])];
                    assert.deepEqual(kinds(before, after), expected);
                }),
                { numRuns: 300 },
            );
        });

        it("boundary pairs: IPv6 spellings, adjacent blocks, another family", () => {
            assert.deepEqual(kinds(["2001:db8::/32"], ["2001:0db8:0:0::/32"]), []);
            assert.deepEqual(kinds(["2001:db8::/32"], ["2001:db8:8000::/33"]), ["narrowed"]);
            assert.deepEqual(kinds(["10.0.0.0/25", "10.0.0.128/25"], ["10.0.0.0/24"]), []);
            assert.deepEqual(kinds(["10.0.0.0/25", "10.0.0.129/32"], ["10.0.0.0/24"]), ["widened"]);
            assert.deepEqual(kinds(["10.0.0.0/8"], ["::/0"]), ["widened", "narrowed"]);
        });
    });

    it("a new stack (no base map): only hazards, as everything in it is gained", () => {
        const head = clone(DEV);
        head.vault.protect = false;
        head.gitlab.jwksUrl = "https://keys.example.net/jwks";
        assert.deepEqual(
            fieldChanges(undefined, head).map((f) => `${f.change} ${f.path}`),
            ["hazard gitlab-federation:vault.protect"],
        );
    });
});
