/**
 * Reads the raw map (config key → value) into typed sections, turning every schema issue into a
 * path-qualified problem. Sections and projects are parsed one by one so that one broken
 * project does not hide the problems of the others, and the planners can still check the rest.
 * Which sections and grant fields exist is given by the caller (features/map-schema.ts builds
 * it from the target registry), so core knows no target.
 */
import { z } from "zod";
import { Findings, NAMESPACE, PathSegment, show } from "./findings";
import { grantNameProblem, projectPathProblem } from "./rules";
import { DeployerConfig, GitlabConfig, GitlabSchema, PROJECT_FIELDS, ProjectIdSchema, ShardingConfig, ShardingSchema } from "./schema";

/** A grant as parsed: the shared fields, plus one field per target it uses. */
export interface GrantConfig {
    readonly description?: string;
    readonly renamedFrom?: string;
    readonly ref: string | readonly string[];
    readonly refType: "branch" | "tag";
    readonly protected: boolean;
    readonly environment?: string;
    readonly environmentProtected?: boolean;
    readonly [target: string]: unknown;
}

export interface ParsedProject {
    readonly path: string;
    /** The project_id claim (digits), or undefined when the id is invalid (problems say why). */
    readonly id?: string;
    readonly description?: string;
    /** The path the project's physical names derive from, after a rename (see schema.ts). */
    readonly renamedFrom?: string;
    /** The grants that parsed, by name. */
    readonly grants: ReadonlyMap<string, GrantConfig>;
}

/** Stands in for an unusable gitlab section so the other checks still run; never planned. */
const PLACEHOLDER_GITLAB: GitlabConfig = { url: "https://gitlab.invalid" };

/** What the map may hold: the target sections and the schema of a whole grant. */
export interface MapDefinition {
    /** Target sections (`gitlab-federation:<key>`), in the order the reference documents them. */
    readonly sections: readonly { readonly key: string; readonly schema: z.ZodType }[];
    /** A whole grant: shared fields plus every target's field. */
    readonly grantSchema: z.ZodType;
    /** The deployer section (shared fields plus each target's `deployer.<key>`). */
    readonly deployerSchema: z.ZodType;
    /**
     * Deployer settings that moved into a target's `deployer.<key>`: the former path (below
     * deployer, dotted) and where it is now, e.g. `tokenTtl` → `vault.tokenTtl`.
     */
    readonly deployerMoved: Readonly<Record<string, string>>;
}

export interface ParsedMap {
    /** The gitlab section, or a placeholder when it is missing or invalid (then problems exist). */
    readonly gitlab: GitlabConfig;
    /** Target sections that parsed (or were salvaged for further checks), by key. */
    readonly sections: ReadonlyMap<string, unknown>;
    /** Projects whose keys and contents are valid, sorted by path. */
    readonly projects: readonly ParsedProject[];
    /** Sections present in the map (whether or not they parsed), or meant by a misspelled key (reported as that key). */
    readonly present: ReadonlySet<string>;
    /** The federation's own pipeline identities, when the map has a valid deployer section. */
    readonly deployer?: DeployerConfig;
    /** How the map is split over stacks, when it is. */
    readonly sharding?: ShardingConfig;
}

/** Every top-level config key of a map with these target sections, in documentation order. */
export function sectionKeys(definition: MapDefinition): string[] {
    return ["gitlab", ...definition.sections.map((s) => s.key), "deployer", "sharding", "projects", "shard"];
}

type AnySchema = z.ZodType;

/** Internal shape of zod 4 definitions that the walker below reads. */
export interface Def {
    type: string;
    shape?: Record<string, AnySchema>;
    valueType?: AnySchema;
    element?: AnySchema;
    options?: AnySchema[];
    innerType?: AnySchema;
    in?: AnySchema;
}

export function defOf(schema: AnySchema): Def {
    return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

const WRAPPERS = new Set(["optional", "default", "nullable", "prefault", "readonly", "catch", "nonoptional"]);

/** The schema inside optional, default, nullable, pipe and the like. */
export function unwrap(schema: AnySchema): AnySchema {
    let current = schema;
    for (;;) {
        const def = defOf(current);
        if (WRAPPERS.has(def.type) && def.innerType) {
            current = def.innerType;
        } else if (def.type === "pipe" && def.in) {
            current = def.in;
        } else {
            return current;
        }
    }
}

/** The description of a schema or of the first wrapped schema that has one. */
function describe(schema: AnySchema | undefined): string | undefined {
    let current = schema;
    while (current !== undefined) {
        const description = z.globalRegistry.get(current)?.description;
        if (description !== undefined) {
            return description;
        }
        const def = defOf(current);
        current = WRAPPERS.has(def.type) ? def.innerType : def.type === "pipe" ? def.in : undefined;
    }
    return undefined;
}

/** The schema that validates the value at `path` below `root`. */
function schemaAt(root: AnySchema, path: readonly PropertyKey[]): AnySchema | undefined {
    let current: AnySchema | undefined = root;
    for (const segment of path) {
        if (current === undefined) {
            return undefined;
        }
        let def: Def = defOf(unwrap(current));
        if (def.type === "union") {
            const wanted = typeof segment === "number" ? "array" : "object";
            const option: AnySchema | undefined = def.options?.find((o) => {
                const type = defOf(unwrap(o)).type;
                return type === wanted || (wanted === "object" && type === "record");
            });
            if (option === undefined) {
                return undefined;
            }
            def = defOf(unwrap(option));
        }
        if (def.type === "object") {
            current = def.shape?.[String(segment)];
        } else if (def.type === "record") {
            current = def.valueType;
        } else if (def.type === "array") {
            current = def.element;
        } else {
            return undefined;
        }
    }
    return current;
}

function allowedKeys(schema: AnySchema | undefined): string[] {
    if (schema === undefined) {
        return [];
    }
    const def = defOf(unwrap(schema));
    return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

/**
 * Edit distance with adjacent transpositions (optimal string alignment), for "did you mean":
 * "tpye" is one edit from "type", as "tye" is.
 */
function distance(a: string, b: string): number {
    const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
                best = Math.min(best, rows[i - 2]![j - 2]! + 1);
            }
            rows[i]![j] = best;
        }
    }
    return rows[a.length]![b.length]!;
}

/** The allowed key a mistyped key most likely meant, if any is close. */
export function suggest(key: string, allowed: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const candidate of allowed) {
        const d = candidate.toLowerCase() === key.toLowerCase() ? 0 : distance(key, candidate);
        if (d < bestDistance) {
            best = candidate;
            bestDistance = d;
        }
    }
    return best !== undefined && bestDistance <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

export function unknownKeyMessage(key: string, allowed: readonly string[], what = "field"): string {
    const guess = suggest(key, allowed);
    const hint = guess === undefined ? "" : ` (did you mean "${guess}"?)`;
    return `unknown ${what} "${key}"${hint}; allowed here: ${allowed.join(", ")}. Remove it or correct the name`;
}

const TYPE_NAMES: Record<string, string> = {
    string: "a string",
    number: "a number",
    int: "a whole number",
    boolean: "true or false",
    object: "a mapping of fields",
    record: "a mapping",
    array: "a list",
};

function withHint(message: string, hint: string | undefined): string {
    return hint === undefined ? message : `${message}. ${hint}`;
}

/** Turns one zod issue into problems. */
function translate(issue: z.core.$ZodIssue, root: AnySchema, prefix: readonly PathSegment[], findings: Findings): void {
    const path: PathSegment[] = [...prefix, ...(issue.path as PathSegment[])];
    const schema = schemaAt(root, issue.path);
    const hint = describe(schema);
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
        case "unrecognized_keys":
            for (const key of issue.keys) {
                findings.problem([...path, key], unknownKeyMessage(key, allowedKeys(schema)));
            }
            return;
        case "invalid_type":
            findings.problem(
                path,
                input === undefined
                    ? withHint("is required but missing", hint)
                    : withHint(`must be ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${show(input)}`, hint),
            );
            return;
        case "invalid_union": {
            if (input === undefined) {
                findings.problem(path, withHint("is required but missing", hint));
                return;
            }
            const expected = [...new Set(issue.errors.map((e) => (e[0] && e[0].code === "invalid_type" ? TYPE_NAMES[e[0].expected] ?? e[0].expected : undefined)))]
                .filter((e): e is string => e !== undefined);
            findings.problem(path, withHint(`must be ${expected.length ? expected.join(" or ") : "a valid value"}, got ${show(input)}`, hint));
            return;
        }
        case "invalid_value":
            findings.problem(path, withHint(`must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${show(input)}`, hint));
            return;
        case "too_small":
        case "too_big": {
            const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
            const word = issue.inclusive === false ? (issue.code === "too_small" ? "more than" : "less than") : issue.code === "too_small" ? "at least" : "at most";
            const origin = issue.origin;
            const text =
                origin === "array"
                    ? `must list ${word} ${bound} ${Number(bound) === 1 ? "entry" : "entries"}, got ${Array.isArray(input) ? input.length : show(input)}`
                    : origin === "string"
                      ? `must be ${word} ${bound} characters long, got ${show(input)}`
                      : `must be ${word} ${bound}, got ${show(input)}`;
            findings.problem(path, withHint(text, hint));
            return;
        }
        default:
            findings.problem(path, issue.message);
    }
}

/**
 * Parses `value` with `schema`; problems get `prefix` in front of their paths. With `salvage`,
 * a value with problems is parsed again without the top-level fields that have them (so their
 * defaults apply) and that is returned, for the remaining checks only: there are problems, so
 * nothing is planned from it.
 */
export function parseWith<T extends AnySchema>(schema: T, value: unknown, prefix: readonly PathSegment[], findings: Findings, salvage = false): z.output<T> | undefined {
    const result = schema.safeParse(value, { reportInput: true });
    if (result.success) {
        return result.data;
    }
    // One message per value: the first issue at a path says what is allowed there. A required field
    // an unknown sibling likely meant (grnts: for grants:) is that key's problem, reported once.
    const reported = misspelledPaths(result.error.issues, schema, value);
    for (const issue of result.error.issues) {
        const at = JSON.stringify(issue.path);
        if (issue.code === "unrecognized_keys") {
            translate(issue, schema, prefix, findings);
        } else if (!reported.has(at)) {
            reported.add(at);
            translate(issue, schema, prefix, findings);
        }
    }
    if (!salvage || !isPlainObject(value)) {
        return undefined;
    }
    const broken = new Set(result.error.issues.flatMap((issue) => (issue.code === "unrecognized_keys" ? issue.keys : issue.path.slice(0, 1).map(String))));
    const kept = Object.entries(value).filter(([key]) => !broken.has(key));
    // A misspelled top-level field is checked further as the field it likely meant (acountId: as
    // accountId:), so what needs that field does not report it missing; without it if that fails.
    const meant = [...meantFields(value, allowedKeys(schema))].map(([field, key]): [string, unknown] => [field, value[key]]);
    for (const entries of meant.length > 0 ? [[...kept, ...meant], kept] : [kept]) {
        const retry = schema.safeParse(Object.fromEntries(entries));
        if (retry.success) {
            return retry.data;
        }
    }
    return undefined;
}

/** The fields of `allowed` that `value` lacks and an unknown key of it likely meant (grants → grnts), each with that key. */
function meantFields(value: unknown, allowed: readonly string[]): Map<string, string> {
    const meant = new Map<string, string>();
    if (isPlainObject(value)) {
        for (const key of Object.keys(value).filter((k) => !allowed.includes(k))) {
            const guess = suggest(key, allowed);
            if (guess !== undefined && !(guess in value)) {
                meant.set(guess, key);
            }
        }
    }
    return meant;
}

/** The paths (JSON of their segments) of the fields that the unknown keys among `issues` likely meant. */
function misspelledPaths(issues: readonly z.core.$ZodIssue[], schema: AnySchema, value: unknown): Set<string> {
    const paths = new Set<string>();
    for (const issue of issues) {
        if (issue.code === "unrecognized_keys") {
            const holder = issue.path.reduce<unknown>((at, segment) => (isPlainObject(at) || Array.isArray(at) ? (at as Record<PropertyKey, unknown>)[segment] : undefined), value);
            for (const field of meantFields(holder, allowedKeys(schemaAt(schema, issue.path))).keys()) {
                paths.add(JSON.stringify([...issue.path, field]));
            }
        }
    }
    return paths;
}

/** The project's own fields, with id and grants checked separately so one bad value hides nothing else. */
const ProjectShellSchema = z.strictObject({ ...PROJECT_FIELDS, id: z.unknown().optional(), grants: z.record(z.string(), z.unknown()) });

/**
 * Parses one project: its key, its fields, its id and each grant on its own. Returns what parsed
 * (undefined when the key or the shape is unusable).
 */
function parseProject(path: string, value: unknown, grantSchema: z.ZodType, findings: Findings): ParsedProject | undefined {
    const at = ["projects", path];
    const keyProblem = projectPathProblem(path);
    if (keyProblem !== undefined) {
        findings.problem(at, keyProblem);
    }
    const shell = parseWith(ProjectShellSchema, value, at, findings);
    if (shell === undefined) {
        return undefined;
    }
    if (shell.id === undefined) {
        findings.problem([...at, "id"], withHint("is required but missing", describe(ProjectIdSchema)));
    }
    const id = shell.id === undefined ? undefined : parseWith(ProjectIdSchema, shell.id, [...at, "id"], findings);
    const grants = new Map<string, GrantConfig>();
    if (Object.keys(shell.grants).length === 0) {
        findings.problem([...at, "grants"], `has no grants: add at least one grant (e.g. deploy: { ref: main, vault: { read: [${path}] } }) or remove the project`);
    }
    for (const name of Object.keys(shell.grants).sort()) {
        const nameProblem = grantNameProblem(name);
        if (nameProblem !== undefined) {
            findings.problem([...at, "grants", name], nameProblem);
        }
        const grant = parseWith(grantSchema, shell.grants[name], [...at, "grants", name], findings) as GrantConfig | undefined;
        if (grant !== undefined && nameProblem === undefined) {
            grants.set(name, grant);
        }
    }
    if (keyProblem !== undefined) {
        return undefined;
    }
    return {
        path,
        ...(id !== undefined ? { id: String(id) } : {}),
        ...(shell.description !== undefined ? { description: shell.description } : {}),
        ...(shell.renamedFrom !== undefined ? { renamedFrom: shell.renamedFrom } : {}),
        grants,
    };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The deployer section without the settings that moved into a target's `deployer.<key>`, each of
 * which is one problem saying where it goes now (and no second one about an unknown field).
 */
function withoutMoved(value: unknown, moved: Readonly<Record<string, string>>, findings: Findings): unknown {
    if (!isPlainObject(value)) {
        return value;
    }
    const copy: Record<string, unknown> = structuredClone(value);
    for (const [former, now] of Object.entries(moved)) {
        const segments = former.split(".");
        const parents = [copy];
        for (const key of segments.slice(0, -1)) {
            const next = parents[parents.length - 1]![key];
            if (!isPlainObject(next)) break;
            parents.push(next);
        }
        const parent = parents[parents.length - 1]!;
        const last = segments[segments.length - 1]!;
        if (parents.length !== segments.length || !(last in parent)) {
            continue;
        }
        delete parent[last];
        findings.problem(["deployer", ...segments], `moved to deployer.${now} (each target's settings of the deployer are under deployer.<target>): write it there`);
        // A section left empty by the move (state: {s3: ...}) goes too, so it is not reported again.
        if (parents.length > 1 && Object.keys(parent).length === 0) {
            delete parents[parents.length - 2]![segments[segments.length - 2]!];
        }
    }
    return copy;
}

/**
 * Parses the map. `raw` maps config keys without namespace (gitlab, the target sections,
 * projects) to their values. Problems go to `findings`; what parsed is returned.
 */
export function parseMap(raw: Readonly<Record<string, unknown>>, definition: MapDefinition, findings: Findings, meant: Iterable<string> = []): ParsedMap {
    const keys = sectionKeys(definition);
    // Sections a misspelled key stands for count as written: their absence is that key's problem, reported once.
    const present = new Set<string>(meant);
    // `shard` belongs to a shard stack's config, never to a map: not offered here.
    const offered = keys.filter((s) => s !== "shard").map((s) => `${NAMESPACE}:${s}`);
    const written = Object.fromEntries(Object.keys(raw).filter((k) => k !== "shard").map((k) => [`${NAMESPACE}:${k}`, true]));
    for (const section of meantFields(written, offered).keys()) {
        present.add(section.slice(NAMESPACE.length + 1));
    }
    for (const key of Object.keys(raw).sort()) {
        if (keys.includes(key)) {
            present.add(key);
        } else {
            findings.problem([key], unknownKeyMessage(`${NAMESPACE}:${key}`, offered, "config key"));
        }
    }
    if (raw.shard !== undefined) {
        findings.problem(["shard"], `marks a shard stack, whose config holds nothing else (the map is in the stack it names): remove it from this map`);
    }
    if (!present.has("gitlab")) {
        findings.problem(["gitlab"], `is required but missing. Set ${NAMESPACE}:gitlab with at least url: the GitLab URL that issues the ID tokens, e.g. https://gitlab.example.com`);
    }
    // Without a usable gitlab section the other checks still run, against a placeholder URL.
    const gitlab = (raw.gitlab === undefined ? undefined : parseWith(GitlabSchema, raw.gitlab, ["gitlab"], findings, true)) ?? PLACEHOLDER_GITLAB;
    const sections = new Map<string, unknown>();
    for (const { key, schema } of definition.sections) {
        const parsed = raw[key] === undefined ? undefined : parseWith(schema, raw[key], [key], findings, true);
        if (parsed !== undefined) {
            sections.set(key, parsed);
        }
    }

    const deployer = raw.deployer === undefined ? undefined : parseWith(definition.deployerSchema, withoutMoved(raw.deployer, definition.deployerMoved, findings), ["deployer"], findings, false);
    const sharding = raw.sharding === undefined ? undefined : parseWith(ShardingSchema, raw.sharding, ["sharding"], findings, false);

    const projects: ParsedProject[] = [];
    if (raw.projects === undefined) {
        if (!present.has("projects")) {
            findings.problem(["projects"], `is required but missing. Set ${NAMESPACE}:projects to a mapping of GitLab project paths to their id and grants`);
        }
    } else if (!isPlainObject(raw.projects)) {
        findings.problem(["projects"], `must be a mapping of GitLab project paths (e.g. platform/api) to { id, grants }, got ${show(raw.projects)}`);
    } else {
        for (const path of Object.keys(raw.projects).sort()) {
            const project = parseProject(path, raw.projects[path], definition.grantSchema, findings);
            if (project !== undefined) {
                projects.push(project);
            }
        }
    }
    return {
        gitlab,
        sections,
        projects,
        present,
        ...(deployer !== undefined ? { deployer: deployer as DeployerConfig } : {}),
        ...(sharding !== undefined ? { sharding: sharding as ShardingConfig } : {}),
    };
}
