/**
 * The diff as people and tools read it: text for a terminal, markdown for a merge-request note
 * (a hidden marker first so a CI job updates its own note; a verdict and summary tables; details
 * in <details> blocks; bounded below GitLab's note size on any map), or JSON.
 */
import { targets } from "../../components";
import type { AccessChange, DiffResult } from "./diff";
import { ResourceChange, shortType } from "./lifecycle";
import type { Plan } from "./plan-schema";
import type { FieldChange } from "./review";

/** The first line of every markdown report: a CI job finds its own note by it. */
export const NOTE_MARKER = "<!-- gitlab-federation:diff -->";

/** GitLab refuses notes above 1,000,000 characters; the report stays well below. */
export const NOTE_BUDGET = 900_000;

const TITLE = Object.fromEntries(targets().map((t) => [t.key, t.title]));

/** How many items have each value of `pick`. */
function counts<I, T extends string>(items: readonly I[], pick: (item: I) => string, keys: readonly T[]): Record<T, number> {
    const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<T, number>;
    for (const item of items) {
        const value = pick(item) as T;
        if (value in out) {
            out[value]++;
        }
    }
    return out;
}

const ACCESS_KINDS = ["gained", "widened", "narrowed", "lost"] as const;
const OPS = ["create", "import", "update", "replace", "move", "delete"] as const;

/** The changes only an administrator's pulumi up can make. */
function adminOnly(result: DiffResult): ResourceChange[] {
    return result.resources.filter((r) => r.adminOnly !== undefined);
}

/**
 * A grant whose description changed. Cosmetic (it grants nothing), but a reviewer sees it: it is
 * the comment above the grant's job in generated CI and, unless aws.description is set, its IAM
 * role's description.
 */
export interface DescriptionChange {
    readonly project: string;
    readonly grant: string;
    readonly before?: string;
    readonly after?: string;
}

/** What a report shows: the diff, and the changed descriptions. */
export type Reported = DiffResult & { readonly descriptions?: readonly DescriptionChange[] };

/** The grants (by project id and name) whose description differs between two plans. */
export function descriptionChanges(base: Plan, head: Plan): DescriptionChange[] {
    const before = new Map(base.grants.map((g) => [`${g.projectId}/${g.grant}`, g.description]));
    return head.grants
        .filter((g) => before.has(`${g.projectId}/${g.grant}`) && before.get(`${g.projectId}/${g.grant}`) !== g.description)
        .map((g) => {
            const was = before.get(`${g.projectId}/${g.grant}`);
            return { project: g.project, grant: g.grant, ...(was !== undefined ? { before: was } : {}), ...(g.description !== undefined ? { after: g.description } : {}) };
        });
}

/** A description as a quoted line: JSON escapes, plus line separators and bidirectional controls, which could disguise it. */
function quoted(text: string | undefined): string {
    return text === undefined ? "none" : JSON.stringify(text).replace(/[\u0085\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function descriptionLine(d: DescriptionChange, show: (text: string | undefined) => string = quoted): string {
    return `${d.project} ${d.grant}: ${show(d.before)} -> ${show(d.after)}`;
}

/** Whether the report has anything to say (access changed, `pulumi up` would stop or lose data or needs an administrator, a description changed). */
export function hasNews(result: Reported): boolean {
    return result.verdict !== "unchanged" || result.resources.some((r) => r.hazard !== undefined || r.adminOnly !== undefined) || (result.descriptions ?? []).length > 0;
}

export function diffJson(result: Reported): Record<string, unknown> {
    return {
        verdict: result.verdict,
        access: result.access,
        ...(result.fields.length > 0 ? { fields: result.fields } : {}),
        resources: result.resources.map((r) => ({
            type: r.type,
            name: r.name,
            op: r.op,
            protected: r.protected,
            ...(r.formerName !== undefined ? { formerName: r.formerName } : {}),
            ...(r.changed.length > 0 ? { changed: r.changed } : {}),
            ...(r.replacedBy.length > 0 ? { replacedBy: r.replacedBy, deleteBeforeReplace: r.deleteBeforeReplace } : {}),
            physical: r.physical,
            ...(r.hazard !== undefined ? { hazard: r.hazard } : {}),
            ...(r.adminOnly !== undefined ? { adminOnly: r.adminOnly } : {}),
        })),
        warnings: result.warnings,
        ...((result.descriptions ?? []).length > 0 ? { descriptions: result.descriptions } : {}),
    };
}

/** What changes about a resource: its former name, the changed arguments, protection. */
function resourceDetail(r: ResourceChange): string[] {
    return [
        ...(r.formerName !== undefined ? [`was ${r.formerName}`] : []),
        ...(r.op === "replace" ? [`${r.deleteBeforeReplace ? "delete-first" : "create-first"}: ${r.replacedBy.join(", ")}`] : r.op === "update" ? [r.changed.join(", ")] : []),
        ...(r.protected ? ["[protected]"] : []),
    ];
}

function resourceLine(r: ResourceChange): string {
    const detail = resourceDetail(r);
    return `${r.op} ${shortType(r.type)} ${r.name}${detail.map((d) => (d.startsWith("[") ? ` ${d}` : ` (${d})`)).join("")}`;
}

function verdictLine(result: Reported): string {
    const a = counts(result.access, (x) => x.change, ACCESS_KINDS);
    const r = counts(result.resources, (x) => x.op, OPS);
    const hazards = result.resources.filter((x) => x.hazard !== undefined).length;
    const admin = adminOnly(result).length;
    const descriptions = (result.descriptions ?? []).length;
    return `access ${result.verdict}: ${a.gained} gained, ${a.widened} widened, ${a.narrowed} narrowed, ${a.lost} lost${fieldCounts(result.fields)}; resources: ${r.create} create, ${r.import} import, ${r.update} update, ${r.replace} replace, ${r.delete} delete${hazards > 0 ? `; ${hazards} that pulumi up would refuse or that lose data` : ""}${admin > 0 ? `; ${admin} only an administrator can apply` : ""}${descriptions > 0 ? `; ${descriptions} ${descriptions === 1 ? "description" : "descriptions"} changed (cosmetic)` : ""}`;
}

const FIELD_KINDS = ["hazard", "widened", "narrowed"] as const;

/** `; map fields: 1 hazard, 2 widened, 0 narrowed`, or nothing when no field change is reported. */
function fieldCounts(fields: readonly FieldChange[]): string {
    if (fields.length === 0) {
        return "";
    }
    const f = counts(fields, (x) => x.change, FIELD_KINDS);
    return `; map fields: ${f.hazard} ${f.hazard === 1 ? "hazard" : "hazards"}, ${f.widened} widened, ${f.narrowed} narrowed`;
}

/** The field changes of one block: hazards (any class), or the trust or access class's widenings and narrowings. */
function fieldsOf(result: DiffResult, block: "hazard" | "trust" | "access"): FieldChange[] {
    return result.fields.filter((f) => (block === "hazard" ? f.change === "hazard" : f.change !== "hazard" && f.class === block));
}

const FIELD_HAZARDS_HEADING = "Hazards in the map (data or audit lost, deletion unguarded)";
const TRUST_HEADING = "Trust (who and what the targets trust)";

function fieldLine(f: FieldChange): string {
    return f.change === "hazard" ? `${f.path}: ${f.detail}` : `${f.change.padEnd(8)} ${f.path}: ${f.detail}`;
}

const DESCRIPTIONS_HEADING = "Descriptions changed (cosmetic: the comments of generated CI, IAM role descriptions)";

export function renderDiffText(result: Reported, label: string): string {
    const out = [`${label}: ${verdictLine(result)}`];
    const fieldHazards = fieldsOf(result, "hazard");
    if (fieldHazards.length > 0) {
        out.push("", `${FIELD_HAZARDS_HEADING}:`, ...fieldHazards.map((f) => `  ${fieldLine(f)}`));
    }
    const hazards = result.resources.filter((r) => r.hazard !== undefined);
    if (hazards.length > 0) {
        out.push("", "pulumi up would refuse these, or lose data:", ...hazards.map((r) => `  ${resourceLine(r)}: ${r.hazard}`));
    }
    const trust = fieldsOf(result, "trust");
    if (trust.length > 0) {
        out.push("", `${TRUST_HEADING}:`, ...trust.map((f) => `  ${fieldLine(f)}`));
    }
    const mapAccess = fieldsOf(result, "access");
    if (result.access.length + mapAccess.length > 0) {
        out.push("", "Access:", ...mapAccess.map((f) => `  ${fieldLine(f)}`));
        for (const a of result.access) {
            out.push(`  ${a.change.padEnd(8)} ${a.project} ${a.grant} (${TITLE[a.target] ?? a.target})`, ...a.details.map((d) => `             ${d}`));
        }
    }
    const admin = adminOnly(result).filter((r) => r.hazard === undefined);
    if (admin.length > 0) {
        out.push("", "Only an administrator can apply these (the applier's pulumi up would be denied):", ...admin.map((r) => `  ${resourceLine(r)}: ${r.adminOnly}`));
    }
    const others = result.resources.filter((r) => r.hazard === undefined && r.adminOnly === undefined);
    if (others.length > 0) {
        out.push("", "Resources:", ...others.map((r) => `  ${resourceLine(r)}`));
    }
    if ((result.descriptions ?? []).length > 0) {
        out.push("", `${DESCRIPTIONS_HEADING}:`, ...result.descriptions!.map((d) => `  ${descriptionLine(d)}`));
    }
    if (result.warnings.added.length + result.warnings.removed.length > 0) {
        out.push("", "Warnings:", ...result.warnings.added.map((w) => `  + ${w.path}: ${w.message}`), ...result.warnings.removed.map((w) => `  - ${w.path}: ${w.message}`));
    }
    return `${out.join("\n")}\n`;
}

const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A markdown table cell: no pipes, no line breaks. */
function cell(text: string): string {
    return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

function details(summary: string, body: string[]): string[] {
    return ["<details>", `<summary>${summary}</summary>`, "", ...body, "", "</details>", ""];
}

function accessRows(access: readonly AccessChange[]): string[] {
    return access.map((a) => `| ${a.change} | ${cell(a.project)} | ${cell(a.grant)} | ${TITLE[a.target] ?? a.target} | ${cell(a.details.join("\n"))} |`);
}

function resourceRows(resources: readonly ResourceChange[]): string[] {
    return resources.map((r) => `| ${r.op} | ${shortType(r.type)} | ${cell(r.name)} | ${cell(resourceDetail(r).join("; "))}${r.hazard !== undefined ? `<br>**${cell(r.hazard)}**` : ""}${r.adminOnly !== undefined ? `<br>administrator only` : ""} |`);
}

/** Renders with at most `rows` rows per table. */
function markdownWith(result: Reported, label: string, rows: number): string {
    const a = counts(result.access, (x) => x.change, ACCESS_KINDS);
    const r = counts(result.resources, (x) => x.op, OPS);
    const hazards = result.resources.filter((x) => x.hazard !== undefined);
    const more = (total: number) => (total > rows ? [``, `... and ${total - rows} more: run \`gitlab-federation diff --format json\` for all of them`] : []);
    const out = [
        NOTE_MARKER,
        `### gitlab-federation: access **${result.verdict}** (${cell(label)})`,
        "",
        "| access | gained | widened | narrowed | lost |",
        "|---|---|---|---|---|",
        `| grants | ${a.gained} | ${a.widened} | ${a.narrowed} | ${a.lost} |`,
        "",
        "| resources | create | import | update | replace | delete | refused or unsafe |",
        "|---|---|---|---|---|---|---|",
        `| | ${r.create} | ${r.import} | ${r.update} | ${r.replace} | ${r.delete} | ${hazards.length} |`,
        "",
    ];
    for (const [heading, fields] of [
        [FIELD_HAZARDS_HEADING, fieldsOf(result, "hazard")],
        [TRUST_HEADING, fieldsOf(result, "trust")],
        ["Access in the map (fields a grant's access does not show)", fieldsOf(result, "access")],
    ] as const) {
        if (fields.length > 0) {
            // The path as code, the detail HTML-escaped: a reason it quotes cannot add markup to the note.
            const line = (f: FieldChange) => `> - ${f.change === "hazard" ? "" : `${f.change}: `}\`${f.path}\`: ${escapeHtml(cell(f.detail))}`;
            out.push(`> **${heading} (${fields.length})**`, ...fields.slice(0, rows).map(line), ...more(fields.length).map((l) => `> ${l}`), "");
        }
    }
    if (hazards.length > 0) {
        out.push(`> **pulumi up would refuse these, or lose data (${hazards.length})**`, ...hazards.slice(0, rows).map((h) => `> - ${cell(resourceLine(h))}: ${cell(h.hazard!)}`), ...more(hazards.length).map((l) => `> ${l}`), "");
    }
    const admin = adminOnly(result);
    if (admin.length > 0) {
        out.push(`> **Only an administrator can apply these (${admin.length})**`, ...admin.slice(0, rows).map((h) => `> - ${cell(resourceLine(h))}: ${cell(h.adminOnly!)}`), ...more(admin.length).map((l) => `> ${l}`), "");
    }
    if (result.access.length > 0) {
        out.push(...details(`Access changes (${result.access.length})`, ["| change | project | grant | target | details |", "|---|---|---|---|---|", ...accessRows(result.access.slice(0, rows)), ...more(result.access.length)]));
    }
    if (result.resources.length > 0) {
        out.push(...details(`Resource changes (${result.resources.length})`, ["| op | type | name | details |", "|---|---|---|---|", ...resourceRows(result.resources.slice(0, rows)), ...more(result.resources.length)]));
    }
    const descriptions = result.descriptions ?? [];
    if (descriptions.length > 0) {
        // Quoted and HTML-escaped: a description cannot add markup to the note.
        const html = (text: string | undefined) => escapeHtml(quoted(text));
        out.push(...details(`${DESCRIPTIONS_HEADING} (${descriptions.length})`, [...descriptions.slice(0, rows).map((d) => `- ${cell(descriptionLine(d, html))}`), ...more(descriptions.length)]));
    }
    const { added, removed } = result.warnings;
    if (added.length + removed.length > 0) {
        const lines = [...added.map((w) => `- added: \`${cell(w.path)}\`: ${cell(w.message)}`), ...removed.map((w) => `- removed: \`${cell(w.path)}\`: ${cell(w.message)}`)];
        out.push(...details(`Warnings: ${added.length} added, ${removed.length} removed`, [...lines.slice(0, rows), ...more(lines.length)]));
    }
    return `${out.join("\n")}\n`;
}

/** The merge-request note; rows are cut (and counted) until it fits NOTE_BUDGET. */
export function renderDiffMarkdown(result: Reported, label: string, budget = NOTE_BUDGET): string {
    let rows = 500;
    let text = markdownWith(result, label, rows);
    while (text.length > budget && rows > 1) {
        rows = Math.floor(rows / 2);
        text = markdownWith(result, label, rows);
    }
    return text;
}
