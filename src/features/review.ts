/**
 * The map fields `diff` reviews: every field's class (core/review.ts) from core
 * (review-fields.ts) and the targets (their review.ts), and the walk that compares two maps
 * field by field, reporting what each trust, access or hazard rule finds. Generic: it names no
 * target.
 */
import { targets } from "../../components";
import { PathSegment, compare, formatPath } from "../core/findings";
import type { EntryIdentity, FieldChangeKind, FieldReview, ReviewContext, ReviewSide } from "../core/review";
import { same } from "./lifecycle";
import { mapSchema } from "./map-schema";
import { CORE_ENTRIES, CORE_REVIEW } from "./review-fields";

/** A change of a map field that widens or narrows trust or access, or is a hazard. */
export interface FieldChange {
    /** The field as written in the head map (in the base map where the head has none). */
    readonly path: string;
    readonly class: "trust" | "access" | "hazard";
    readonly change: FieldChangeKind;
    readonly detail: string;
}

/** Where the grant fields of a target are: `projects.*.grants.*.<key>`. */
const GRANT_PREFIX = "projects.*.grants.*";

const join = (prefix: string, path: string) => (path === "" ? prefix : `${prefix}.${path}`);

/** Every field's review by its path pattern (`*` for an entry of a mapping or list); targets without a review add nothing. */
export function reviewTable(): { readonly fields: ReadonlyMap<string, FieldReview>; readonly entries: ReadonlyMap<string, EntryIdentity> } {
    const fields = new Map<string, FieldReview>();
    const add = (prefix: string, reviews: Readonly<Record<string, FieldReview>>) => Object.entries(reviews).forEach(([path, review]) => fields.set(join(prefix, path), review));
    Object.entries(CORE_REVIEW).forEach(([section, reviews]) => add(section, reviews));
    const entries = new Map(Object.entries(CORE_ENTRIES));
    for (const target of targets()) {
        add(target.key, target.review?.fields?.section ?? {});
        add(join(GRANT_PREFIX, target.key), target.review?.fields?.grant ?? {});
        add(join("deployer", target.key), target.review?.fields?.deployer ?? {});
        Object.entries(target.review?.fields?.entries ?? {}).forEach(([path, identity]) => entries.set(join(target.key, path), identity));
    }
    return { fields, entries };
}

interface Node {
    field?: FieldReview;
    identity?: EntryIdentity;
    readonly children: Map<string, Node>;
}

/** The table as a tree of path segments. */
function treeOf(table: ReturnType<typeof reviewTable>): Node {
    const root: Node = { children: new Map() };
    const at = (pattern: string) => pattern.split(".").reduce((node, segment) => node.children.get(segment) ?? node.children.set(segment, { children: new Map() }).get(segment)!, root);
    table.fields.forEach((field, pattern) => (at(pattern).field = field));
    table.entries.forEach((identity, pattern) => (at(pattern).identity = identity));
    return root;
}

type Json = Readonly<Record<string, unknown>>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

interface Pair {
    readonly name: string | number;
    readonly before?: Json;
    readonly after: Json;
    readonly baseName?: string | number;
}

/** The entries of a mapping (sorted by key) or list, each with its key or index. */
function entriesOf(value: unknown): [string | number, Json][] {
    if (Array.isArray(value)) {
        return value.map((entry, index) => [index, entry as Json]);
    }
    return isObject(value) ? Object.keys(value).sort(compare).map((key) => [key, value[key] as Json]) : [];
}

/** Head's entries, each with the base entry it matches (by key, else by the key it was renamed from). */
function pairs(identity: EntryIdentity | undefined, before: unknown, after: unknown): Pair[] {
    const keyOf = identity?.key ?? ((_value: Json, name: string | number) => String(name));
    const base = new Map(entriesOf(before).map(([name, value]) => [keyOf(value, name), { name, value }]));
    const used = new Set<string>();
    return entriesOf(after).map(([name, value]) => {
        const key = [keyOf(value, name), identity?.former?.(value)].find((k): k is string => k !== undefined && base.has(k) && !used.has(k));
        if (key === undefined) {
            return { name, after: value };
        }
        used.add(key);
        const matched = base.get(key)!;
        return { name, before: matched.value, after: value, baseName: matched.name };
    });
}

/**
 * What a field of something new may report: in a section the base lacks (a new target, a new
 * stack) only hazards, as everything in it is gained; in a new entry (a new grant, device) or
 * object, not narrowings (a new thing narrows nothing), but what widens on it (an override).
 */
type Fresh = "section" | "entry" | undefined;

/** A side inside one more entry. */
const within = (side: ReviewSide, entry: ReviewSide["entries"][number]): ReviewSide => ({ ...side, entries: [...side.entries, entry] });

const KEPT: Record<NonNullable<Fresh>, readonly FieldChangeKind[]> = { section: ["hazard"], entry: ["widened", "hazard"] };

function walk(node: Node, before: unknown, after: unknown, at: readonly PathSegment[], context: ReviewContext, fresh: Fresh, out: FieldChange[]): void {
    const field = node.field;
    if (field !== undefined && "rule" in field && !same(before, after)) {
        for (const finding of field.rule(before, after, context)) {
            if (fresh === undefined || KEPT[fresh].includes(finding.change)) {
                out.push({ path: formatPath(at), class: field.class, ...finding });
            }
        }
    }
    // Something removed: its own rule said what that means; what was below it is gone with it (lost grants, deleted resources).
    if (after === undefined) {
        return;
    }
    for (const [segment, child] of node.children) {
        if (segment !== "*") {
            const next = isObject(before) ? before[segment] : undefined;
            walk(child, next, isObject(after) ? after[segment] : undefined, [...at, segment], context, fresh ?? (before === undefined ? (at.length <= 1 ? "section" : "entry") : undefined), out);
            continue;
        }
        for (const pair of pairs(node.identity, before, after)) {
            const inner = {
                base: within(context.base, pair.before === undefined ? undefined : { key: pair.baseName!, value: pair.before }),
                head: within(context.head, { key: pair.name, value: pair.after }),
            };
            walk(child, pair.before, pair.after, [...at, pair.name], inner, fresh ?? (pair.before === undefined ? "entry" : undefined), out);
        }
    }
}

/** A raw map (config keys without namespace) with its defaults, or undefined where it is not a valid map (none: a new stack). */
function parsed(raw: Readonly<Record<string, unknown>> | undefined): Json | undefined {
    const result = raw === undefined ? undefined : mapSchema().safeParse(raw);
    return result?.success === true ? (result.data as Json) : undefined;
}

let TREE: Node | undefined;

/** Every field change from the base map to the head map that widens, narrows or is a hazard, in map order (sections, then projects by key). */
export function fieldChanges(base: Readonly<Record<string, unknown>> | undefined, head: Readonly<Record<string, unknown>>): FieldChange[] {
    TREE ??= treeOf(reviewTable());
    const [before, after] = [parsed(base), parsed(head)];
    const out: FieldChange[] = [];
    walk(TREE, before, after, [], { base: { ...(before !== undefined ? { map: before } : {}), entries: [] }, head: { ...(after !== undefined ? { map: after } : {}), entries: [] } }, undefined, out);
    return out;
}
