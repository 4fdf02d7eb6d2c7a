/**
 * Finds, reads and checks the stack file a command names: `--stack dev` (also `-s dev`,
 * `--stack=dev`, or a fully qualified `org/project/dev`) reads Pulumi.dev.yaml, `--config <file>`
 * a file, `--config -` standard input; `-C <dir>` reads from another directory. The Pulumi
 * project's name comes from Pulumi.yaml beside the stack file (un-namespaced keys belong to it).
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { CORE_SCHEMA, load } from "js-yaml";
import { NAMESPACE, Problem, sortFindings } from "../core/findings";
import type { ShardKey } from "../core/schema";
import { sectionKeys } from "../core/parse";
import { PositionedProblem, Position, StackFile, readStackFile, stackFileName, stackOfFile } from "../stack-file/file";
import { CheckResult, checkMap, providerConfigProblems } from "../features/check";
import { mapDefinition } from "../features/map-schema";
import type { Plan } from "../features/plan-schema";
import { foundationProblems, shardKeyOf, shardNameProblems, stackPart } from "../features/shard";
import { CommandContext, UnreadableError, UsageError, single } from "./command";

export const STACK_OPTIONS = {
    stack: { type: "string", short: "s", multiple: true },
    config: { type: "string", multiple: true },
} as const;

export const STACK_USAGE = "(--stack <name> | --config <file|->)";

export const STACK_HELP = `  -s, --stack <name>   read Pulumi.<name>.yaml; a fully qualified org/project/<name> reads the same file
  --config <file|->    read this stack file, or standard input with -
  -C <dir>             read files relative to <dir> instead of the current directory`;

/** Where to read the stack file from, and how to name it in messages. */
export interface Source {
    /** A path, or "-" for standard input. */
    readonly path: string;
    /** As shown in messages. */
    readonly label: string;
}

function inDirectory(directory: string | undefined, path: string): string {
    return directory === undefined || path.startsWith("/") ? path : join(directory, path);
}

/** The stack file a command reads, from --stack or --config (exactly one), relative to -C. */
export function sourceOf(context: CommandContext, optionPrefix = ""): Source {
    const stack = single(context, `${optionPrefix}stack`);
    const config = single(context, `${optionPrefix}config`);
    if (stack !== undefined && config !== undefined) {
        throw new UsageError(`give one of --${optionPrefix}stack and --${optionPrefix}config, not both`);
    }
    if (stack === undefined && config === undefined) {
        throw new UsageError(`needs --${optionPrefix}stack <name> or --${optionPrefix}config <file>`);
    }
    if (config === "-") {
        return { path: "-", label: "<stdin>" };
    }
    if (stack !== undefined) {
        const name = stack.split("/").pop()!;
        if (name === "" || stack.split("/").length > 3) {
            throw new UsageError(`--stack ${JSON.stringify(stack)} is not a stack name: expected <name> or <org>/<project>/<name>`);
        }
        const path = inDirectory(context.directory, stackFileName(name));
        return { path, label: path };
    }
    const path = inDirectory(context.directory, config!);
    return { path, label: path };
}

/** Reads a source's text; an unreadable file is an UnreadableError (exit 2). */
export function readSource(context: CommandContext, source: Source): string {
    if (source.path === "-") {
        return context.io.readStdin();
    }
    try {
        return context.io.readFile(source.path);
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new UnreadableError(`cannot read ${source.label}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (code ?? (error as Error).message)}`);
    }
}

/** The Pulumi project's name from Pulumi.yaml beside the stack file (gitlab-federation if there is none). */
export function projectName(context: CommandContext, source: Source): string {
    const directory = source.path === "-" ? (context.directory ?? ".") : dirname(source.path);
    try {
        const project = load(context.io.readFile(join(directory, "Pulumi.yaml")), { schema: CORE_SCHEMA }) as { name?: unknown } | null;
        return typeof project?.name === "string" ? project.name : NAMESPACE;
    } catch {
        return NAMESPACE;
    }
}

export interface LoadedMap {
    readonly source: Source;
    readonly file: StackFile;
    /** The check of the map; undefined when the file is not a readable stack file. */
    readonly result?: CheckResult;
    /**
     * Set when the named stack is a shard stack: its key. `source`, `file` and `result` are then
     * those of the stack holding the map (Pulumi.<of>.yaml beside it), and commands that review
     * access (explain, diff, access, ci) see the whole map.
     */
    readonly shard?: ShardKey;
}

/** Reads the stack file's text into a checked map; a shard stack's file leads to the map it is a shard of. */
export function loadText(context: CommandContext, source: Source, text: string): LoadedMap {
    const file = readStackFile(text, { sections: sectionKeys(mapDefinition()), projectName: projectName(context, source) });
    if (!file.readable) {
        return { source, file };
    }
    const shard = shardKeyOf(file.raw);
    if (shard === undefined) {
        return { source, file, result: checkMap(file.raw, { readProblems: file.problems, providerConfig: file.providerConfig }) };
    }
    const invalid = (problems: readonly Problem[]): LoadedMap => ({ source, file, result: { problems: sortFindings([...file.problems, ...problems]), warnings: [] } });
    // The stack's name, when the file is a Pulumi.<stack>.yaml, must be the one its key gives.
    const stack = source.path === "-" ? undefined : stackOfFile(source.path);
    const named = shard.key !== undefined && stack !== undefined ? shardNameProblems(stack, shard.key) : [];
    if (shard.key === undefined || shard.problems.length > 0 || named.length > 0 || file.problems.length > 0) {
        return invalid([...shard.problems, ...named]);
    }
    const directory = source.path === "-" ? (context.directory ?? ".") : dirname(source.path);
    const path = join(directory, stackFileName(shard.key.of));
    const foundation = loadText(context, { path, label: path }, readSource(context, { path, label: path }));
    // loadText resolved a shard foundation to its own map: its key says it was one.
    const ofShard = foundationProblems(foundation.shard !== undefined ? { shard: foundation.shard } : foundation.file.raw, shard.key);
    if (ofShard.length > 0) {
        return invalid(ofShard);
    }
    // The shard stack's own provider settings configure its pulumi up, checked against the map it runs.
    const providerProblems = providerConfigProblems(file.providerConfig, foundation.file.raw);
    if (providerProblems.length > 0) {
        return invalid(providerProblems);
    }
    const plan = foundation.result?.plan;
    const part = plan !== undefined ? stackPart(plan, shard.key) : undefined;
    if (part !== undefined && part.problems.length > 0) {
        return invalid(part.problems);
    }
    return { ...foundation, shard: shard.key };
}

/** What the loaded stack registers: its part of a sharded map, or the whole plan (undefined for an invalid map). */
export function stackPlanOf(loaded: LoadedMap): Plan | undefined {
    const plan = loaded.result?.plan;
    return plan === undefined ? undefined : stackPart(plan, loaded.shard).plan;
}

/** Reads and checks the stack file a command names. */
export function loadMap(context: CommandContext, optionPrefix = ""): LoadedMap {
    const source = sourceOf(context, optionPrefix);
    return loadText(context, source, readSource(context, source));
}

/** A problem or warning with its position and, where YAML's reading likely explains it, a hint. */
export interface Located {
    readonly path: string;
    readonly line?: number;
    readonly column?: number;
    readonly message: string;
}

/** Problems and warnings with their positions and hints, all found in one pass over the file. */
export function locateAll(loaded: LoadedMap, findings: readonly (Problem | PositionedProblem)[]): Located[] {
    const places = loaded.file.locateAll(findings.map((f) => f.segments));
    return findings.map((finding, i) => {
        const place = finding.segments.length > 0 ? places[i]! : {};
        // A problem about a whole config key (no map path, e.g. vault:address) is at that key.
        const keyPosition = finding.segments.length === 0 ? loaded.file.keyPosition(finding.path) : undefined;
        const position: Position | undefined = "position" in finding && finding.position !== undefined ? finding.position : (keyPosition ?? places[i]!.position);
        return {
            path: finding.path,
            ...(position !== undefined ? { line: position.line, column: position.column } : {}),
            // The hint explains type errors ("must be a string ..., got 2024.1"), nothing else.
            message: place.hint !== undefined && finding.message.startsWith("must be") ? `${finding.message} ${place.hint}` : finding.message,
        };
    });
}

/** Every problem of a loaded map (read problems of an unreadable file included). */
export function problemsOf(loaded: LoadedMap): readonly (Problem | PositionedProblem)[] {
    return loaded.result?.problems ?? loaded.file.problems;
}

/** The base map: a file when one exists at that path, otherwise the head's stack file at a git revision. */
export function loadBase(context: CommandContext, base: string, head: Source, command: string): LoadedMap {
    const path = context.directory !== undefined && !base.startsWith("/") ? `${context.directory}/${base}` : base;
    if (existsSync(path)) {
        const source = { path, label: path };
        return loadText(context, source, readSource(context, source));
    }
    if (head.path === "-") {
        throw new UsageError(`--base ${JSON.stringify(base)} is not a file, and a git revision needs the head as a file (not standard input)`, command);
    }
    let text: string | undefined;
    try {
        text = context.io.gitShow!(base, head.path);
    } catch (error) {
        const detail = String((error as { stderr?: unknown }).stderr ?? (error as Error).message).trim().split("\n")[0];
        throw new UnreadableError(`--base ${base}: neither a file nor a git revision${detail !== "" ? ` (${detail})` : ""}`);
    }
    const source = { path: head.path, label: `${base}:${head.label}` };
    return text === undefined ? absentStack(source) : loadText(context, source, text);
}

/**
 * The base of a stack file that did not exist at the base revision (a merge request adds the
 * stack): nothing registered, nothing granted, so everything in the head is gained.
 */
export function absentStack(source: Source): LoadedMap {
    const plan = { version: 1, gitlab: { url: "" }, grants: [], warnings: [] } as unknown as Plan;
    return { source: { ...source, label: `${source.label} (absent: a new stack)` }, file: readStackFile("config: {}\n", { sections: [] }), result: { problems: [], warnings: [], plan } };
}
