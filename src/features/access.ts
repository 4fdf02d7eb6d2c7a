/**
 * "Who can read platform/api/production, and who can assume this role?" The effective access of
 * a map, for auditors: per secret folder, AWS role and GCP service account, every grant that
 * reaches it, under which conditions (ref, ref type, protection, environment), how (the folder
 * itself, a parent folder that covers it, or a child folder inside it), and the loosenings it
 * carries. Linear: folders are matched through their ancestors, never pairwise.
 */
import { looseningsFor } from "./loosenings";
import { targets } from "../../components";
import { compare } from "../core/findings";
import type { GrantSummary, Plan } from "./plan-schema";

export type Via = "exact" | "parent" | "child";

export interface AccessRow {
    readonly target: string;
    /** The secret folder (with its mount), role ARN or service account. */
    readonly resource: string;
    readonly project: string;
    readonly projectId: string;
    readonly grant: string;
    readonly refType: string;
    readonly refs: readonly string[];
    readonly protected: boolean;
    /** An exact environment, or a pattern where `*` matches any characters. */
    readonly environment?: string;
    /** Present when the environment must be protected (environment_protected "true"). */
    readonly environmentProtected?: true;
    /** exact: the grant names this folder; parent: it names a folder holding it; child: a folder inside it. */
    readonly via: Via;
    /** The folder the grant names, when it is not the resource itself. */
    readonly through?: string;
    readonly gives: readonly string[];
    /** Reasons of the grant's loosenings for this target (allowOutsideProject, acknowledge, ...). */
    readonly loosenings: readonly string[];
}

export interface AccessFilter {
    /** A secret folder, with or without the mount. */
    readonly secret?: string;
    readonly project?: string;
    readonly target?: string;
}

interface Reached {
    readonly grant: GrantSummary;
    readonly target: string;
    readonly resource: string;
    readonly gives: readonly string[];
    readonly loosenings: readonly string[];
}

function ancestors(path: string): string[] {
    const out: string[] = [];
    for (let end = path.indexOf("/"); end !== -1; end = path.indexOf("/", end + 1)) {
        out.push(path.slice(0, end));
    }
    return out;
}

function row(r: Reached, resource: string, via: Via): AccessRow {
    const c = r.grant.conditions;
    return {
        target: r.target,
        resource,
        project: r.grant.project,
        projectId: r.grant.projectId,
        grant: r.grant.grant,
        refType: c.refType,
        refs: c.ref,
        protected: c.protected,
        ...(c.environment !== undefined ? { environment: c.environment } : {}),
        ...(c.environmentProtected === true ? { environmentProtected: true as const } : {}),
        via,
        ...(resource !== r.resource ? { through: r.resource } : {}),
        gives: r.gives,
        loosenings: r.loosenings,
    };
}

/** Every (resource, grant) pair of the map that matches the filter, sorted by target, resource, project, grant. */
export function accessMatrix(plan: Plan, filter: AccessFilter = {}): AccessRow[] {
    const sections = plan as unknown as Record<string, unknown>;
    const rows: AccessRow[] = [];
    for (const target of targets()) {
        const section = sections[target.key];
        if (section === undefined || (filter.target !== undefined && filter.target !== target.key)) {
            continue;
        }
        const flat: Reached[] = [];
        const hierarchical: Reached[] = [];
        for (const grant of plan.grants) {
            const summary = (grant as Record<string, unknown>)[target.key];
            if (summary === undefined) {
                continue;
            }
            const grantNotes = looseningsFor(grant, target.key);
            for (const reach of target.review?.reaches?.(section, summary, grant) ?? []) {
                (reach.hierarchical ? hierarchical : flat).push({ grant, target: target.key, resource: reach.resource, gives: reach.gives, loosenings: grantNotes });
            }
        }
        if (filter.secret === undefined) {
            rows.push(...flat.map((r) => row(r, r.resource, "exact")));
        }
        rows.push(...hierarchicalRows(hierarchical, filter.secret));
    }
    return rows
        .filter((r) => filter.project === undefined || r.project === filter.project)
        .sort((a, b) => compare(a.target, b.target) || compare(a.resource, b.resource) || compare(a.project, b.project) || compare(a.grant, b.grant) || compare(a.via, b.via));
}

/**
 * Folder rows: for each folder some grant names (or the asked folder), the grants naming it,
 * naming a parent of it, or naming a child inside it.
 */
function hierarchicalRows(reached: readonly Reached[], secret: string | undefined): AccessRow[] {
    const exact = new Map<string, Reached[]>();
    const below = new Map<string, Reached[]>();
    for (const r of reached) {
        (exact.get(r.resource) ?? exact.set(r.resource, []).get(r.resource)!).push(r);
        for (const ancestor of ancestors(r.resource)) {
            (below.get(ancestor) ?? below.set(ancestor, []).get(ancestor)!).push(r);
        }
    }
    const folders = secret === undefined ? [...exact.keys()] : [...new Set(reached.map((r) => r.resource.slice(0, r.resource.indexOf("/"))))].map((mount) => (secret.startsWith(`${mount}/`) ? secret : `${mount}/${secret}`));
    const rows: AccessRow[] = [];
    for (const folder of folders) {
        rows.push(...(exact.get(folder) ?? []).map((r) => row(r, folder, "exact")));
        for (const ancestor of ancestors(folder)) {
            rows.push(...(exact.get(ancestor) ?? []).map((r) => row(r, folder, "parent")));
        }
        rows.push(...(below.get(folder) ?? []).map((r) => row(r, folder, "child")));
    }
    return rows;
}

/** The rows as CSV (RFC 4180 quoting). */
export function accessCsv(rows: readonly AccessRow[]): string {
    const header = ["target", "resource", "project", "projectId", "grant", "refType", "refs", "protected", "environment", "via", "through", "gives", "loosenings"];
    const quote = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
    const lines = rows.map((r) =>
        [r.target, r.resource, r.project, r.projectId, r.grant, r.refType, r.refs.join(" "), String(r.protected), r.environment ?? "", r.via, r.through ?? "", r.gives.join(" "), r.loosenings.join(" | ")].map(quote).join(","),
    );
    return `${[header.join(","), ...lines].join("\n")}\n`;
}
