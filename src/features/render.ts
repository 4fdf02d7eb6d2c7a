/**
 * The plan as text for people: what each grant gives, per target, and the warnings. Tables can be
 * fitted to a terminal width (the widest column is narrowed first, its cells wrapped) and coloured; both are the CLI's
 * choice, so the default output is plain and complete.
 */
import { targets } from "../../components";
import type { GrantSummary, Plan } from "./plan-schema";
import { planEntries } from "./resources";

export interface RenderOptions {
    /** Fit tables to this many columns (wrapping the widest column's cells); default: no limit. */
    readonly width?: number;
    /** Wraps headings and warnings in terminal colours; default: none. */
    readonly style?: Style;
}

export interface Style {
    readonly heading: (text: string) => string;
    readonly header: (text: string) => string;
    readonly warning: (text: string) => string;
}

const PLAIN: Style = { heading: (t) => t, header: (t) => t, warning: (t) => t };

/** Narrows the widest column (by one character at a time) until every line fits in `width`. */
function fitWidths(widths: number[], width: number): number[] {
    const fitted = [...widths];
    const total = () => fitted.reduce((a, b) => a + b, 0) + 2 * (fitted.length - 1);
    while (total() > width) {
        const widest = fitted.indexOf(Math.max(...fitted));
        if (fitted[widest]! <= 8) {
            break; // narrower than this helps no one: let the terminal wrap
        }
        fitted[widest]!--;
    }
    return fitted;
}

/** Where a line of at most `width` characters of `text` ends: at the last space, or after the last "," "/" ":" "|" "-" "." that fits; at `width` when none does. */
function breakAt(text: string, width: number): number {
    for (let j = width; j > 0; j--) {
        if (text[j] === " " || /[,/:|.-]/.test(text[j - 1]!)) {
            return j;
        }
    }
    return width;
}

/**
 * A cell's text in lines of at most `width` characters, nothing cut (a reviewer must read every ref,
 * path and role): broken at a space or after a separator where one fits.
 */
export function wrapCell(text: string, width: number): string[] {
    const lines: string[] = [];
    let rest = text;
    while (rest.length > width) {
        const cut = breakAt(rest, width);
        lines.push(rest.slice(0, cut).trimEnd());
        rest = rest.slice(cut).trimStart();
    }
    return [...lines, rest];
}

/** Left-aligned columns, two spaces apart; trailing spaces trimmed; a cell wider than its column continues on the next lines. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], width = Infinity, style: Style = PLAIN): string {
    const natural = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const widths = Number.isFinite(width) ? fitWidths(natural, width) : natural;
    const lines = (cells: readonly string[]): string => {
        const wrapped = cells.map((c, i) => wrapCell(c, widths[i]!));
        const height = Math.max(...wrapped.map((w) => w.length));
        return Array.from({ length: height }, (_, k) => wrapped.map((w, i) => (w[k] ?? "").padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
    };
    return [style.header(lines(header)), ...rows.map(lines)].join("\n");
}

function count(n: number, word: string): string {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** What a plan holds: projects and grants of the projects section, and whether it has the deployer's identities. */
export function planCounts(plan: Plan): { projects: number; grants: number; deployer: boolean } {
    const grants = plan.grants.filter((g) => g.deployer === undefined);
    return { projects: new Set(grants.map((g) => g.project)).size, grants: grants.length, deployer: grants.length !== plan.grants.length };
}

/** `2 projects, 4 grants` (and `, the deployer` when the plan has it). */
export function describeCounts(plan: Plan): string {
    const c = planCounts(plan);
    return `${count(c.projects, "project")}, ${count(c.grants, "grant")}${c.deployer ? ", the deployer" : ""}`;
}

export function renderPlan(plan: Plan, options: RenderOptions = {}): string {
    const style = options.style ?? PLAIN;
    const sections = plan as unknown as Record<string, unknown>;
    const perTarget = targets().map((t) => `${t.title} ${plan.grants.filter((g) => g.deployer === undefined && (g as Record<string, unknown>)[t.key] !== undefined).length}`);
    const out: string[] = [style.heading(`gitlab-federation plan for ${plan.gitlab.url}: ${describeCounts(plan)} (grants per target: ${perTarget.join(", ")})`)];
    const resources = planEntries(plan).length;
    if (plan.sharding !== undefined) {
        out.push(
            `Sharded over ${plan.sharding.shards} shard stack${plan.sharding.shards === 1 ? "" : "s"} (by ${plan.sharding.by}): this foundation stack registers ${count(resources, "resource")}, the trust anchors and the deployer's; the shards register the grants' (gitlab-federation shard).`,
        );
    } else if (plan.shard !== undefined) {
        out.push(`Shard ${plan.shard.index} of ${plan.shard.shards} of the map of stack ${plan.shard.of}: this stack registers ${count(resources, "resource")}, its grants' (gitlab-federation shard).`);
    }
    for (const target of targets()) {
        const section = sections[target.key];
        if (section === undefined) {
            continue;
        }
        const grants = plan.grants.flatMap((g: GrantSummary) => {
            const summary = (g as Record<string, unknown>)[target.key];
            return summary === undefined ? [] : [{ ...g, summary }];
        });
        const rendered = target.review?.render?.(section, grants);
        if (rendered === undefined) {
            continue;
        }
        out.push("", style.heading(rendered.heading), table(rendered.header, rendered.rows, options.width, style));
    }
    if (plan.warnings.length > 0) {
        out.push("", style.warning(`Warnings (${plan.warnings.length}):`), ...plan.warnings.map((w) => `  ${w.path}: ${w.message}`));
    }
    return `${out.join("\n")}\n`;
}
