/**
 * The review classes (core/review.ts) of the Vault section and a grant's `vault` field, next to
 * schema.ts: what `gitlab-federation diff` reports when one of them changes.
 */
import { formatDuration, parseDuration } from "../../src/core/duration";
import {
    LOOSENING_REASON,
    ReviewFields,
    ReviewRule,
    ReviewSide,
    TargetReview,
    access,
    arrow,
    cosmetic,
    derived,
    hazard,
    hazardous,
    inherited,
    narrowed,
    sectionField,
    trust,
    unranked,
    widened,
    widensAt,
} from "../../src/core/review";
import { parseGoBool } from "./checks";
import { serverUrlOf } from "./entries";
import type { AuditDeviceConfig, VaultConfig } from "./schema";

const vaultOf = (side: ReviewSide) => side.map?.vault as VaultConfig | undefined;

/** The anchors `pulumi up` deletes when they leave the plan unprotected: those this stack manages (adopt external leaves them out). */
function anchors(vault: VaultConfig): string[] {
    return [
        ...(vault.adopt?.kvMount !== "external" ? [`the KV mount ${vault.kvMount}/ with every secret in it`] : []),
        ...(vault.adopt?.authMethod !== "external" ? [`the auth method auth/${vault.authPath} with every role on it`] : []),
    ];
}

/** A device's path in Vault (targets/vault/plan.ts auditEntries): its name, else its type. */
const devicePath = (device: AuditDeviceConfig) => device.name ?? device.type;

/**
 * Vault with no audit device audits nothing ("When you initialize a new Vault cluster, auditing
 * is disabled": https://developer.hashicorp.com/vault/docs/audit, "Enabling and disabling audit
 * devices"); with several, a request succeeds if one of them logs it (docs/v1.13.x/audit,
 * "Enabling multiple devices").
 */
const NO_DEVICE = "this stack enables no audit device any more; unless devices are enabled outside it, Vault records no CI login and no secret read";

/** The section removed: what pulumi up then deletes (unprotected anchors) and disables (the devices). */
const sectionRemoved: ReviewRule = (before, after) => {
    const vault = before as VaultConfig | undefined;
    if (after !== undefined || vault === undefined) {
        return [];
    }
    const deleted = vault.protect ? [] : anchors(vault);
    return [
        ...(deleted.length > 0 ? [hazardous(`removed while vault.protect is false: pulumi up deletes ${deleted.join(" and ")}`)] : []),
        ...(vault.audit.length > 0 ? [hazardous(`removed: pulumi up disables the audit devices ${vault.audit.map(devicePath).join(", ")}; ${NO_DEVICE}`)] : []),
    ];
};

/** vault.audit: a device that goes is a log that stops; the last one, every log (devices are matched by path). */
const devicesRemoved: ReviewRule = (before, after, context) => {
    const [was, is] = [((before ?? []) as AuditDeviceConfig[]).map(devicePath), ((after ?? []) as AuditDeviceConfig[]).map(devicePath)];
    const removed = was.filter((path) => !is.includes(path));
    if (removed.length === 0) {
        return [];
    }
    if (is.length === 0) {
        const reason = sectionField(context.head, "vault", "auditManagedElsewhere");
        return [hazardous(`${removed.join(", ")} removed: ${NO_DEVICE}${reason !== undefined ? ` (vault.auditManagedElsewhere: ${JSON.stringify(reason)})` : ""}`)];
    }
    return [hazardous(`${removed.join(", ")} removed: ${removed.length === 1 ? "its log stops" : "their logs stop"}; Vault still records to ${is.join(", ")}`)];
};

/**
 * A field of a device that exists at the base: every field of vault_audit is ForceNew, so a
 * change disables the device and enables it again (delete-first), leaving a gap in its log
 * (terraform-provider-vault vault/resource_audit.go, see targets/vault/lifecycle.ts). A new
 * device loses nothing.
 */
function ofExistingDevice(rule: ReviewRule): ReviewRule {
    return (before, after, context) => (context.base.entries[context.base.entries.length - 1] === undefined ? [] : rule(before, after, context));
}

const REPLACED = "the device is replaced delete-first";

/** file_path "discard": "Discards audit output instead of writing to a device" (https://developer.hashicorp.com/vault/docs/commands/audit/enable, file_path). */
const logFile: ReviewRule = (before, after) =>
    after === undefined ? [] : [hazardous(`${arrow(before, after)}: ${REPLACED} and ${after === "discard" ? "discards every entry: it records nothing" : `writes its log to ${String(after)} instead`}`)];

/** Local devices "are not replicated or removed by replication" (https://developer.hashicorp.com/vault/docs/v1.16.x/commands/audit/enable, -local). */
const localDevice: ReviewRule = (before, after) => [
    hazardous(`${arrow(before, after)}: ${REPLACED}${after === true ? "; a local device is not replicated, so performance secondaries do not record to it (Vault Enterprise)" : ""}`),
];

const flag = (options: Readonly<Record<string, string>>, key: string) => (options[key] === undefined ? undefined : parseGoBool(options[key]!));

/**
 * Device options that lose audit data: log_raw writes secrets unhashed (with the device's
 * allowLogRaw reason), hmac_accessor false writes accessors in clear (see plan.ts auditOptions),
 * elide_list_responses drops list keys; filter (Vault 1.16+, "Only audit entries that match the
 * filter are written": docs/enterprise/audit/filtering) and exclude (1.18+, "remove the fields
 * specified": docs/enterprise/audit/exclusion) leave entries or fields out. Any other change of an
 * existing device's options replaces it.
 */
const deviceOptions: ReviewRule = (before, after, context) => {
    const [was, is] = [(before ?? {}) as Readonly<Record<string, string>>, (after ?? {}) as Readonly<Record<string, string>>];
    const device = context.head.entries[context.head.entries.length - 1]!.value as AuditDeviceConfig;
    const findings = [];
    if (flag(is, "log_raw") === true && flag(was, "log_raw") !== true) {
        findings.push(hazardous(`log_raw turned on: the device writes secrets and tokens to its log unhashed (allowLogRaw: ${JSON.stringify(device.allowLogRaw)})`));
    }
    if (flag(is, "hmac_accessor") === false && flag(was, "hmac_accessor") !== false) {
        findings.push(hazardous("hmac_accessor turned off: token accessors are written in clear, and whoever reads the log can look up and revoke those tokens"));
    }
    if (flag(is, "elide_list_responses") === true && flag(was, "elide_list_responses") !== true) {
        findings.push(hazardous("elide_list_responses turned on: list responses are recorded without their keys"));
    }
    for (const [key, effect] of [
        ["filter", "only the entries the filter matches"],
        ["exclude", "entries without the fields it names"],
    ] as const) {
        if (is[key] !== undefined && is[key] !== was[key]) {
            findings.push(hazardous(`${key} ${arrow(was[key], is[key])}: the device records ${effect} (Vault Enterprise)`));
        }
    }
    const existed = context.base.entries[context.base.entries.length - 1] !== undefined;
    const changed = [...new Set([...Object.keys(was), ...Object.keys(is)])].filter((key) => was[key] !== is[key]).sort();
    return findings.length === 0 && existed && changed.length > 0 ? [hazardous(`${changed.join(", ")} changed: ${REPLACED}`)] : findings;
};

/**
 * vault.tokenBoundCidrs: the addresses Vault admits logins and token use from; none means any.
 * Compared as address sets: head addresses no base block covers are wider, base addresses no
 * head block covers narrower; removing the list admits every address.
 */
const boundCidrs: ReviewRule = (before, after) => {
    const [was, is] = [before as readonly string[] | undefined, after as readonly string[] | undefined];
    if (is === undefined) {
        return [widened(`removed (was ${was!.join(", ")}): logins and token use from any address`)];
    }
    if (was === undefined) {
        return [narrowed(`${is.join(", ")} set: logins and token use only from these blocks (any address before)`)];
    }
    const admitted = is.filter((cidr) => !covered(cidr, was));
    const dropped = was.filter((cidr) => !covered(cidr, is));
    return [
        ...(admitted.length > 0 ? [widened(`admits ${admitted.join(", ")} (was ${was.join(", ")}): logins and token use from more addresses`)] : []),
        ...(dropped.length > 0 ? [narrowed(`no longer admits ${dropped.join(", ")} (now ${is.join(", ")})`)] : []),
    ];
};

interface Range {
    readonly v6: boolean;
    readonly first: bigint;
    readonly last: bigint;
}

function ipv4(text: string): bigint | undefined {
    const parts = text.split(".").map(Number);
    return parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255) ? parts.reduce((n, p) => (n << 8n) | BigInt(p), 0n) : undefined;
}

/** An IPv6 address: eight groups of up to 4 hex digits, "::" standing for one or more zero groups. */
function ipv6(text: string): bigint | undefined {
    const halves = text.split("::");
    const groups = (part: string | undefined) => (part === undefined || part === "" ? [] : part.split(":"));
    const [head, tail] = [groups(halves[0]), groups(halves[1])];
    const missing = 8 - head.length - tail.length;
    if (halves.length > 2 || (halves.length === 2 ? missing < 1 : missing !== 0)) {
        return undefined;
    }
    const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
    return all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)) ? all.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n) : undefined;
}

/** The addresses a CIDR block holds (host bits ignored), or undefined when it does not read. */
function rangeOf(cidr: string): Range | undefined {
    const [address = "", bits = ""] = cidr.split("/");
    const v6 = address.includes(":");
    const width = v6 ? 128n : 32n;
    const value = v6 ? ipv6(address) : ipv4(address);
    const prefix = BigInt(Number(bits));
    if (value === undefined || !/^\d+$/.test(bits) || prefix > width) {
        return undefined;
    }
    const host = (1n << (width - prefix)) - 1n;
    return { v6, first: value & ~host, last: (value & ~host) | host };
}

/** Whether the blocks of `set` together hold every address of `cidr` (an unreadable block holds nothing). */
function covered(cidr: string, set: readonly string[]): boolean {
    const target = rangeOf(cidr);
    const ranges = set
        .map(rangeOf)
        .filter((r): r is Range => r !== undefined && target !== undefined && r.v6 === target.v6)
        .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let next = target?.first;
    for (const r of ranges) {
        if (next !== undefined && r.first <= next && r.last >= next) {
            next = r.last + 1n;
        }
    }
    return target !== undefined && next !== undefined && next > target.last;
}

/** Token types (https://developer.hashicorp.com/vault/docs/concepts/tokens, "Token type comparison"): service tokens are persisted and renewable, batch tokens neither. */
const TOKEN_TYPE = widensAt("service", "the tokens are service tokens: persisted in Vault's storage and renewable up to their max TTL (batch tokens are neither)", "the tokens are batch tokens: neither persisted nor renewable");

/** vault.ttlCap: the auth method's max lease TTL and the ceiling of every grant's TTLs. Raised is wider. */
const ttlCap: ReviewRule = (before, after) => {
    const [was, is] = [parseDuration(before), parseDuration(after)];
    if (was === undefined || is === undefined || was === is) {
        return [];
    }
    const text = `${arrow(before, after)}: the auth method's max lease TTL and the ceiling of every grant's TTLs ${is > was ? "rise" : "fall"} to ${formatDuration(is)}`;
    return [is > was ? widened(text) : narrowed(text)];
};

/** vault.protect false: a removed section, adopt: external or pulumi destroy deletes the anchors (Pulumi deletes only unprotected resources). */
const protectOff: ReviewRule = (before, after, context) => {
    const vault = vaultOf(context.head);
    const deletable = after === false && before !== false && vault !== undefined ? anchors(vault) : [];
    return deletable.length === 0 ? [] : [hazardous(`${arrow(before, after)}: pulumi up may delete ${deletable.join(" and ")} (a removed section, adopt: external, pulumi destroy)`)];
};

/**
 * vault.adopt.authMethod external: the auth method leaves the plan. Its configuration (issuer,
 * key source, algorithms) is then whoever manages it: wider trust. If the base managed it
 * unprotected, pulumi up deletes it with every role on it (protected: the resource changes
 * report that pulumi up refuses).
 */
const authAdoption: ReviewRule = (before, after, context) => {
    if (after !== "external") {
        return before === "external" ? [narrowed(`${arrow(before, after)}: this stack configures the auth method again (issuer, key source, algorithms)`)] : [];
    }
    const [was, is] = [vaultOf(context.base), vaultOf(context.head)!];
    return [
        widened(`${arrow(before, after)}: this stack no longer configures auth/${is.authPath}: whoever manages it decides which issuer and keys its roles trust`),
        ...(was !== undefined && !was.protect ? [hazardous(`${arrow(before, after)}: pulumi up deletes the auth method auth/${was.authPath} with every role on it, roles this stack does not manage included (vault.protect is false)`)] : []),
    ];
};

/** vault.adopt.kvMount external: the mount leaves the plan; unprotected at the base, pulumi up deletes it with its data. */
const mountAdoption: ReviewRule = (before, after, context) => {
    const was = vaultOf(context.base);
    return after === "external" && was !== undefined && !was.protect ? [hazardous(`${arrow(before, after)}: pulumi up deletes the KV mount ${was.kvMount}/ with every secret in it (vault.protect is false)`)] : [];
};

/** vault.serverUrl: where CI jobs send their Vault ID tokens (the audience when unset: plan.ts serverUrlOf). */
const serverUrl: ReviewRule = (before, after, context) => {
    const [was, is] = [vaultOf(context.base), vaultOf(context.head)].map((vault) => (vault === undefined ? undefined : serverUrlOf(vault)));
    return was === is || is === undefined ? [] : [widened(`${arrow(before, after)}: CI jobs send their Vault ID tokens to ${is} (was ${was ?? "nothing"}) and read secrets from it`)];
};

/**
 * vault.namespace: the namespace argument is ForceNew on every resource (resources.ts), so every
 * role, policy, the auth method and the KV mount are created in the new namespace and deleted
 * from the old one; jobs log in and read there. Who administers that namespace decides what its
 * auth method trusts and who else reads its mount: a trust change whichever way it goes.
 */
const namespaceMoved: ReviewRule = (before, after) => {
    const where = (ns: unknown) => (ns === undefined ? "the root namespace" : `namespace ${String(ns)}`);
    return [
        widened(
            `${arrow(before, after)}: every role and policy, the auth method and the KV mount move from ${where(before)} to ${where(after)} (replaced: created there, deleted here; protected ones stop pulumi up), and CI jobs log in and read secrets there: whoever administers ${where(after)} decides what its auth method trusts and who else reads its mount`,
        ),
    ];
};

const SECTION: ReviewFields = {
    "": hazard(sectionRemoved),
    authPath: access((before, after) => [
        widened(`${arrow(before, after)}: the grants' roles move to auth/${String(after)}; a role someone else keeps there under the same name is overwritten, and where this stack does not manage that auth method its owner decides which tokens it trusts`),
    ]),
    audience: trust(unranked((after, context) => `every Vault role accepts the ID tokens requested for ${String(after)}${vaultOf(context.head)?.serverUrl === undefined && serverUrlOf(vaultOf(context.head)!) !== undefined ? `, and CI jobs send them there (vault.serverUrl is unset)` : ""}`)),
    serverUrl: trust(serverUrl),
    namespace: trust(namespaceMoved),
    kvMount: access((before, after) => [widened(`${arrow(before, after)}: the policies grant the same folders under ${String(after)}/: whatever is kept there is read`)]),
    description: cosmetic,
    audit: hazard(devicesRemoved),
    "audit.*.type": hazard(ofExistingDevice((before, after) => [hazardous(`${arrow(before, after)}: ${REPLACED}; its log goes to a ${String(after)} device`)])),
    "audit.*.path": hazard(ofExistingDevice(logFile)),
    "audit.*.name": derived("vault.audit: devices are matched by their path, so a new name removes the old device (a hazard) and enables another"),
    "audit.*.description": cosmetic,
    "audit.*.local": hazard(ofExistingDevice(localDevice)),
    "audit.*.options": hazard(deviceOptions),
    "audit.*.allowLogRaw": derived("vault.audit[].options: log_raw turned on is a hazard that quotes this reason"),
    "audit.*.protect": hazard((before, after) => (before === true && after === false ? [hazardous(`${arrow(before, after)}: pulumi up may disable this device (a removed entry deletes it, a changed field replaces it delete-first)`)] : [])),
    "audit.*.adopt": derived("diff's resource changes: an import"),
    tokenTtl: derived("diff's Vault access changes: token TTL (s) of each grant that takes the default"),
    tokenMaxTtl: derived("diff's Vault access changes: token max TTL (s) of each grant that takes the default"),
    ttlCap: access(ttlCap),
    tokenType: access(TOKEN_TYPE),
    tokenBoundCidrs: trust(boundCidrs),
    protect: hazard(protectOff),
    // The default policy (OpenBao vault/policy_store.go DefaultPolicy, as Vault's; /work/notes/vault.md "Default policy").
    defaultPolicy: access(widensAt(true, "CI tokens also carry Vault's default policy (look up, renew and revoke themselves, cubbyhole, response wrapping, and whatever an operator added to it)", "CI tokens carry their grant's policy only")),
    "adopt.authMethod": trust(authAdoption),
    "adopt.kvMount": hazard(mountAdoption),
    auditManagedElsewhere: derived("vault.audit: the hazard of removing the last device quotes this reason; the warnings"),
};

const LOOSENING = derived("diff's Vault access changes: a new loosening, with its reason");

const GRANT: ReviewFields = {
    read: derived("diff's Vault access changes: secret prefix added, removed"),
    write: derived("diff's Vault access changes: secret write prefix added, removed"),
    kv: derived("diff's Vault access changes: secret prefix (other KV mount), secret write prefix added, removed"),
    "kv.*.mount": derived("diff's Vault access changes: secret prefix (other KV mount), secret write prefix added, removed"),
    "kv.*.read": derived("diff's Vault access changes: secret prefix (other KV mount) added, removed"),
    "kv.*.write": derived("diff's Vault access changes: secret write prefix added, removed"),
    engines: derived("diff's Vault access changes: engine endpoint added, removed"),
    "engines.*.engine": derived("diff's Vault access changes: engine endpoint added, removed"),
    "engines.*.mount": derived("diff's Vault access changes: engine endpoint added, removed"),
    "engines.*.role": derived("diff's Vault access changes: engine endpoint added, removed"),
    "engines.*.static": derived("diff's Vault access changes: engine endpoint added, removed"),
    allowWrite: LOOSENING,
    roleName: derived("diff's Vault access changes: role (a name)"),
    tokenTtl: derived("diff's Vault access changes: token TTL (s)"),
    tokenMaxTtl: derived("diff's Vault access changes: token max TTL (s)"),
    tokenType: access(inherited(TOKEN_TYPE, "vault", "tokenType")),
    tokenBoundCidrs: trust(inherited(boundCidrs, "vault", "tokenBoundCidrs")),
    allowUnprotectedOverlap: LOOSENING,
    allowOutsideProject: LOOSENING,
};

/** deployer.vault. */
const DEPLOYER: ReviewFields = {
    tokenTtl: derived("diff's Vault access changes of the deployer's grants: token TTL (s)"),
    acknowledgePolicies: LOOSENING_REASON,
};

export const VAULT_REVIEW: TargetReview = {
    section: SECTION,
    grant: GRANT,
    deployer: DEPLOYER,
    entries: { audit: { key: (device) => devicePath(device as unknown as AuditDeviceConfig) } },
};
