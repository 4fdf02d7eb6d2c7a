/** How the CLI prints problems and warnings: `file:line:column: path: message`, or JSON. */
import { createHash } from "node:crypto";
import { Warning, isAcknowledged } from "../core/findings";
import { planCounts } from "../features/render";
import type { CommandContext } from "./command";
import { LoadedMap, Located, locateAll, problemsOf } from "./load";

function where(loaded: LoadedMap, item: Located): string {
    return item.line !== undefined ? `${loaded.source.label}:${item.line}:${item.column}` : loaded.source.label;
}

/** `file:line:column: path: message` (the path is left out for problems about the file itself). */
export function locatedLine(context: CommandContext, loaded: LoadedMap, item: Located): string {
    const path = item.path === "(file)" ? "" : `${item.path}: `;
    return `${context.style.location(`${where(loaded, item)}:`)} ${path}${item.message}`;
}

/** In file order (line, then column); findings the file does not locate last, by path. */
export function byPosition(a: Located, b: Located): number {
    return (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

/** Findings with their positions, in file order (the order every report prints them in). */
export function inFileOrder(loaded: LoadedMap, findings: Parameters<typeof locateAll>[1]): Located[] {
    return locateAll(loaded, findings).sort(byPosition);
}

/** Prints every problem of an invalid map to stderr, in file order, with a count first. */
export function printProblems(context: CommandContext, loaded: LoadedMap): void {
    const problems = inFileOrder(loaded, problemsOf(loaded));
    const n = problems.length;
    context.io.stderr(
        `${context.style.error(`${loaded.source.label}: the gitlab-federation project map has ${n === 1 ? "1 problem" : `${n} problems`}:`)}\n${problems.map((p) => locatedLine(context, loaded, p)).join("\n")}\n`,
    );
}

/** A valid map's warnings that are loosenings it acknowledges with a reason, and the others. */
export function acknowledgedWarnings(loaded: LoadedMap): { acknowledged: readonly Warning[]; others: readonly Warning[] } {
    const warnings = loaded.result?.warnings ?? [];
    const loosenings = loaded.result?.loosenings ?? [];
    return { acknowledged: warnings.filter((w) => isAcknowledged(w, loosenings)), others: warnings.filter((w) => !isAcknowledged(w, loosenings)) };
}

/** Prints a valid map's warnings to stderr, in file order. */
export function printWarnings(context: CommandContext, loaded: LoadedMap, warnings: readonly Warning[]): void {
    for (const warning of inFileOrder(loaded, warnings)) {
        context.io.stderr(`${context.style.warning("warning:")} ${locatedLine(context, loaded, warning)}\n`);
    }
}

/**
 * The machine-readable report of `validate --json` (and of `plan --json` on an invalid map): findings
 * in file order; the summary counts the plan's projects, grants and deployer (a valid map), its problems, its
 * warnings and, of those, the loosenings the map acknowledges with a reason.
 */
export function jsonReport(loaded: LoadedMap): Record<string, unknown> {
    const plan = loaded.result?.plan;
    const problems = inFileOrder(loaded, problemsOf(loaded));
    const warnings = inFileOrder(loaded, loaded.result?.warnings ?? []);
    const { acknowledged } = acknowledgedWarnings(loaded);
    return {
        file: loaded.source.label,
        valid: plan !== undefined,
        summary: { ...(plan !== undefined ? planCounts(plan) : {}), problems: problems.length, warnings: warnings.length, acknowledged: acknowledged.length },
        problems: problems.map(jsonItem),
        warnings: warnings.map(jsonItem),
    };
}

/** A located finding in JSON: line and column are null when the file does not hold the path. */
function jsonItem(item: Located): { path: string; line: number | null; column: number | null; message: string } {
    return { path: item.path, line: item.line ?? null, column: item.column ?? null, message: item.message };
}

/**
 * GitLab's Code Quality report (a JSON array of issues: description, check_name, fingerprint,
 * severity, location {path, lines {begin}}): problems are major, warnings minor, each on the line
 * the file holds it, so the merge request shows them on the diff.
 */
export function codeQualityReport(loaded: LoadedMap): Record<string, unknown>[] {
    const items = [
        ...inFileOrder(loaded, problemsOf(loaded)).map((item) => ({ item, severity: "major" })),
        ...inFileOrder(loaded, loaded.result?.warnings ?? []).map((item) => ({ item, severity: "minor" })),
    ];
    const path = loaded.source.label;
    return items.map(({ item, severity }) => ({
        description: `${item.path === "(file)" ? "" : `${item.path}: `}${item.message}`,
        check_name: severity === "major" ? "gitlab-federation problem" : "gitlab-federation warning",
        fingerprint: createHash("sha256").update(`${path}\u0000${item.path}\u0000${item.message}`).digest("hex"),
        severity,
        location: { path, lines: { begin: item.line ?? 1 } },
    }));
}
