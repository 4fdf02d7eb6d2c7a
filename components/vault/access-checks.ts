/**
 * The rules of what a grant reaches beyond KV reads on vault.kvMount: KV write (needs allowWrite),
 * other KV mounts (referenced, never vault.kvMount, each once), secrets engine endpoints (each
 * once), and the two sharing rules carried over to engine roles and keys, which belong to no
 * project folder:
 * - an engine role or key (its configuration path, e.g. database/roles/app) used by grants of
 *   more than one GitLab project is refused on every grant using it unless it sets
 *   allowOutsideProject: the projects would share one role's credentials;
 * - an unprotected grant using a role or key that a protected grant uses is refused unless it sets
 *   allowUnprotectedOverlap (checks.ts checkUnprotectedOverlap).
 */
import { Findings, PathSegment, formatPath } from "../../src/core/findings";
import { ResolvedGrant, uniqueSorted } from "../../src/core/model";
import { EngineUse, KvUse, endpoints } from "./capabilities";
import type { VaultGrant } from "./checks";
import type { VaultConfig } from "./schema";

const q = JSON.stringify;

/** A role or key, in words: "the database role", "the transit key". */
export function objectWord(use: EngineUse): string {
    return use.engine === "transit" ? "transit key" : use.engine === "gcp" ? `GCP ${use.kind}` : `${use.engine} role`;
}

/** An engine use of a grant, with where it is written. */
export interface EngineRef {
    readonly grant: ResolvedGrant;
    readonly use: EngineUse;
    readonly object: string;
    readonly at: readonly PathSegment[];
}

/** The engine objects a grant uses, one ref per (use, object). */
export function engineRefs({ grant, fields, at }: VaultGrant): EngineRef[] {
    return (fields.engines ?? []).flatMap((use, index) => [...new Set(endpoints(use).map((e) => e.object))].map((object) => ({ grant, use, object, at: [...at, "engines", index] })));
}

/**
 * The engine objects each grant shares with a grant of another project: grant index -> the refs
 * and that other project's first grant (in plan order). Symmetric: every project using the object
 * needs its own reason, so a project cannot take another's role without one by sorting first.
 */
export function sharedObjects(grants: readonly VaultGrant[]): Map<number, { ref: EngineRef; owner: ResolvedGrant }[]> {
    const users = new Map<string, ResolvedGrant[]>();
    for (const item of grants) {
        for (const ref of engineRefs(item)) {
            users.set(ref.object, [...(users.get(ref.object) ?? []), item.grant]);
        }
    }
    const shared = new Map<number, { ref: EngineRef; owner: ResolvedGrant }[]>();
    for (const item of grants) {
        for (const ref of engineRefs(item)) {
            const owner = users.get(ref.object)!.find((other) => other.project !== item.grant.project);
            if (owner !== undefined) {
                shared.set(item.grant.index, [...(shared.get(item.grant.index) ?? []), { ref, owner }]);
            }
        }
    }
    return shared;
}

/** A grant's engine uses: each endpoint once; shared objects refused without allowOutsideProject. Returns the shared objects. */
export function checkEngines(item: VaultGrant, shared: readonly { ref: EngineRef; owner: ResolvedGrant }[], findings: Findings): string[] {
    const { fields, at } = item;
    const seen = new Map<string, number>();
    (fields.engines ?? []).forEach((use, index) => {
        if (use.engine === "transit") {
            use.operations.forEach((op, i) => {
                if (use.operations.indexOf(op) !== i) {
                    findings.problem([...at, "engines", index, "operations", i], `lists ${q(op)} more than once; list each operation once`);
                }
            });
        }
        for (const endpoint of endpoints(use)) {
            const earlier = seen.get(endpoint.path);
            if (earlier !== undefined && earlier !== index) {
                findings.problem([...at, "engines", index], `grants ${q(endpoint.path)} again (also engines[${earlier}]): list each role or key once`);
            }
            seen.set(endpoint.path, earlier ?? index);
        }
    });
    if (fields.allowOutsideProject === undefined) {
        for (const { ref, owner } of shared) {
            findings.problem(
                ref.at,
                `the ${objectWord(ref.use)} ${q(ref.object)} is also used by ${formatPath(owner.path)} of project ${owner.project}: both projects would get credentials of one role (or one key). Use a role or key of this project's own, or set vault.allowOutsideProject with a reason`,
            );
        }
    }
    return uniqueSorted(shared.map((s) => s.ref.object)) as string[];
}

/** Prefixes outside the grant's own folders, and the problems of one prefix list (duplicates, outside). */
export type PrefixCheck = (mount: string, prefixes: readonly string[] | undefined, at: readonly PathSegment[]) => { list: readonly string[]; outside: readonly string[] };

/** The other KV mounts: never vault.kvMount, each once, each granting something. */
export function checkKvUses({ fields, at }: VaultGrant, vault: VaultConfig, prefixes: PrefixCheck, findings: Findings): { kv: KvUse[]; outside: string[] } {
    const kv: KvUse[] = [];
    const outside: string[] = [];
    (fields.kv ?? []).forEach((use, index) => {
        const path = [...at, "kv", index];
        const first = (fields.kv ?? []).findIndex((other) => other.mount === use.mount);
        if (use.mount === vault.kvMount) {
            findings.problem([...path, "mount"], `${q(use.mount)} is vault.kvMount: list its folders in vault.read and vault.write instead`);
        } else if (first !== index) {
            findings.problem([...path, "mount"], `names the KV mount ${q(use.mount)} again (also kv[${first}]): list each mount once, with all its folders`);
        } else if (use.read === undefined && use.write === undefined) {
            findings.problem(path, `grants nothing on ${q(use.mount)}: list read or write folders, or remove the entry`);
        }
        const read = prefixes(use.mount, use.read, [...path, "read"]);
        const write = prefixes(use.mount, use.write, [...path, "write"]);
        outside.push(...[...read.outside, ...write.outside].map((p) => `${use.mount}: ${p}`));
        kv.push({ mount: use.mount, read: read.list, write: write.list });
    });
    return { kv, outside };
}

/** KV write needs allowWrite; allowWrite without any write is warned. */
export function checkWrites({ fields, at }: VaultGrant, findings: Findings): void {
    const writes: PathSegment[][] = [...(fields.write !== undefined ? [[...at, "write"]] : []), ...(fields.kv ?? []).flatMap((use, index) => (use.write !== undefined ? [[...at, "kv", index, "write"]] : []))];
    if (fields.allowWrite === undefined) {
        for (const path of writes) {
            findings.problem(path, `lets CI jobs create and overwrite secrets that other jobs and people read: set vault.allowWrite with a reason, or remove it`);
        }
    } else if (writes.length > 0) {
        findings.loosen([...at, "allowWrite"], "CI jobs may create and update secrets (KV v2 data/ only: no delete, destroy or metadata)", fields.allowWrite);
    } else {
        findings.warn([...at, "allowWrite"], `has no effect: this grant writes nothing; remove it`);
    }
}

/** A grant must grant something. */
export function checkNotEmpty({ fields, at }: VaultGrant, findings: Findings): void {
    if (fields.read === undefined && fields.write === undefined && fields.kv === undefined && fields.engines === undefined) {
        findings.problem(at, `grants nothing: list read (or write, kv, engines), e.g. read: [<project path>/production]`);
    }
}

/**
 * A mount is one secrets engine: a path used as vault.kvMount or a kv[] mount and as an engine's
 * mount, or as the mounts of two engine types, in any grants, is refused at the later use (one of
 * them names the wrong mount, and its policy would grant paths the engine does not have).
 */
export function checkMountTypes(grants: readonly VaultGrant[], kvMount: string, findings: Findings): void {
    const types = new Map<string, { type: string; where: string; at?: readonly PathSegment[] }>([[kvMount, { type: "kv", where: "vault.kvMount" }]]);
    const claim = (mount: string, type: string, at: readonly PathSegment[]) => {
        const first = types.get(mount);
        if (first === undefined) {
            types.set(mount, { type, where: formatPath(at), at });
        } else if (first.type !== type) {
            findings.problem(at, `${q(mount)} is used as a ${first.type} mount by ${first.where}: a mount is one secrets engine; name the ${type} mount`);
        }
    };
    for (const { fields, at } of grants) {
        (fields.kv ?? []).forEach((use, index) => claim(use.mount, "kv", [...at, "kv", index, "mount"]));
        (fields.engines ?? []).forEach((use, index) => claim(use.mount, use.engine, [...at, "engines", index, "mount"]));
    }
    checkNestedMounts(types, findings);
}

/**
 * No mount inside another: Vault routes a request to the longest mount that prefixes it
 * (vault/router.go MatchingMount), so with mounts a and a/b a policy path under a/b is b's, and a
 * "mount" a/x that is no mount at all is a path inside a, whose endpoints the policy would reach.
 * Reported at the inner mount's first use (vault.kvMount is never the inner one: it is created here).
 */
function checkNestedMounts(types: ReadonlyMap<string, { type: string; where: string; at?: readonly PathSegment[] }>, findings: Findings): void {
    const mounts = [...types.keys()];
    for (const inner of mounts) {
        const outer = mounts.find((m) => m !== inner && inner.startsWith(`${m}/`));
        const use = types.get(inner)!;
        if (outer !== undefined && use.at !== undefined) {
            findings.problem(use.at, `${q(inner)} lies inside the ${types.get(outer)!.type} mount ${q(outer)} (${types.get(outer)!.where}): Vault routes a path to the longest mount that prefixes it, so this policy would reach ${q(outer)}'s own endpoints; give each secrets engine a mount of its own, not below another, e.g. ${q(inner.replaceAll("/", "-"))}`);
        }
    }
}

