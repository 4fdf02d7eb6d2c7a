/**
 * Problems (validation errors) and warnings, and how their paths are printed.
 *
 * Every finding names the offending value by its path in the stack config, written the way it
 * appears in the file: `gitlab-federation:projects["platform/api"].grants.deploy.ref`. The
 * segments are kept too, so the CLI can point at the line and column of the value.
 */

/** The config namespace of the map: every key of it is `gitlab-federation:<section>`. */
export const NAMESPACE = "gitlab-federation";

/** A segment of a path: an object key or a list index. The first segment is the section (config key without namespace). */
export type PathSegment = string | number;

/** One thing wrong with the map: `message` says what, the value, what is allowed and how to fix it. */
export interface Problem {
    /** The path as written in the stack file, e.g. `gitlab-federation:projects["platform/api"].id`. */
    readonly path: string;
    readonly segments: readonly PathSegment[];
    readonly message: string;
    /**
     * For a problem about a config key the map does not read (a misspelled namespace or key, a
     * secret section): the section it stands for. The map's checks count that section as written,
     * so its absence (and what needs it) is not reported a second time.
     */
    readonly meant?: string;
}

/** Something the map does on purpose that a reviewer should see (a loosening, a limit of a target). */
export type Warning = Problem;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Formats a path: `["projects", "platform/api", "grants", "deploy", "ref", 0]` becomes
 * `gitlab-federation:projects["platform/api"].grants.deploy.ref[0]`. Project keys are always
 * quoted, so every project reads the same.
 */
export function formatPath(segments: readonly PathSegment[]): string {
    if (segments.length === 0) {
        return "(map)";
    }
    let out = "";
    segments.forEach((segment, index) => {
        if (index === 0) {
            out = `${NAMESPACE}:${String(segment)}`;
        } else if (typeof segment === "number") {
            out += `[${segment}]`;
        } else if (IDENTIFIER.test(segment) && !(index === 1 && segments[0] === "projects")) {
            out += `.${segment}`;
        } else {
            out += `[${JSON.stringify(segment)}]`;
        }
    });
    return out;
}

/** Renders a value for a message: JSON, shortened so one line stays readable. */
export function show(value: unknown): string {
    if (value === undefined) {
        return "nothing";
    }
    let text: string;
    try {
        text = JSON.stringify(value) ?? String(value);
    } catch {
        text = String(value);
    }
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Collects problems and warnings with their paths. */
/**
 * A loosening the map asks for with a reason (an allow... or acknowledge... field): what it
 * allows and why, as data for review (diff, access) as well as a warning.
 */
export interface Loosening {
    readonly segments: readonly PathSegment[];
    /** What it allows, in the target's terms: "broad AWS permissions". */
    readonly effect: string;
    /** The map's reason, as written. */
    readonly reason: string;
}

export class Findings {
    readonly problems: Problem[] = [];
    readonly warnings: Warning[] = [];
    readonly loosenings: Loosening[] = [];

    problem(segments: readonly PathSegment[], message: string): void {
        this.problems.push({ path: formatPath(segments), segments, message });
    }

    warn(segments: readonly PathSegment[], message: string): void {
        this.warnings.push({ path: formatPath(segments), segments, message });
    }

    /** A loosening in effect, at the field that asks for it: recorded, and warned as `<effect>: "<reason>"`. */
    loosen(segments: readonly PathSegment[], effect: string, reason: string): void {
        this.loosenings.push({ segments, effect, reason });
        this.warn(segments, looseningMessage({ effect, reason }));
    }
}

/** A loosening's warning: `<effect>: "<reason>"`. */
function looseningMessage(loosening: Pick<Loosening, "effect" | "reason">): string {
    return `${loosening.effect}: ${JSON.stringify(loosening.reason)}`;
}

/** Whether a warning is a loosening's (one the map acknowledges with a reason). */
export function isAcknowledged(warning: Warning, loosenings: readonly Loosening[]): boolean {
    return loosenings.some((l) => formatPath(l.segments) === warning.path && looseningMessage(l) === warning.message);
}

/** Plain code-unit comparison: deterministic across locales. */
export function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts findings by path, then message, so output never depends on the order of keys in the map. */
export function sortFindings<T extends { readonly path: string; readonly message: string }>(items: readonly T[]): T[] {
    return [...items].sort((a, b) => compare(a.path, b.path) || compare(a.message, b.message));
}

/** One line per problem: `<path>: <message>`. */
export function problemLines(problems: readonly Pick<Problem, "path" | "message">[]): string[] {
    return problems.map((p) => `${p.path}: ${p.message}`);
}

/**
 * Thrown when the map is invalid. Carries every problem; `message` is the full report, one
 * problem per line, so it can be printed as is (no stack trace needed).
 */
export class MapValidationError extends Error {
    readonly problems: readonly Problem[];

    constructor(problems: readonly Problem[]) {
        const sorted = sortFindings(problems);
        const count = sorted.length === 1 ? "1 problem" : `${sorted.length} problems`;
        super(`the gitlab-federation project map has ${count}:\n${problemLines(sorted).join("\n")}`);
        this.name = "MapValidationError";
        this.problems = sorted;
    }
}
