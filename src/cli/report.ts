/** How the CLI prints problems and warnings: `file:line:column: path: message`, or JSON. */
import { createHash } from "node:crypto";
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

/** Prints every problem of an invalid map to stderr, in file order, with a count first. */
export function printProblems(context: CommandContext, loaded: LoadedMap): void {
    const problems = locateAll(loaded, problemsOf(loaded)).sort(byPosition);
    const n = problems.length;
    context.io.stderr(
        `${context.style.error(`${loaded.source.label}: the gitlab-federation project map has ${n === 1 ? "1 problem" : `${n} problems`}:`)}\n${problems.map((p) => locatedLine(context, loaded, p)).join("\n")}\n`,
    );
}

/** Prints the warnings of a valid map to stderr. */
export function printWarnings(context: CommandContext, loaded: LoadedMap): void {
    for (const warning of locateAll(loaded, loaded.result?.warnings ?? []).sort(byPosition)) {
        context.io.stderr(`${context.style.warning("warning:")} ${locatedLine(context, loaded, warning)}\n`);
    }
}

/** The machine-readable report of `validate --json` (and of `plan --json` on an invalid map). */
export function jsonReport(loaded: LoadedMap): Record<string, unknown> {
    const plan = loaded.result?.plan;
    return {
        file: loaded.source.label,
        valid: plan !== undefined,
        ...(plan !== undefined ? { summary: { ...planCounts(plan), warnings: plan.warnings.length } } : {}),
        problems: locateAll(loaded, problemsOf(loaded)).map(jsonItem),
        warnings: locateAll(loaded, loaded.result?.warnings ?? []).map(jsonItem),
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
        ...locateAll(loaded, problemsOf(loaded)).map((item) => ({ item, severity: "major" })),
        ...locateAll(loaded, loaded.result?.warnings ?? []).map((item) => ({ item, severity: "minor" })),
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
