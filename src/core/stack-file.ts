/**
 * Reads a Pulumi.<stack>.yaml for the offline CLI, keeping what the runtime cannot know: where
 * each value is (line and column, for every problem) and how it was written. On top of
 * stack-config.ts's checks it refuses
 * - duplicate keys (checked linearly, one set per mapping);
 * - `secure:` values anywhere inside the map;
 * - plain scalars that `pulumi up` (YAML 1.1, gopkg.in/yaml.v2) reads differently from this tool
 *   (YAML 1.2), see yaml-v2.ts;
 * and it explains values YAML turned into numbers the user likely meant as text
 * (`ref: 2024.10` is the number 2024.1).
 */
import { Document, LineCounter, Node, Pair, Scalar, YAMLMap, YAMLSeq, isMap, isScalar, isSeq, parseDocument } from "yaml";
import { NAMESPACE, PathSegment, Problem, formatPath } from "./findings";
import { ConfigReadOptions, SECRET_MESSAGE, keyProblem, mapFromStackConfig } from "./stack-config";
import { readerDisagreement } from "./yaml-v2";

export interface Position {
    /** 1-based. */
    readonly line: number;
    /** 1-based. */
    readonly column: number;
}

export interface StackFile {
    /** Config keys without the namespace → values (the raw map). */
    readonly raw: Record<string, unknown>;
    /** Problems found while reading, with their positions; the map is invalid if there are any. */
    readonly problems: PositionedProblem[];
    /**
     * The problems only the file shows: duplicate keys and scalars the two YAML readers see
     * differently (the program checks these too when the file is there; secrets and namespaces
     * it sees in the runtime config itself).
     */
    readonly yamlProblems: PositionedProblem[];
    /** Whether the file could be read as a stack file at all (YAML, a config: mapping). */
    readonly readable: boolean;
    /** The position of the value at a map path (or of the deepest part of it that exists). */
    locate(segments: readonly PathSegment[]): Position | undefined;
    /** A sentence about how YAML read the value at a map path, when that likely explains a problem there. */
    hint(segments: readonly PathSegment[]): string | undefined;
}

/** A problem that carries its own position (read problems: syntax, duplicates, disagreements). */
export interface PositionedProblem extends Problem {
    readonly position?: Position;
}

type Located = { readonly node: Node | null; readonly keyNode?: Node };

function positionOf(node: Node | null | undefined, lines: LineCounter): Position | undefined {
    if (node === null || node === undefined || node.range === undefined || node.range === null) {
        return undefined;
    }
    const { line, col } = lines.linePos(node.range[0]);
    return { line, column: col };
}

function keyText(key: unknown): string {
    return isScalar(key) ? String(key.value) : String(key);
}

/** Finds the pair for a key in a mapping. */
function pairOf(map: YAMLMap, key: string): Pair | undefined {
    return map.items.find((pair) => keyText(pair.key) === key);
}

/** Walks `segments` from `start`; returns the deepest node reached, the key node that led there, and whether every segment was found. */
function walk(start: Located, segments: readonly PathSegment[]): Located & { readonly complete: boolean } {
    let current = start;
    for (const segment of segments) {
        const node = current.node;
        if (isMap(node)) {
            const pair = pairOf(node, String(segment));
            if (pair === undefined) {
                return { ...current, complete: false };
            }
            current = { node: (pair.value as Node | null) ?? null, keyNode: pair.key as Node };
        } else if (isSeq(node) && typeof segment === "number" && node.items[segment] !== undefined) {
            current = { node: node.items[segment] as Node };
        } else {
            return { ...current, complete: false };
        }
    }
    return { ...current, complete: true };
}

interface Walker {
    readonly lines: LineCounter;
    readonly problems: PositionedProblem[];
}

function problemAt(walker: Walker, segments: readonly PathSegment[], node: Node | null | undefined, message: string): void {
    const position = positionOf(node, walker.lines);
    walker.problems.push({ path: formatPath(segments), segments, message, ...(position !== undefined ? { position } : {}) });
}

/**
 * Refuses duplicate keys (linear: one set per mapping) and ambiguous plain scalars, and finds
 * secure values, below `node`. `keyNode` is the key the node is the value of (for positions).
 */
function check(walker: Walker, node: unknown, segments: PathSegment[], keyNode?: Node): void {
    if (isMap(node)) {
        const seen = new Map<string, Pair>();
        if (node.items.length === 1 && keyText(node.items[0]!.key) === "secure") {
            problemAt(walker, segments, keyNode ?? node, SECRET_MESSAGE);
            return;
        }
        for (const pair of node.items) {
            const key = keyText(pair.key);
            const earlier = seen.get(key);
            if (earlier !== undefined) {
                const first = positionOf(earlier.key as Node, walker.lines);
                problemAt(walker, [...segments, key], pair.key as Node, `duplicate key ${JSON.stringify(key)}${first !== undefined ? ` (first at line ${first.line})` : ""}: a mapping holds each key once; merge the two entries`);
            }
            seen.set(key, pair);
            if (isScalar(pair.key)) {
                checkScalar(walker, pair.key, [...segments, key]);
            }
            check(walker, pair.value, [...segments, key], pair.key as Node);
        }
    } else if (isSeq(node)) {
        (node as YAMLSeq).items.forEach((item, index) => check(walker, item, [...segments, index]));
    } else if (isScalar(node)) {
        checkScalar(walker, node, segments);
    }
}

function checkScalar(walker: Walker, scalar: Scalar, segments: readonly PathSegment[]): void {
    if (scalar.type !== Scalar.PLAIN || typeof scalar.source !== "string") {
        return;
    }
    const problem = readerDisagreement(scalar.source, scalar.value);
    if (problem !== undefined) {
        problemAt(walker, segments, scalar, problem);
    }
}

/** The hint for a plain scalar YAML turned into a non-string the user likely meant as text. */
function scalarHint(node: Node | null): string | undefined {
    if (!isScalar(node) || node.type !== Scalar.PLAIN || typeof node.source !== "string" || typeof node.value === "string") {
        return undefined;
    }
    const shown = JSON.stringify(node.value) ?? String(node.value);
    const kind = typeof node.value === "number" ? "the number" : typeof node.value === "boolean" ? "the boolean" : "";
    return `(YAML read the unquoted ${node.source} as ${kind} ${shown}; write ${JSON.stringify(node.source)} in quotes if you meant the text)`.replace("as  ", "as ");
}

function unreadable(problems: PositionedProblem[]): StackFile {
    return { raw: {}, problems, yamlProblems: [], readable: false, locate: () => undefined, hint: () => undefined };
}

export interface StackFileOptions extends Omit<ConfigReadOptions, "isSecret"> {}

/** Reads a stack file's text. Never throws on bad input: every problem is in `problems`. */
export function readStackFile(text: string, options: StackFileOptions): StackFile {
    const lines = new LineCounter();
    const document: Document = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
    const walker: Walker = { lines, problems: [] };
    if (document.errors.length > 0) {
        return unreadable(
            document.errors.map((error) => {
                const { line, col } = lines.linePos(error.pos[0]);
                return { path: "(file)", segments: [], message: `not valid YAML: ${error.message.split("\n")[0]}`, position: { line, column: col } };
            }),
        );
    }
    const root = document.contents;
    const configPair = isMap(root) ? pairOf(root, "config") : undefined;
    if (configPair === undefined || !isMap(configPair.value)) {
        return unreadable([{ path: "(file)", segments: [], message: `has no config: mapping; the project map lives under config: as ${NAMESPACE}:gitlab, ${NAMESPACE}:projects, ...` }]);
    }
    const config = configPair.value;
    const configValues = ((document.toJS({ maxAliasCount: 1000 }) as Record<string, unknown>).config ?? {}) as Record<string, unknown>;
    const projectName = options.projectName ?? NAMESPACE;
    // Pulumi files un-namespaced keys under the project's name (stackConfigNamespacedWithProject).
    const fullKey = (key: string) => (key.includes(":") ? key : `${projectName}:${key}`);
    const sectionNodes = new Map<string, Located>();
    const values: Record<string, unknown> = {};
    const seenKeys = new Set<string>();
    for (const pair of config.items) {
        const written = keyText(pair.key);
        const key = fullKey(written);
        if (seenKeys.has(key)) {
            const position = positionOf(pair.key as Node, lines);
            walker.problems.push({ path: key, segments: [], message: `duplicate config key: a stack file holds each key once; merge the two entries`, ...(position !== undefined ? { position } : {}) });
        }
        seenKeys.add(key);
        values[key] = configValues[written];
        if (key.startsWith(`${NAMESPACE}:`)) {
            const section = key.slice(NAMESPACE.length + 1);
            sectionNodes.set(section, { node: (pair.value as Node | null) ?? null, keyNode: pair.key as Node });
            check(walker, pair.value, [section], pair.key as Node);
        }
    }
    const read = mapFromStackConfig(values, options);
    const keyNodes = new Map(config.items.map((pair) => [fullKey(keyText(pair.key)), pair.key as Node]));
    const readProblems: PositionedProblem[] = read.problems.map((p) => {
        const node = p.segments.length > 0 ? sectionNodes.get(String(p.segments[0]))?.keyNode : keyNodes.get(p.path);
        const position = positionOf(node, lines);
        return position !== undefined ? { ...p, position } : p;
    });
    // A secure value is reported once, by the walk, at the value itself.
    const secrets = new Set(walker.problems.filter((p) => p.message === SECRET_MESSAGE).map((p) => String(p.segments[0])));
    const problems = [...walker.problems, ...readProblems.filter((p) => !(p.message === SECRET_MESSAGE && secrets.has(String(p.segments[0]))))];
    return {
        raw: read.raw,
        problems,
        yamlProblems: walker.problems.filter((p) => p.message !== SECRET_MESSAGE),
        readable: true,
        locate(segments) {
            const section = sectionNodes.get(String(segments[0]));
            if (section === undefined) {
                return positionOf(configPair.key as Node, lines);
            }
            const found = walk(section, segments.slice(1));
            return positionOf(found.keyNode ?? found.node, lines);
        },
        hint(segments) {
            const section = sectionNodes.get(String(segments[0]));
            if (section === undefined) {
                return undefined;
            }
            const found = walk(section, segments.slice(1));
            return found.complete ? scalarHint(found.node) : undefined;
        },
    };
}

/** A map-level problem for a key outside the map (re-exported for callers that build read problems). */
export { keyProblem };
