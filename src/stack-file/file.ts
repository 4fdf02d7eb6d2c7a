/**
 * Reads a Pulumi.<stack>.yaml for the offline CLI, keeping what the runtime cannot know: where
 * each value is (line and column, for every problem) and how it was written. On top of
 * stack-config.ts's checks it refuses
 * - duplicate keys (every one: a set per mapping, linear);
 * - `secure:` values anywhere inside the map;
 * - scalars that `pulumi up` (YAML 1.1, gopkg.in/yaml.v2) reads differently from this tool
 *   (YAML 1.2 core), see yaml-v2.ts: plain ones and explicitly tagged ones (`!!int 0201`, quoted
 *   or not), and YAML 1.1 merge keys (`<<`) written where the readers would merge differently
 *   (merge.ts resolves the others as pulumi up does);
 * and it explains values YAML turned into numbers the user likely meant as text
 * (`ref: 2024.10` is the number 2024.1).
 *
 * It reads the file as js-yaml 5 parser events (one linear pass, offsets into the text) and
 * builds the values with js-yaml's YAML 1.2 core schema; positions of map paths are found by a
 * second pass over the events, only when a caller asks for them.
 */
import { CORE_SCHEMA, DocumentEvent, EVENT_ID, Event, NOT_RESOLVED, SCALAR_STYLE, ScalarEvent, YAMLException, boolCoreTag, constructFromEvents, floatCoreTag, getScalarValue, intCoreTag, nullCoreTag, parseEvents } from "js-yaml";
import { NAMESPACE, PathSegment, Problem, formatPath } from "../core/findings";
import { ConfigReadOptions, SECRET_MESSAGE, keyProblem, mapFromStackConfig } from "./config";
import { cutCycles, resolveMerges } from "./merge";
import { YAML_TAG_PREFIX, readerDisagreement, taggedDisagreement } from "./yaml-v2";

export interface Position {
    /** 1-based. */
    readonly line: number;
    /** 1-based. */
    readonly column: number;
}

/** A problem that carries its own position (read problems: syntax, duplicates, disagreements). */
export interface PositionedProblem extends Problem {
    readonly position?: Position;
}

export interface StackFile {
    /** Config keys without the namespace → values (the raw map). */
    readonly raw: Record<string, unknown>;
    /** The other config keys, in full (`vault:address`) → values: the providers' settings. */
    readonly providerConfig: Record<string, unknown>;
    /** Where a config key (in full) is written. */
    keyPosition(key: string): Position | undefined;
    /** Problems found while reading, with their positions; the map is invalid if there are any. */
    readonly problems: PositionedProblem[];
    /**
     * The problems only the file shows: duplicate keys, merge keys and scalars the two YAML
     * readers see differently (the program checks these too when the file is there; secrets and
     * namespaces it sees in the runtime config itself).
     */
    readonly yamlProblems: PositionedProblem[];
    /** Whether the file could be read as a stack file at all (YAML, a config: mapping). */
    readonly readable: boolean;
    /**
     * For each map path, in one pass: the position of its value (or of the deepest part of the path
     * that exists) and, when the whole path exists, a sentence about how YAML read the value there
     * if that likely explains a problem (see hint).
     */
    locateAll(paths: readonly (readonly PathSegment[])[]): PathPlace[];
    /** The position of one map path. */
    locate(segments: readonly PathSegment[]): Position | undefined;
    /** A sentence about how YAML read the value at a map path, when that likely explains a problem there. */
    hint(segments: readonly PathSegment[]): string | undefined;
}

export interface PathPlace {
    readonly position?: Position;
    readonly hint?: string;
}

/** Offsets to 1-based lines and columns, with a line index built once. */
class Lines {
    private readonly starts: number[] = [0];
    constructor(text: string) {
        for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
            this.starts.push(i + 1);
        }
    }
    at(offset: number): Position {
        let [low, high] = [0, this.starts.length - 1];
        while (low < high) {
            const mid = (low + high + 1) >> 1;
            if (this.starts[mid]! <= offset) low = mid;
            else high = mid - 1;
        }
        return { line: low + 1, column: offset - this.starts[low]! + 1 };
    }
}

/** YAML 1.2 core resolution of a plain scalar, as js-yaml's CORE_SCHEMA does it. */
function resolveCore(text: string): unknown {
    for (const tag of [nullCoreTag, boolCoreTag, intCoreTag, floatCoreTag] as const) {
        const value: unknown = (tag as { resolve: (source: string, isExplicit: boolean, tagName: string) => unknown }).resolve(text, false, "");
        if (value !== NOT_RESOLVED) {
            return value;
        }
    }
    return text;
}

/** The offset a node's position is reported at: a scalar's first character (a quote included), a collection's start. */
function startOf(event: Event): number {
    if (event.type === EVENT_ID.SCALAR) {
        const quoted = event.style === SCALAR_STYLE.SINGLE_QUOTED || event.style === SCALAR_STYLE.DOUBLE_QUOTED;
        return event.valueStart - (quoted ? 1 : 0);
    }
    if (event.type === EVENT_ID.ALIAS) {
        return event.anchorStart - 1; // the "*"
    }
    return event.type === EVENT_ID.SEQUENCE || event.type === EVENT_ID.MAPPING ? event.start : -1;
}

interface Frame {
    readonly kind: "map" | "seq";
    /** Offset of this collection's key (or item start), for positions. */
    readonly at: number;
    /** Maps: whether the next node is a key; the current key and its offset. */
    keyNext: boolean;
    key: PathSegment;
    keyAt: number;
    /** Sequences: the next item's index. */
    index: number;
}

/**
 * Walks the events with the path of every node: `visit(path, event, keyOffset)` for each scalar,
 * collection and alias that is a value (keys are visited with `isKey` and the mapping they belong
 * to, `owner`, which tells two mappings at the same path apart). Paths are the document path,
 * ["config", "<config key>", ...segments], in one array the walk changes as it goes: a visitor
 * that keeps a path copies it.
 */
function walk(events: readonly Event[], source: string, visit: (path: readonly PathSegment[], event: Event, keyOffset: number, isKey: boolean, owner?: Frame) => void): void {
    const stack: Frame[] = [];
    const path: PathSegment[] = [];
    const open = (event: Event, at: number) => {
        if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) {
            stack.push({ kind: event.type === EVENT_ID.MAPPING ? "map" : "seq", at, keyNext: true, key: "?", keyAt: at, index: 0 });
            return true;
        }
        return false;
    };
    for (const event of events) {
        if (event.type === EVENT_ID.DOCUMENT) {
            continue;
        }
        if (event.type === EVENT_ID.POP) {
            stack.pop();
            if (stack.length > 0) {
                path.pop();
            }
            continue;
        }
        const parent = stack[stack.length - 1];
        if (parent === undefined) {
            visit(path, event, startOf(event), false);
            open(event, startOf(event));
            continue;
        }
        if (parent.kind === "map" && parent.keyNext) {
            const key = event.type === EVENT_ID.SCALAR ? getScalarValue(source, event) : "?";
            path.push(key);
            visit(path, event, startOf(event), true, parent);
            parent.key = key;
            parent.keyAt = startOf(event);
            parent.keyNext = false;
            if (!open(event, startOf(event))) {
                path.pop();
            }
            continue;
        }
        let keyOffset: number;
        if (parent.kind === "map") {
            path.push(parent.key);
            keyOffset = parent.keyAt;
            parent.keyNext = true;
        } else {
            path.push(parent.index++);
            keyOffset = startOf(event);
        }
        visit(path, event, keyOffset, false);
        if (!open(event, keyOffset)) {
            path.pop();
        }
    }
}

/**
 * Which config keys are the map's sections: the section name of a document path's config key, or
 * undefined outside the map (["config", "gitlab-federation:projects", ...] → "projects").
 */
function sectionsOf(fullKey: (key: string) => string): (path: readonly PathSegment[]) => string | undefined {
    const cache = new Map<PathSegment, string | undefined>();
    return (path) => {
        if (path.length < 2 || path[0] !== "config") {
            return undefined;
        }
        if (!cache.has(path[1]!)) {
            const key = fullKey(String(path[1]));
            cache.set(path[1]!, key.startsWith(`${NAMESPACE}:`) ? key.slice(NAMESPACE.length + 1) : undefined);
        }
        return cache.get(path[1]!);
    };
}

/** The map path (a copy) of a document path inside a section. */
function mapSegments(section: string, path: readonly PathSegment[], drop = 0): PathSegment[] {
    return [section, ...path.slice(2, path.length - drop)];
}

/** First characters a plain scalar needs for either YAML reader to make anything but text of it. */
const MAYBE_NOT_TEXT = /^(?:$|[0-9+\-.~nNyYtTfFoO])/;

/** The default tag handles (YAML 1.2 §6.8.2.2; yaml.v2 emitterc.go/parserc.go default_tag_directives). */
const DEFAULT_HANDLES: Readonly<Record<string, string>> = { "!": "!", "!!": YAML_TAG_PREFIX };

/** The full tag a tag as written stands for: verbatim !<...>, or a handle (with the document's %TAG directives) and its suffix. */
function fullTag(written: string, directives: readonly { readonly handle: string; readonly prefix: string }[]): string {
    const verbatim = /^!<(.*)>$/.exec(written);
    const [, handle, suffix] = verbatim !== null ? ["", "", verbatim[1]!] : /^(!(?:[0-9A-Za-z-]*!)?)(.*)$/.exec(written)!;
    const prefix = handle === "" ? "" : (directives.find((d) => d.handle === handle)?.prefix ?? DEFAULT_HANDLES[handle] ?? handle);
    try {
        return prefix + decodeURIComponent(suffix!);
    } catch {
        return prefix + suffix!;
    }
}

/**
 * Why the two readers see a scalar with an explicit tag (`!!int 0201`, `!!float "1"`, a tagged
 * key) differently, or undefined when they agree. Tags are compared, not refused: both readers
 * resolve the YAML tags the map could carry (yaml.v2 as ported in resolveV2Tagged, this tool's
 * YAML 1.2 core schema), so a tagged value both read the same (`!!str 0201`, `!!int 42`) is as
 * good as the plain one, and one they read differently is refused like a plain one. Tags this
 * tool's reader does not know (!!binary, !!timestamp, !!set, custom tags) never get here: it
 * refuses the file ("unknown tag").
 */
function taggedProblem(events: readonly Event[], source: string, event: ScalarEvent): string | undefined {
    const document = events[0]?.type === EVENT_ID.DOCUMENT ? events[0] : undefined;
    const directives = (document?.directives ?? []).filter((d): d is Extract<typeof d, { kind: "tag" }> => d.kind === "tag");
    const written = source.slice(event.tagStart, event.tagEnd);
    const ours: unknown = constructFromEvents([...(document !== undefined ? [document] : []), event, { type: EVENT_ID.POP }], { source, schema: CORE_SCHEMA, json: true })[0];
    return taggedDisagreement(written, fullTag(written, directives), getScalarValue(source, event), ours);
}

function problem(lines: Lines, segments: readonly PathSegment[], offset: number, message: string, path = formatPath(segments)): PositionedProblem {
    return { path, segments, message, ...(offset >= 0 ? { position: lines.at(offset) } : {}) };
}

interface Checked {
    readonly problems: PositionedProblem[];
    /** Full config key → offset of the key, for problems about a whole config key. */
    readonly configKeys: Map<string, number>;
    /** Offset of the `config:` key, the fallback position. */
    readonly configAt: number;
}

const MERGE_FIRST = "a key before the YAML merge key (<<) in its mapping: Pulumi CLIs before 3.50 (yaml.v2) let a merged value replace it, later ones (yaml.v3) keep it: write <<: first, then the keys that replace merged values";
const MERGE_QUOTED = "a quoted or tagged << key: Pulumi CLIs disagree on it (yaml.v3, since 3.50, merges it; yaml.v2 does not), and the map has no field named <<: write <<: unquoted to merge, or remove it";
const MERGE_VALUE = "a YAML merge key (<<) takes a mapping, an alias of one (<<: *defaults) or a list of them (<<: [*a, *b]); pulumi up's reader refuses anything else";

const ALIAS_OUTSIDE =
    "an alias of an anchor defined outside the gitlab-federation map: pulumi up reads the anchored value with its own YAML rules (0755 is 493 there), which this tool checks only inside the map: define the anchor inside the map (e.g. on a grant) or write the value out";
const CYCLE = "a value that contains itself (an alias inside its own anchor): pulumi up's reader refuses it: write the values out";
const ALIAS_KEY = "an alias as a key: pulumi up reads it as the anchored value, which this tool does not check as a key: write the key out";
const KEY_NOT_TEXT = "a key YAML reads as a number, boolean or null: pulumi up turns it into text its own way (1e6 becomes 1e+06, null <nil>): quote the key";
const LONE_SURROGATE = "an escape of half a UTF-16 surrogate pair (\\ud800-\\udfff alone): pulumi up's reader refuses the whole file: write the character itself, or its \\U escape";
const YAML_DIRECTIVE = "a %YAML directive: pulumi up's reader (yaml.v3) refuses %YAML 1.2 documents and yaml.v2 reads them as YAML 1.1: remove the directive";

/** What an anchor (`&name`) is: its node's kind, and whether it stands inside the map's sections. */
interface Anchor {
    readonly type: number;
    readonly inMap: boolean;
}

/** Whether a value is one a merge key may not have: the key's value, or an item of its list, that is not a mapping (nor an alias of one). */
function mergeValueRefused(path: readonly PathSegment[], event: Event, anchors: ReadonlyMap<string, Anchor>, source: string): boolean {
    const last = path.length - 1;
    const isValue = path[last] === "<<";
    const isItem = typeof path[last] === "number" && path[last - 1] === "<<";
    if (!isValue && !isItem) {
        return false;
    }
    if (event.type === EVENT_ID.ALIAS) {
        return anchors.get(source.slice(event.anchorStart, event.anchorEnd))?.type !== EVENT_ID.MAPPING;
    }
    return event.type === EVENT_ID.SCALAR || (isItem && event.type === EVENT_ID.SEQUENCE);
}

/** Aliases this tool cannot check as pulumi up reads them: as keys, or of anchors outside the map. */
function aliasProblem(event: Event, isKey: boolean, section: string | undefined, anchors: ReadonlyMap<string, Anchor>, source: string): string | undefined {
    if (event.type !== EVENT_ID.ALIAS) {
        return undefined;
    }
    if (isKey) {
        return ALIAS_KEY;
    }
    return section !== undefined && anchors.get(source.slice(event.anchorStart, event.anchorEnd))?.inMap !== true ? ALIAS_OUTSIDE : undefined;
}

const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What checkEvents keeps while it walks. */
interface EventChecks {
    readonly problems: PositionedProblem[];
    readonly seen: Map<Frame, Map<string, number>>;
    readonly secureKeys: { owner: Frame; segments: PathSegment[] }[];
    readonly lines: Lines;
}

/** A key of a mapping: duplicates, a secret's `secure`, and where a merge key (<<) may stand. */
function checkKey(checks: EventChecks, path: readonly PathSegment[], event: Event, keyOffset: number, owner: Frame, section: string | undefined): void {
    const { problems, lines } = checks;
    const keys = checks.seen.get(owner) ?? checks.seen.set(owner, new Map()).get(owner)!;
    const key = String(path[path.length - 1]);
    const first = keys.get(key);
    if (first !== undefined) {
        const at = section !== undefined ? mapSegments(section, path) : [];
        const message = path.length === 2 ? "duplicate config key: a stack file holds each key once; merge the two entries" : `duplicate key ${JSON.stringify(key)} (first at line ${lines.at(first).line}): a mapping holds each key once; merge the two entries`;
        problems.push(problem(lines, at, keyOffset, message, path.length === 2 ? key : formatPath(at)));
    } else {
        keys.set(key, keyOffset);
    }
    if (section !== undefined && path.length >= 4 && key === "secure") {
        checks.secureKeys.push({ owner, segments: mapSegments(section, path, 1) });
    }
    if (key === "<<" && event.type === EVENT_ID.SCALAR) {
        // yaml.v2 merges only a plain (or !!merge-tagged) << (decode.go isMerge), yaml.v3 a quoted one too; every key so far, "<<" included, is in `keys`.
        const message = event.style !== SCALAR_STYLE.PLAIN || event.tagStart >= 0 ? MERGE_QUOTED : keys.size > 1 ? MERGE_FIRST : undefined;
        if (message !== undefined) {
            const at = section !== undefined ? mapSegments(section, path, 1) : [];
            problems.push(problem(lines, at, keyOffset, message, section !== undefined ? formatPath(at) : "config"));
        }
    }
}

/** One pass over the events: duplicate keys, secrets, merge keys, scalars the readers disagree on, config key offsets. */
function checkEvents(events: readonly Event[], source: string, lines: Lines, fullKey: (key: string) => string): Checked {
    const checks: EventChecks = { problems: [], seen: new Map(), secureKeys: [], lines };
    const { problems } = checks;
    const document = events.find((e): e is DocumentEvent => e.type === EVENT_ID.DOCUMENT);
    if (document?.directives.some((d) => d.kind === "yaml") === true) {
        problems.push(problem(lines, [], 0, YAML_DIRECTIVE, "(file)"));
    }
    const configKeys = new Map<string, number>();
    const anchors = new Map<string, Anchor>();
    const sectionOf = sectionsOf(fullKey);
    let configAt = -1;
    const at = (section: string | undefined, path: readonly PathSegment[], drop = 0): [PathSegment[], string] => {
        const segments = section !== undefined ? mapSegments(section, path, drop) : [];
        return [segments, section !== undefined ? formatPath(segments) : path[0] === "config" ? "config" : "(file)"];
    };
    walk(events, source, (path, event, keyOffset, isKey, owner) => {
        const section = sectionOf(path);
        const alias = aliasProblem(event, isKey, section, anchors, source);
        if (alias !== undefined) {
            const [segments, shown] = at(section, path, isKey ? 1 : 0);
            problems.push(problem(lines, segments, keyOffset, alias, shown));
        }
        if (event.type !== EVENT_ID.ALIAS && event.type !== EVENT_ID.DOCUMENT && event.type !== EVENT_ID.POP && event.anchorStart >= 0) {
            anchors.set(source.slice(event.anchorStart, event.anchorEnd), { type: event.type, inMap: section !== undefined });
        }
        if (event.type === EVENT_ID.SCALAR && event.style === SCALAR_STYLE.DOUBLE_QUOTED && LONE_SURROGATE_RE.test(getScalarValue(source, event))) {
            const [segments, shown] = at(section, path);
            problems.push(problem(lines, segments, event.valueStart, LONE_SURROGATE, shown));
        }
        if (isKey && owner !== undefined) {
            if (path.length === 1 && path[0] === "config") {
                configAt = keyOffset;
            } else if (path.length === 2 && path[0] === "config") {
                configKeys.set(fullKey(String(path[1])), keyOffset);
            }
            checkKey(checks, path, event, keyOffset, owner, section);
        }
        if (!isKey && mergeValueRefused(path, event, anchors, source)) {
            const [segments, shown] = at(section, path.slice(0, path.lastIndexOf("<<") + 1), 1);
            problems.push(problem(lines, segments, keyOffset, MERGE_VALUE, shown));
        }
        if (section === undefined || event.type !== EVENT_ID.SCALAR) {
            return;
        }
        if (event.tagStart >= 0) {
            const disagreement = taggedProblem(events, source, event);
            if (disagreement !== undefined) {
                problems.push(problem(lines, mapSegments(section, path), event.tagStart, disagreement));
            }
            return;
        }
        if (event.style !== SCALAR_STYLE.PLAIN) {
            return;
        }
        const text = source.slice(event.valueStart, event.valueEnd);
        if (isKey && text === "<<") {
            return;
        }
        if (!MAYBE_NOT_TEXT.test(text)) {
            return;
        }
        if (isKey && typeof resolveCore(text) !== "string") {
            problems.push(problem(lines, mapSegments(section, path), keyOffset, KEY_NOT_TEXT));
            return;
        }
        const disagreement = readerDisagreement(text, resolveCore(text));
        if (disagreement !== undefined) {
            problems.push(problem(lines, mapSegments(section, path), event.valueStart, disagreement));
        }
    });
    // Pulumi's secret value is a mapping whose only key is secure; a secure key among others is data.
    for (const { owner, segments } of checks.secureKeys) {
        if (checks.seen.get(owner)?.size === 1) {
            problems.push(problem(lines, segments, owner.at, SECRET_MESSAGE));
        }
    }
    return { problems, configKeys, configAt };
}

interface Wanted {
    /** The paths (indexes into the caller's list) that end here. */
    readonly ends: number[];
    readonly next: Map<PathSegment, Wanted>;
}

/** Finds the offset of each wanted map path (or its deepest existing part) in one walk. */
function locateOffsets(events: readonly Event[], source: string, fullKey: (key: string) => string, paths: readonly (readonly PathSegment[])[]): { offset: number; complete: boolean; scalar?: ScalarEvent }[] {
    // A trie of the wanted paths: each node visited on the way marks the deepest place found so far.
    const root: Wanted = { ends: [], next: new Map() };
    const under = new Map<Wanted, number[]>();
    paths.forEach((p, i) => {
        let node = root;
        for (const segment of p) {
            node = node.next.get(segment) ?? node.next.set(segment, { ends: [], next: new Map() }).get(segment)!;
            (under.get(node) ?? under.set(node, []).get(node)!).push(i);
        }
        node.ends.push(i);
    });
    const found = paths.map(() => ({ offset: -1, depth: 0, complete: false, scalar: undefined as ScalarEvent | undefined }));
    const sectionOf = sectionsOf(fullKey);
    walk(events, source, (path, event, keyOffset, isKey) => {
        const section = isKey ? undefined : sectionOf(path);
        if (section === undefined) {
            return;
        }
        let node = root.next.get(section);
        for (let i = 2; node !== undefined && i < path.length; i++) {
            node = node.next.get(path[i]!);
        }
        if (node === undefined) {
            return;
        }
        const depth = path.length - 1;
        for (const i of under.get(node)!) {
            if (depth > found[i]!.depth) {
                found[i] = { offset: keyOffset, depth, complete: depth === paths[i]!.length, scalar: event.type === EVENT_ID.SCALAR ? event : undefined };
            }
        }
    });
    return found.map(({ offset, complete, scalar }) => ({ offset, complete, ...(scalar !== undefined ? { scalar } : {}) }));
}

/** The hint for a plain scalar YAML turned into a non-string the user likely meant as text. */
function scalarHint(source: string, scalar: ScalarEvent | undefined): string | undefined {
    if (scalar === undefined || scalar.style !== SCALAR_STYLE.PLAIN || scalar.tagStart >= 0) {
        return undefined;
    }
    const text = source.slice(scalar.valueStart, scalar.valueEnd);
    const value = resolveCore(text);
    if (typeof value === "string") {
        return undefined;
    }
    const kind = typeof value === "number" ? "the number " : typeof value === "boolean" ? "the boolean " : "";
    return `(YAML read the unquoted ${text} as ${kind}${JSON.stringify(value) ?? String(value)}; write ${JSON.stringify(text)} in quotes if you meant the text)`;
}

function unreadable(problems: PositionedProblem[]): StackFile {
    return { raw: {}, providerConfig: {}, problems, yamlProblems: [], readable: false, keyPosition: () => undefined, locateAll: (paths) => paths.map(() => ({})), locate: () => undefined, hint: () => undefined };
}

export interface StackFileOptions extends Omit<ConfigReadOptions, "isSecret"> {}

/** A stack's settings file, Pulumi.<stack>.yaml (beside Pulumi.yaml). */
export function stackFileName(stack: string): string {
    return `Pulumi.${stack}.yaml`;
}

const STACK_FILE = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/;

/** The stack whose settings file this is (by its file name, in any directory); undefined for another file. */
export function stackOfFile(path: string): string | undefined {
    return STACK_FILE.exec(path.slice(path.lastIndexOf("/") + 1))?.[1];
}

/** The file's problems and the config read's, which point at their config key; a secret is reported once (by the event walk when it sits inside a section). */
function withReadProblems(yamlProblems: readonly PositionedProblem[], read: readonly Problem[], keyPosition: (key: string) => Position | undefined): PositionedProblem[] {
    const readProblems: PositionedProblem[] = read.map((p) => {
        const position = keyPosition(p.segments.length > 0 ? `${NAMESPACE}:${String(p.segments[0])}` : p.path);
        return position !== undefined ? { ...p, position } : p;
    });
    const secretsFound = new Set(yamlProblems.filter((p) => p.message === SECRET_MESSAGE).map((p) => String(p.segments[0])));
    return [...yamlProblems, ...readProblems.filter((p) => !(p.message === SECRET_MESSAGE && secretsFound.has(String(p.segments[0]))))];
}

/** Reads a stack file's text. Never throws on bad input: every problem is in `problems`. */
export function readStackFile(text: string, options: StackFileOptions): StackFile {
    const lines = new Lines(text);
    let events: Event[];
    let document: unknown;
    try {
        events = parseEvents(text, { maxDepth: 100 });
        document = constructFromEvents(events, { source: text, schema: CORE_SCHEMA, json: true })[0];
    } catch (error) {
        if (error instanceof YAMLException) {
            const mark = (error as YAMLException & { mark?: { line: number; column: number } }).mark;
            const reason = (error as YAMLException & { reason?: string }).reason ?? error.message.split("\n")[0];
            return unreadable([{ path: "(file)", segments: [], message: `not valid YAML: ${reason}`, ...(mark !== undefined ? { position: { line: mark.line + 1, column: mark.column + 1 } } : {}) }]);
        }
        throw error;
    }
    const config = typeof document === "object" && document !== null && !Array.isArray(document) ? (document as Record<string, unknown>).config : undefined;
    if (typeof config !== "object" || config === null || Array.isArray(config)) {
        return unreadable([{ path: "(file)", segments: [], message: `has no config: mapping; the project map lives under config: as ${NAMESPACE}:gitlab, ${NAMESPACE}:projects, ...` }]);
    }
    const projectName = options.projectName ?? NAMESPACE;
    // Pulumi files un-namespaced keys under the project's name (stackConfigNamespacedWithProject).
    const fullKey = (key: string) => (key.includes(":") ? key : `${projectName}:${key}`);
    const cycles: PositionedProblem[] = [];
    cutCycles(config, (path) => cycles.push({ path: `config.${path.map(String).join(".")}`, segments: [], message: CYCLE }));
    resolveMerges(config);
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
        values[fullKey(key)] = value;
    }
    const checked = checkEvents(events, text, lines, fullKey);
    const yamlProblems = checked.problems;
    const read = mapFromStackConfig(values, options);
    const keyPosition = (key: string): Position | undefined => {
        const offset = checked.configKeys.get(key);
        return offset !== undefined ? lines.at(offset) : undefined;
    };
    const problems = withReadProblems([...cycles, ...yamlProblems], read.problems, keyPosition);
    const configKeyOffset = checked.configAt;
    // The events (millions of objects for a large map) are not kept: positions are needed only
    // when there is something to report, and then the text is parsed again, once per call.
    events = [];
    const locateAll = (paths: readonly (readonly PathSegment[])[]): PathPlace[] =>
        locateOffsets(paths.length === 0 ? [] : parseEvents(text, { maxDepth: 100 }), text, fullKey, paths).map(({ offset, complete, scalar }) => {
            const position = offset >= 0 ? lines.at(offset) : configKeyOffset >= 0 ? lines.at(configKeyOffset) : undefined;
            const hint = complete ? scalarHint(text, scalar) : undefined;
            return { ...(position !== undefined ? { position } : {}), ...(hint !== undefined ? { hint } : {}) };
        });
    return {
        raw: read.raw,
        providerConfig: read.providerConfig,
        keyPosition,
        problems,
        yamlProblems: yamlProblems.filter((p) => p.message !== SECRET_MESSAGE),
        readable: true,
        locateAll,
        locate: (segments) => locateAll([segments])[0]!.position,
        hint: (segments) => locateAll([segments])[0]!.hint,
    };
}

/** A map-level problem for a key outside the map (re-exported for callers that build read problems). */
export { keyProblem };
