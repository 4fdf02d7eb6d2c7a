/**
 * Vault's checks: the rules that add problems and warnings about the vault section and the grants'
 * vault fields (plan.ts builds the entries). Facts relied on: docs/reference.md §2.2 (role fields,
 * TTLs: 0 means the mount default), §3.1 (policy paths), §3.6 (audit devices, their boolean
 * options read with Go's strconv.ParseBool).
 */
import { formatDuration, parseDuration } from "../../src/core/duration";
import { Findings, PathSegment, compare, formatPath } from "../../src/core/findings";
import { ResolvedGrant, ancestors, uniqueSorted } from "../../src/core/model";
import type { GitlabConfig } from "../../src/core/schema";
import type { TargetGrant } from "../target";
import { EngineRef, PrefixCheck, checkEngines, checkKvUses, checkNotEmpty, checkWrites, engineRefs, objectWord } from "./access-checks";
import type { Access } from "./capabilities";
import type { AuditDeviceConfig, VaultConfig, VaultGrantConfig } from "./schema";

export type VaultGrant = TargetGrant<VaultGrantConfig>;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
    const list = map.get(key);
    if (list === undefined) {
        map.set(key, [value]);
    } else {
        list.push(value);
    }
}

/** A KV folder a grant reads or writes, keyed by mount and prefix. */
interface KvRef {
    readonly grant: ResolvedGrant;
    readonly mount: string;
    readonly prefix: string;
    readonly verb: "read" | "write";
    readonly at: readonly PathSegment[];
}

/** The KV folders a grant reaches: vault.read and vault.write on vault.kvMount, kv[].read and kv[].write on theirs. */
function kvRefs({ grant, fields, at }: VaultGrant, kvMount: string): KvRef[] {
    const refs = (mount: string, verb: "read" | "write", list: readonly string[] | undefined, path: readonly PathSegment[]) =>
        (list ?? []).map((prefix, index) => ({ grant, mount, prefix, verb, at: [...path, verb, index] }));
    return [
        ...refs(kvMount, "read", fields.read, at),
        ...refs(kvMount, "write", fields.write, at),
        ...(fields.kv ?? []).flatMap((use, index) => [...refs(use.mount, "read", use.read, [...at, "kv", index]), ...refs(use.mount, "write", use.write, [...at, "kv", index])]),
    ];
}

/** A map key of a folder on a mount; "\0" never occurs in a mount or prefix, so ancestors() of a key stay on its mount. */
const kvKey = (mount: string, prefix: string) => `${mount}\0${prefix}`;

/** Where protected grants reach: each folder exactly, every ancestor of one ("below"), and each engine object. */
function protectedReach(grants: readonly VaultGrant[], kvMount: string) {
    const exact = new Map<string, KvRef[]>();
    const below = new Map<string, KvRef[]>();
    const objects = new Map<string, EngineRef>();
    for (const item of grants.filter((g) => g.grant.protected)) {
        for (const ref of kvRefs(item, kvMount)) {
            const key = kvKey(ref.mount, ref.prefix);
            push(exact, key, ref);
            for (const ancestor of ancestors(key)) {
                push(below, ancestor, ref);
            }
        }
        for (const ref of engineRefs(item)) {
            if (!objects.has(ref.object)) {
                objects.set(ref.object, ref);
            }
        }
    }
    return { exact, below, objects };
}

/** The protected refs a folder overlaps: the same folder, a parent or a child of it, on the same mount. */
function kvHits(reach: ReturnType<typeof protectedReach>, key: string): KvRef[] {
    const hits: KvRef[] = [];
    for (const ancestor of ancestors(key)) {
        hits.push(...(reach.exact.get(ancestor) ?? []));
    }
    return [...hits, ...(reach.exact.get(key) ?? []), ...(reach.below.get(key) ?? [])];
}

/** The problems of one unprotected grant's overlaps; returns whether it overlaps anything. */
function overlapProblems(item: VaultGrant, reach: ReturnType<typeof protectedReach>, kvMount: string, findings: Findings): boolean {
    const report = item.fields.allowUnprotectedOverlap === undefined;
    let overlapped = false;
    for (const ref of kvRefs(item, kvMount)) {
        const hits = kvHits(reach, kvKey(ref.mount, ref.prefix));
        overlapped ||= hits.length > 0;
        if (hits.length > 0 && report) {
            const first = hits[0]!;
            const more = hits.length > 1 ? ` (and ${hits.length - 1} more)` : "";
            const where = ref.mount === kvMount ? "" : ` on the KV mount ${JSON.stringify(ref.mount)}`;
            findings.problem(
                ref.at,
                `this unprotected grant (protected: false) may ${ref.verb} ${JSON.stringify(ref.prefix)}${where}, which overlaps ${JSON.stringify(first.prefix)} ${first.verb === "read" ? "read" : "written"} by the protected grant ${formatPath(first.grant.path)}${more}: a push to any matching branch could ${ref.verb === "read" ? "read" : "overwrite"} those secrets. Narrow the prefix, set protected: true, or set vault.allowUnprotectedOverlap with a reason`,
            );
        }
    }
    for (const ref of engineRefs(item)) {
        const owner = reach.objects.get(ref.object);
        overlapped ||= owner !== undefined;
        if (owner !== undefined && report) {
            findings.problem(
                ref.at,
                `this unprotected grant (protected: false) may use the ${objectWord(ref.use)} ${JSON.stringify(ref.object)}, which the protected grant ${formatPath(owner.grant.path)} uses: a push to any matching branch could get its credentials. Use a role or key of its own, set protected: true, or set vault.allowUnprotectedOverlap with a reason`,
            );
        }
    }
    return overlapped;
}

/**
 * An unprotected grant must not reach what a protected grant reaches (the same folder, a parent
 * or a child of it, on the same KV mount; the same engine role or key), in any project, unless it
 * says why. Linear in the number of prefixes times depth.
 */
export function checkUnprotectedOverlap(grants: readonly VaultGrant[], kvMount: string, findings: Findings): void {
    const reach = protectedReach(grants, kvMount);
    for (const item of grants.filter((g) => !g.grant.protected)) {
        const overlapped = overlapProblems(item, reach, kvMount, findings);
        const reason = item.fields.allowUnprotectedOverlap;
        const beyond = item.fields.write !== undefined || item.fields.kv !== undefined || item.fields.engines !== undefined;
        if (reason !== undefined && overlapped) {
            const effect = beyond ? "unprotected refs may reach secrets, engine roles or keys that protected grants also reach" : "unprotected refs may read secrets that protected grants also read";
            findings.loosen([...item.at, "allowUnprotectedOverlap"], effect, reason);
        } else if (reason !== undefined) {
            findings.warn([...item.at, "allowUnprotectedOverlap"], `has no effect: no protected grant reads these prefixes${beyond ? " or uses these engine roles or keys" : ""}; remove it`);
        }
    }
}

export interface Ttls {
    readonly ttl: number;
    readonly maxTtl: number;
}

/** A TTL value, where it is written, and whether it is written there (or inherited). */
interface TtlSetting {
    readonly value: unknown;
    readonly path: readonly PathSegment[];
    readonly explicit: boolean;
}

/**
 * Checks a TTL pair: each explicit value against 0 and the cap, and the pair's order.
 * Returns seconds when both read.
 */
export function checkTtls(ttlSetting: TtlSetting, maxSetting: TtlSetting, cap: number, findings: Findings): Ttls | undefined {
    const ttl = parseDuration(ttlSetting.value);
    const maxTtl = parseDuration(maxSetting.value);
    if (ttl === undefined || maxTtl === undefined) {
        return undefined; // already reported by the schema
    }
    for (const [seconds, setting, example] of [
        [ttl, ttlSetting, "5m"],
        [maxTtl, maxSetting, "10m"],
    ] as const) {
        if (!setting.explicit) {
            continue;
        }
        if (seconds === 0) {
            findings.problem(setting.path, `must be longer than 0s, got ${JSON.stringify(setting.value)}: Vault reads 0 as "use the mount default" (32 days unless tuned). Set a short duration such as ${example}`);
        } else if (seconds > cap) {
            findings.problem(setting.path, `${formatDuration(seconds)} is above the guardrail vault.ttlCap (${formatDuration(cap)}): shorten it, or raise vault.ttlCap if jobs really need longer tokens`);
        }
    }
    if (ttl > maxTtl) {
        findings.problem(
            ttlSetting.explicit ? ttlSetting.path : maxSetting.path,
            `tokenTtl ${formatDuration(ttl)} is longer than tokenMaxTtl ${formatDuration(maxTtl)}: Vault refuses a role whose token_ttl exceeds token_max_ttl; make tokenTtl at most tokenMaxTtl`,
        );
    }
    return { ttl, maxTtl };
}

/** A grant's TTLs: its own where it sets one, the section's defaults otherwise. */
export function grantTtls({ fields, at }: VaultGrant, vault: VaultConfig, defaults: Ttls | undefined, cap: number, findings: Findings): Ttls | undefined {
    if (fields.tokenTtl === undefined && fields.tokenMaxTtl === undefined) {
        return defaults;
    }
    return checkTtls(
        { value: fields.tokenTtl ?? vault.tokenTtl, path: [...at, "tokenTtl"], explicit: fields.tokenTtl !== undefined },
        { value: fields.tokenMaxTtl ?? vault.tokenMaxTtl, path: [...at, "tokenMaxTtl"], explicit: fields.tokenMaxTtl !== undefined },
        cap,
        findings,
    );
}

/** Go's strconv.ParseBool, which Vault's audit devices use for their boolean options. */
export function parseGoBool(value: string): boolean | undefined {
    if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) {
        return true;
    }
    if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) {
        return false;
    }
    return undefined;
}

/** Audit device options Vault reads as booleans. */
const BOOLEAN_AUDIT_OPTIONS = ["log_raw", "hmac_accessor", "elide_list_responses"];

/** An octal file mode without any execute bit ("0000" leaves the mode alone). */
function nonExecutableMode(mode: string): boolean {
    const digits = mode.replace(/^0(?=[0-7]{3}$)/, "");
    return /^[0-7]{3}$/.test(digits) && ![...digits].some((d) => Number(d) % 2 === 1);
}

/** The options of one audit device, checked: file_path from `path`, then the given options in key order. */
export function auditOptions(device: AuditDeviceConfig, at: readonly PathSegment[], findings: Findings): Record<string, string> {
    const options: Record<string, string> = {};
    if (device.type === "file") {
        if (device.path === undefined) {
            findings.problem([...at, "path"], `is required for type file: the log file every Vault node writes, e.g. /var/log/vault/audit.log (or stdout)`);
        } else if (device.options?.file_path !== undefined) {
            findings.problem([...at, "options", "file_path"], `duplicates path: set the log file once, in path`);
        } else {
            options.file_path = device.path;
        }
    } else if (device.path !== undefined) {
        findings.problem([...at, "path"], `is the log file of a file device; a ${device.type} device takes its settings in options (e.g. ${device.type === "socket" ? "address" : "facility, tag"})`);
    }
    if (device.type === "socket" && device.options?.address === undefined) {
        findings.problem([...at, "options"], `a socket device needs options.address, e.g. "127.0.0.1:9090"`);
    }
    for (const [key, value] of Object.entries(device.options ?? {}).sort(([a], [b]) => compare(a, b))) {
        const flag = BOOLEAN_AUDIT_OPTIONS.includes(key) ? parseGoBool(value) : undefined;
        if (BOOLEAN_AUDIT_OPTIONS.includes(key) && flag === undefined) {
            findings.problem([...at, "options", key], `must be a boolean as Vault reads it (Go strconv.ParseBool: true, false, 1, 0, t, f, ...), got ${JSON.stringify(value)}; Vault refuses to enable the device otherwise`);
        }
        if (key === "log_raw" && flag === true && device.allowLogRaw === undefined) {
            findings.problem([...at, "options", "log_raw"], `${JSON.stringify(value)} is true to Vault (strconv.ParseBool) and writes secrets to the audit log unhashed: remove it, or set allowLogRaw with a reason`);
        }
        if (key === "hmac_accessor" && flag === false) {
            findings.warn([...at, "options", "hmac_accessor"], `${JSON.stringify(value)} is false to Vault: token accessors are written to the audit log in clear, and anyone who reads the log can look up and revoke those tokens`);
        }
        if (key === "mode" && !nonExecutableMode(value)) {
            findings.problem([...at, "options", "mode"], `must be a non-executable octal file mode such as "0600" (got ${JSON.stringify(value)}); patched Vault refuses executable modes (CVE-2025-6000)`);
        }
        if (key === "prefix") {
            findings.warn([...at, "options", "prefix"], `needs allow_audit_log_prefixing = true in Vault's server config, or enabling the device fails`);
        }
        options[key] = value;
    }
    if (device.allowLogRaw !== undefined) {
        findings.loosen([...at, "allowLogRaw"], "secrets are written to the audit log unhashed", device.allowLogRaw);
    }
    return options;
}

/** Device paths must be distinct and not nested (`file` and `file/second`): Vault refuses both. */
export function checkDevicePaths(names: readonly string[], findings: Findings): void {
    const seen = new Map<string, number>();
    names.forEach((name, index) => {
        const earlier = seen.get(name);
        if (earlier !== undefined) {
            findings.problem(["vault", "audit", index], `device path ${JSON.stringify(name)} is already used by vault.audit[${earlier}]: give one of them a distinct name`);
        } else {
            seen.set(name, index);
        }
    });
    names.forEach((name, index) => {
        for (const ancestor of ancestors(name)) {
            const parent = seen.get(ancestor);
            if (parent !== undefined) {
                findings.problem(["vault", "audit", index], `device path ${JSON.stringify(name)} is below ${JSON.stringify(ancestor)} (vault.audit[${parent}]): Vault refuses an audit path nested in another; choose a path beside it`);
            }
        }
    });
}

/**
 * The folders a grant's project owns: its path, and its former path after a rename. A former
 * path is the project's own only because checkRenames (core/model.ts) refuses one that is, lies
 * inside or holds another project's folder.
 */
function ownFolders(grant: ResolvedGrant): string[] {
    return grant.renamedFrom === undefined ? [grant.project] : [grant.project, grant.renamedFrom];
}

/**
 * For each project, the projects whose folders lie inside its own (acme/platform → acme/platform/api):
 * a prefix in such a folder holds the inner project's secrets, not the outer's. Linear: each
 * project looks its ancestors up among the projects.
 */
export function nestedProjects(all: readonly ResolvedGrant[]): ReadonlyMap<string, string[]> {
    const projects = new Set(all.map((g) => g.project));
    const nested = new Map<string, string[]>();
    for (const project of projects) {
        for (const outer of ancestors(project).filter((a) => projects.has(a))) {
            nested.set(outer, [...(nested.get(outer) ?? []), project]);
        }
    }
    return nested;
}

/**
 * A project key that is a path prefix of another (`acme/api` and `acme/api/sub`): a grant of the
 * outer project reading its whole folder, or a folder that holds the inner project's, reads the
 * inner project's secrets too without any loosening. Warned at the read. Linear: each project
 * key's ancestors are looked up among the read prefixes.
 */
export function warnNestedProjects(grants: readonly VaultGrant[], all: readonly ResolvedGrant[], findings: Findings): void {
    const readers = new Map<string, { grant: ResolvedGrant; at: readonly PathSegment[] }[]>();
    for (const { grant, fields, at } of grants) {
        (fields.read ?? []).forEach((prefix, index) => push(readers, prefix, { grant, at: [...at, "read", index] }));
    }
    const projects = new Map<string, string>();
    for (const grant of all) {
        projects.set(grant.project, grant.projectId);
    }
    for (const [project, id] of projects) {
        for (const folder of [...ancestors(project), project]) {
            for (const reader of readers.get(folder) ?? []) {
                if (reader.grant.project !== project && (project === folder || project.startsWith(`${reader.grant.project}/`))) {
                    findings.warn(
                        reader.at,
                        `${JSON.stringify(folder)} holds the folder "${project}/" of project ${project} (id ${id}): this grant reads that project's secrets too. Narrow the prefix to a folder of ${reader.grant.project}'s own`,
                    );
                }
            }
        }
    }
}

/**
 * Checks one list of a grant's secret prefixes on a KV mount (duplicates, the mount repeated,
 * outside the project's folder, covered twice); returns them sorted and unique, and those outside.
 */
function checkPrefixes({ grant, fields }: VaultGrant, nested: readonly string[], mount: string, prefixes: readonly string[], at: readonly PathSegment[], findings: Findings): { list: readonly string[]; outside: readonly string[] } {
    const within = (prefix: string, folder: string) => prefix === folder || prefix.startsWith(`${folder}/`);
    const inner = (prefix: string) => nested.find((folder) => within(prefix, folder));
    const inside = (prefix: string) => ownFolders(grant).some((folder) => within(prefix, folder)) && inner(prefix) === undefined;
    prefixes.forEach((prefix, index) => {
        const path = [...at, index];
        if (prefixes.indexOf(prefix) !== index) {
            findings.problem(path, `lists ${JSON.stringify(prefix)} more than once; list each prefix once`);
        } else if (inner(prefix) !== undefined && fields.allowOutsideProject === undefined) {
            findings.problem(
                path,
                `${JSON.stringify(prefix)} is in the folder ${JSON.stringify(`${inner(prefix)}/`)} of project ${inner(prefix)}, nested in this project's: it holds that project's secrets, not this one's; name a folder of ${grant.project}'s own outside it, or set vault.allowOutsideProject with a reason`,
            );
        } else if (!inside(prefix) && (prefix === mount || prefix.startsWith(`${mount}/`))) {
            findings.problem(path, `is relative to the KV mount ${JSON.stringify(mount)}: write ${JSON.stringify(prefix.slice(mount.length + 1).replace(/^(data|metadata)\//, "") || "<folder>")} instead of ${JSON.stringify(prefix)}`);
        } else if (!inside(prefix) && fields.allowOutsideProject === undefined) {
            findings.problem(
                path,
                `${JSON.stringify(prefix)} is outside this project's folder ${JSON.stringify(`${grant.project}/`)}: keep each project's secrets under its own path, or set vault.allowOutsideProject with a reason (e.g. a shared registry credential)`,
            );
        } else {
            const parent = prefixes.find((other) => prefix.startsWith(`${other}/`));
            if (parent !== undefined) {
                findings.warn(path, `is already covered by ${JSON.stringify(parent)} in the same grant; remove it`);
            }
        }
    });
    const list = uniqueSorted(prefixes);
    return { list, outside: list.filter((prefix) => !inside(prefix)) };
}

/**
 * Checks what a grant reaches (access-checks.ts for what is beyond KV reads) and returns it
 * normalised; allowOutsideProject is loosened with everything it lets through, or warned unused.
 */
export function checkAccess(
    item: VaultGrant,
    vault: VaultConfig,
    { shared, nested }: { readonly shared: readonly { ref: EngineRef; owner: ResolvedGrant }[]; readonly nested: readonly string[] },
    findings: Findings,
): Access {
    const { grant, fields, at } = item;
    checkNotEmpty(item, findings);
    const prefixes: PrefixCheck = (mount, list, path) => checkPrefixes(item, nested, mount, list ?? [], path, findings);
    const read = prefixes(vault.kvMount, fields.read, [...at, "read"]);
    const write = prefixes(vault.kvMount, fields.write, [...at, "write"]);
    const kv = checkKvUses(item, vault, prefixes, findings);
    checkWrites(item, findings);
    const sharedObjects = checkEngines(item, shared, findings);
    if (fields.allowOutsideProject !== undefined) {
        const folder = JSON.stringify(`${grant.project}/`);
        const reaches = [
            ...(read.outside.length > 0 ? [`reads outside ${folder} (${read.outside.join(", ")})`] : []),
            ...(write.outside.length > 0 ? [`writes outside ${folder} (${write.outside.join(", ")})`] : []),
            ...(kv.outside.length > 0 ? [`reaches outside ${folder} on other KV mounts (${kv.outside.join(", ")})`] : []),
            ...(sharedObjects.length > 0 ? [`shares engine roles or keys with other projects (${sharedObjects.join(", ")})`] : []),
        ];
        if (reaches.length > 0) {
            findings.loosen([...at, "allowOutsideProject"], reaches.join("; "), fields.allowOutsideProject);
        } else {
            const engines = fields.engines !== undefined ? " and no engine role or key is shared with another project" : "";
            findings.warn([...at, "allowOutsideProject"], `has no effect: every prefix is inside ${folder}${engines}; remove it`);
        }
    }
    return { read: read.list, write: write.list, kv: kv.kv, engines: fields.engines ?? [] };
}

/** Vault fetches GitLab's keys from the key source: another host than the issuer's could sign tokens Vault trusts. */
export function checkKeySource(gitlab: GitlabConfig, findings: Findings): void {
    const issuerHost = new URL(gitlab.url).host;
    for (const field of ["jwksUrl", "oidcDiscoveryUrl"] as const) {
        const url = gitlab[field];
        if (url !== undefined && new URL(url).host !== issuerHost) {
            findings.warn(
                ["gitlab", field],
                `is on ${new URL(url).host}, not the issuer's host ${issuerHost}: Vault trusts every token signed by the keys served there, so whoever controls that host can sign CI tokens. Make sure it is GitLab (a proxy of /oauth/discovery/keys), or use the default`,
            );
        }
    }
}

/** What adopting an anchor means, for reviewers. */
export function adoptionWarnings(vault: VaultConfig, findings: Findings): void {
    if (vault.adopt?.authMethod === "external") {
        findings.warn(
            ["vault", "adopt", "authMethod"],
            `external: this stack adds roles to auth/${vault.authPath} but does not configure it; make sure its bound_issuer, key source and algorithms match GitLab (see the README's migration steps) and that it has no oidc_client_id (that breaks every JWT login)`,
        );
    } else if (vault.adopt?.authMethod === "import") {
        findings.warn(
            ["vault", "adopt", "authMethod"],
            `import: an administrator's next pulumi up adopts auth/${vault.authPath} and rewrites its configuration as planned (issuer, key source, algorithms, tuning); roles already on it stay until removed by hand. Pulumi CLI 3.174+ imports and updates in one run. Remove adopt once it has run: kept while authPath changes, it imports the new path and replaces this one`,
        );
    }
    if (vault.adopt?.kvMount === "external") {
        findings.warn(["vault", "adopt", "kvMount"], `external: ${vault.kvMount}/ is not managed by this stack (never created, changed or deleted here); it must be a KV v2 mount`);
    } else if (vault.adopt?.kvMount === "import") {
        findings.warn(
            ["vault", "adopt", "kvMount"],
            `import: an administrator's next pulumi up adopts ${vault.kvMount}/ with its data and keeps it (protected: ${vault.protect}); it must already be a KV v2 mount (a type change would replace it, which Pulumi refuses for an imported resource). Remove adopt once it has run: kept while kvMount changes, it imports the new path and replaces this mount, deleting its secrets`,
        );
    }
}

/** The section's own rules: the TTL cap and defaults, one key source, a key source on the issuer's host. Returns the cap and default TTLs. */
export function checkSection(gitlab: GitlabConfig, vault: VaultConfig, findings: Findings): { cap: number; defaults: Ttls | undefined } {
    const cap = parseDuration(vault.ttlCap) ?? 0;
    if (parseDuration(vault.ttlCap) === 0) {
        findings.problem(["vault", "ttlCap"], `must be longer than 0s: it caps every grant's token TTLs, e.g. 1h`);
    }
    const defaults = checkTtls(
        { value: vault.tokenTtl, path: ["vault", "tokenTtl"], explicit: true },
        { value: vault.tokenMaxTtl, path: ["vault", "tokenMaxTtl"], explicit: true },
        cap,
        findings,
    );
    if (gitlab.jwksUrl !== undefined && gitlab.oidcDiscoveryUrl !== undefined) {
        findings.problem(["gitlab", "oidcDiscoveryUrl"], `set either jwksUrl or oidcDiscoveryUrl, not both: Vault accepts exactly one key source`);
    }
    checkKeySource(gitlab, findings);
    return { cap, defaults };
}

/** Warnings about the audit devices as a whole: none at all, or managed elsewhere. */
export function auditWarnings(vault: VaultConfig, findings: Findings): void {
    if (vault.audit.length === 0 && vault.auditManagedElsewhere === undefined) {
        findings.warn(
            ["vault", "audit"],
            `no audit device: this stack does not make Vault record CI logins and secret reads. Add a device, or set vault.auditManagedElsewhere with a reason if devices are enabled outside this stack`,
        );
    } else if (vault.auditManagedElsewhere !== undefined) {
        findings.warn(["vault", "auditManagedElsewhere"], `audit devices are not managed by this stack: ${JSON.stringify(vault.auditManagedElsewhere)}`);
    }
}

/** What a deletable section means, for reviewers. */
export function protectionWarning(vault: VaultConfig, findings: Findings): void {
    if (!vault.protect) {
        findings.warn(["vault", "protect"], `false: the auth method and the KV mount ${JSON.stringify(vault.kvMount)} can be deleted by pulumi destroy or a removed section; deleting the mount destroys every secret in it`);
    }
}

/**
 * vault.namespace with what cannot follow it: audit devices are root-namespace only ("operation
 * only available in root namespace" for sys/audit outside it: OpenBao
 * internal/vault/request_handling.go restrictedSysAPIs, as in Vault), so they stay there and need
 * a root-namespace token. The deployer's planner and applier have none: they log in to the auth
 * method in the namespace (ci.ts VAULT_LOGIN_IN_NAMESPACE), and its policy's paths are prefixed with that
 * namespace (hashicorp/vault vault/policy.go parsePaths), so no rule of it matches a request in
 * the root namespace.
 */
export function checkNamespace(vault: VaultConfig, deployer: boolean, findings: Findings): void {
    if (vault.namespace === undefined || vault.audit.length === 0) {
        return;
    }
    const ns = JSON.stringify(vault.namespace);
    if (deployer) {
        findings.problem(
            ["vault", "audit"],
            `audit devices cannot be managed with gitlab-federation:deployer in vault.namespace ${ns}: Vault keeps them in the root namespace only (sys/audit), and the pipeline's planner and applier log in to ${ns}, whose tokens reach no path of the root namespace, not even to list the devices; remove the devices from vault.audit and set vault.auditManagedElsewhere (an administrator enables them with a root-namespace token; HCP Vault Dedicated streams its audit log from the HCP portal)`,
        );
        return;
    }
    findings.warn(
        ["vault", "audit"],
        `audit devices are enabled in the root namespace, not in ${ns} (Vault allows sys/audit only there): pulumi up needs a root-namespace token for them; where you have none (HCP Vault Dedicated streams its audit log from the HCP portal), remove them and set vault.auditManagedElsewhere`,
    );
}
