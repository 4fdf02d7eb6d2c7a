/**
 * An independent evaluator of Vault's ACL path matching, for checking planned policies. It reads
 * policy HCL with a real HCL parser (@cdktf/hcl2json) and decides a request as Vault does:
 *
 * - hashicorp/vault vault/policy.go parsePaths: a leading "/" is stripped; a path with a "+"
 *   segment (`+`, `+/...`, `.../+...`) is a segment-wildcard path (its trailing "*" kept); else a
 *   trailing "*" is stripped and the path is a prefix; else it is exact. "deny" overrides.
 * - vault/acl.go NewACL: rules of the same path (and kind) merge their capabilities.
 * - vault/acl.go ACL.AllowOperation: an exact rule wins; a LIST also tries the exact rule of the
 *   path without its trailing "/"; otherwise CheckAllowedFromNonExactPaths: the longest prefix
 *   rule and every matching segment-wildcard path compete, the highest by `less`: the later first
 *   "+" or glob position wins, then not-a-prefix over prefix, then fewer "+" segments, then the
 *   longer path, then the lexically greater one. A segment-wildcard path matches when every "+"
 *   takes one segment, every other segment is equal, and a prefix's last segment is a prefix of
 *   the request's segment (the rest follows); not a prefix: the same number of segments.
 * - Operations need the capability of their name (read, list, update, create, delete, patch).
 *
 * Written from those functions, not from the project's code.
 */
import { parse as parseHcl } from "@cdktf/hcl2json";

export type Operation = "read" | "list" | "update" | "create" | "delete" | "patch";

interface Rules {
    readonly exact: Map<string, Set<string>>;
    readonly prefix: Map<string, Set<string>>;
    readonly segments: Map<string, Set<string>>;
}

function merge(into: Map<string, Set<string>>, path: string, capabilities: readonly string[]): void {
    const set = into.get(path) ?? new Set<string>();
    for (const capability of capabilities) {
        set.add(capability);
    }
    into.set(path, set.has("deny") ? new Set(["deny"]) : set);
}

/**
 * The rules of a policy's path blocks (policy.go parsePaths, acl.go NewACL). A policy of a
 * namespace has the namespace's path ("admin/team-a/") before each of its paths (parsePaths:
 * pc.Path = result.namespace.Path + pc.Path, after the leading "/" is stripped), and a request in
 * that namespace is checked at the namespace's path before its own (AllowOperation: ns.Path + req.Path).
 */
export function aclRules(paths: readonly { path: string; capabilities: readonly string[] }[], namespacePath = ""): Rules {
    const rules: Rules = { exact: new Map(), prefix: new Map(), segments: new Map() };
    for (const { path: written, capabilities } of paths) {
        const path = namespacePath + (written.startsWith("/") ? written.slice(1) : written);
        const segmented = path === "+" || path.includes("/+") || path.startsWith("+/");
        if (segmented) {
            merge(rules.segments, path, capabilities);
        } else if (path.endsWith("*")) {
            merge(rules.prefix, path.slice(0, -1), capabilities);
        } else {
            merge(rules.exact, path, capabilities);
        }
    }
    return rules;
}

interface Candidate {
    readonly firstWildcard: number;
    readonly wildcards: number;
    readonly isPrefix: boolean;
    readonly path: string;
    readonly capabilities: Set<string>;
}

/** acl.go CheckAllowedFromNonExactPaths's `less`: whether a has lower priority than b. */
function lower(a: Candidate, b: Candidate): number {
    if (a.firstWildcard !== b.firstWildcard) {
        return a.firstWildcard - b.firstWildcard;
    }
    if (a.isPrefix !== b.isPrefix) {
        return a.isPrefix ? -1 : 1;
    }
    if (a.wildcards !== b.wildcards) {
        return b.wildcards - a.wildcards;
    }
    if (a.path.length !== b.path.length) {
        return a.path.length - b.path.length;
    }
    return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** A segment-wildcard path's match of a request path, or undefined. */
function segmentMatch(full: string, capabilities: Set<string>, parts: readonly string[]): Candidate | undefined {
    const isPrefix = full.endsWith("*");
    const path = isPrefix ? full.slice(0, -1) : full;
    const pattern = path.split("/");
    if (parts.length < pattern.length || (!isPrefix && parts.length !== pattern.length)) {
        return undefined;
    }
    let wildcards = 0;
    for (const [i, segment] of pattern.entries()) {
        if (segment === "+") {
            wildcards++;
        } else if (segment !== parts[i] && !(isPrefix && i === pattern.length - 1 && parts[i]!.startsWith(segment))) {
            return undefined;
        }
    }
    return { firstWildcard: full.indexOf("+"), wildcards, isPrefix, path, capabilities };
}

/** The capabilities Vault applies to a request path, or undefined when no rule matches. */
export function capabilitiesAt(rules: Rules, path: string, operation: Operation): Set<string> | undefined {
    const exact = rules.exact.get(path) ?? (operation === "list" ? rules.exact.get(path.replace(/\/$/, "")) : undefined);
    if (exact !== undefined) {
        return exact;
    }
    const candidates: Candidate[] = [];
    const longest = [...rules.prefix.keys()].filter((p) => path.startsWith(p)).sort((a, b) => b.length - a.length)[0];
    if (longest !== undefined) {
        candidates.push({ firstWildcard: longest.length, wildcards: 0, isPrefix: true, path: longest, capabilities: rules.prefix.get(longest)! });
    }
    const parts = path.split("/");
    for (const [full, capabilities] of rules.segments) {
        const match = segmentMatch(full, capabilities, parts);
        if (match !== undefined) {
            candidates.push(match);
        }
    }
    return candidates.sort(lower).at(-1)?.capabilities;
}

/** Whether the rules allow an operation on a request path. */
export function allows(rules: Rules, path: string, operation: Operation): boolean {
    const capabilities = capabilitiesAt(rules, path, operation);
    return capabilities !== undefined && !capabilities.has("deny") && capabilities.has(operation);
}

/** A policy's HCL parsed with the real HCL parser into rules (of a namespace: its path, e.g. "admin/team-a/"). */
export async function parsePolicy(hcl: string, namespacePath = ""): Promise<Rules> {
    const parsed = (await parseHcl("policy.hcl", hcl)) as { path?: Record<string, { capabilities: string[] }[]> };
    return aclRules(
        Object.entries(parsed.path ?? {}).flatMap(([path, blocks]) => blocks.map((block) => ({ path, capabilities: block.capabilities }))),
        namespacePath,
    );
}
