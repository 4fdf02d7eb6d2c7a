/**
 * The Pulumi program: read stack config once, validate the whole map, plan it, then register the
 * plan. Nothing is registered unless the map is valid. The root index.ts runs this.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MapValidationError, Problem } from "../core/findings";
import { ROOT_NAME } from "../core/names";
import { MINIMUM_PULUMI_CLI } from "../core/pulumi-cli";
import { sectionKeys } from "../core/parse";
import { mapFromStackConfig } from "../stack-file/config";
import { StackFile, readStackFile, stackFileName } from "../stack-file/file";
import { checkMap } from "../features/check";
import { contractOf } from "../features/contract";
import { mapDefinition } from "../features/map-schema";
import { foundationProblems, shardKeyOf, shardNameProblems, stackPart } from "../features/shard";
import type { ShardKey } from "../core/schema";
import { Federation, FederationOutputs } from "./federation";

export interface StackMap {
    /** Config keys without the namespace → values. */
    readonly raw: Record<string, unknown>;
    /** The other config keys, in full (`vault:address`) → values: the providers' settings. */
    readonly providerConfig: Readonly<Record<string, unknown>>;
    /** Problems found while reading the config (secret values, misspelled namespaces). */
    readonly problems: readonly Problem[];
}

/**
 * Whether a config key holds a secret. The SDK's `isConfigSecret` is marked internal (not in its
 * type declarations) but is what `pulumi.Config` itself consults (PULUMI_CONFIG_SECRET_KEYS).
 */
function isConfigSecret(key: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
    return runtime.isConfigSecret?.(key) ?? false;
}

/**
 * The problems only the stack file shows: the engine hands the program values already read by
 * its YAML 1.1 loader (`id: 0201` arrives as 129), so the program reads Pulumi.<stack>.yaml beside
 * Pulumi.yaml, when there is one, and refuses what the offline CLI refuses.
 */
export function stackFileProblems(file: string, projectName: string): Problem[] {
    if (!existsSync(file)) {
        return [];
    }
    return readMapFile(file, projectName).yamlProblems.map((p) => withPosition(p, file));
}

/** A stack file read the way the offline CLI reads it. */
function readMapFile(file: string, projectName: string): StackFile {
    return readStackFile(readFileSync(file, "utf8"), { sections: sectionKeys(mapDefinition()), projectName });
}

/** A problem with its file position, as the offline CLI shows it. */
function withPosition(p: Problem & { position?: { line: number; column: number } }, file: string): Problem {
    return { ...p, message: p.position !== undefined ? `${p.message} (${file}:${p.position.line}:${p.position.column})` : p.message };
}

/** The folder of Pulumi.yaml, where the stack files are. */
export const PROJECT_FILE = "Pulumi.yaml";

/**
 * The project root: the folder of Pulumi.yaml, which holds the stack files. Never the working
 * directory: Pulumi's Node.js language host runs the program in the folder of `main`
 * (pulumi/pulumi pkg/engine/project.go `getPwdMain`; sdk/nodejs/cmd/run/run.ts `run` does
 * `process.chdir(pwd)`), here dist. The host passes the root as `--root-directory`, which
 * cmd/run/index.ts puts in PULUMI_NODEJS_ROOT_DIRECTORY and `pulumi.runtime.getRootDirectory()`
 * returns (sdk/nodejs/runtime/settings.ts). Without it (an older CLI: the SDK then returns the
 * placeholder "rootDirectory") the root is the nearest folder above this module that holds
 * Pulumi.yaml: the program's own location, not the working directory.
 */
export function projectRoot(moduleDirectory = __dirname): string {
    const given = pulumi.runtime.getRootDirectory();
    if (isAbsolute(given) && existsSync(join(given, PROJECT_FILE))) {
        return given;
    }
    for (let directory = moduleDirectory; ; directory = dirname(directory)) {
        if (existsSync(join(directory, PROJECT_FILE))) {
            return directory;
        }
        if (dirname(directory) === directory) {
            throw new pulumi.RunError(`cannot find ${PROJECT_FILE}: the Pulumi CLI passed no project root (PULUMI_NODEJS_ROOT_DIRECTORY) and no folder above ${moduleDirectory} holds one; run pulumi from this project with Pulumi CLI ${MINIMUM_PULUMI_CLI} or later`);
        }
    }
}

/** The project map from this stack's config (`gitlab-federation:*` keys), with the problems of reading it. */
export function readStackMap(root = projectRoot()): StackMap {
    const projectName = pulumi.getProject();
    const read = mapFromStackConfig(pulumi.runtime.allConfig(), { sections: sectionKeys(mapDefinition()), projectName, isSecret: isConfigSecret });
    return { raw: read.raw, providerConfig: read.providerConfig, problems: [...read.problems, ...stackFileProblems(join(root, stackFileName(pulumi.getStack())), projectName)] };
}

export interface RunOptions {
    /** Log the plan's warnings with pulumi.log.warn (default true). */
    readonly logWarnings?: boolean;
    /** Problems found while reading the config; the map is invalid if there are any. */
    readonly readProblems?: readonly Problem[];
    /** This stack is a shard of the map (its `gitlab-federation:shard`): register that shard's part. */
    readonly shard?: ShardKey;
    /** This stack's provider settings (config keys outside the map's namespace), checked against the map. */
    readonly providerConfig?: Readonly<Record<string, unknown>>;
}

/**
 * The map a shard stack registers its part of: Pulumi.<of>.yaml beside Pulumi.yaml, read the way
 * the offline CLI reads it (the engine hands this program only its own stack's config).
 */
export function readFoundationMap(of: string, projectName: string, root: string): StackMap {
    const file = join(root, stackFileName(of));
    if (!existsSync(file)) {
        return {
            raw: {},
            providerConfig: {},
            problems: [{ path: "gitlab-federation:shard.of", segments: ["shard", "of"], message: `names the stack ${JSON.stringify(of)}, but ${file} does not exist: a shard stack reads its map from the foundation's stack file beside ${PROJECT_FILE}; commit both stack files to this project` }],
        };
    }
    const read = readMapFile(file, projectName);
    return { raw: read.raw, providerConfig: read.providerConfig, problems: read.problems.map((p) => withPosition(p, file)) };
}

/** Runs this stack: its own map, or (a shard stack) its part of the map it names. */
export function runStack(): FederationOutputs {
    const root = projectRoot();
    const stackMap = readStackMap(root);
    const shard = shardKeyOf(stackMap.raw);
    if (shard === undefined) {
        return runProgram(stackMap.raw, { readProblems: stackMap.problems, providerConfig: stackMap.providerConfig });
    }
    const problems = [...shard.problems, ...(shard.key !== undefined ? shardNameProblems(pulumi.getStack(), shard.key) : [])];
    if (shard.key === undefined || problems.length > 0) {
        throw new pulumi.RunError(new MapValidationError([...stackMap.problems, ...problems]).message);
    }
    const foundation = readFoundationMap(shard.key.of, pulumi.getProject(), root);
    const ofShard = foundationProblems(foundation.raw, shard.key);
    if (ofShard.length > 0) {
        throw new pulumi.RunError(new MapValidationError([...stackMap.problems, ...ofShard]).message);
    }
    return runProgram(foundation.raw, { readProblems: [...stackMap.problems, ...foundation.problems], shard: shard.key, providerConfig: stackMap.providerConfig });
}

/** Warnings logged one by one in `pulumi preview`; the rest are counted (the CLI plan lists all). */
export const MAX_LOGGED_WARNINGS = 50;

/**
 * Validates and plans `raw`, then registers the resources. On an invalid map it throws a
 * pulumi.RunError listing every problem (Pulumi prints it without a stack trace) before any
 * resource is registered.
 */
export function runProgram(raw: Readonly<Record<string, unknown>>, options: RunOptions = {}): FederationOutputs {
    const result = checkMap(raw, { readProblems: options.readProblems ?? [], providerConfig: options.providerConfig ?? {} });
    if (options.logWarnings ?? true) {
        for (const warning of result.warnings.slice(0, MAX_LOGGED_WARNINGS)) {
            pulumi.log.warn(`${warning.path}: ${warning.message}`);
        }
        if (result.warnings.length > MAX_LOGGED_WARNINGS) {
            pulumi.log.warn(`... and ${result.warnings.length - MAX_LOGGED_WARNINGS} more warnings: run gitlab-federation plan --stack ${pulumi.getStack()} to see them all`);
        }
    }
    if (result.plan === undefined) {
        throw new pulumi.RunError(new MapValidationError(result.problems).message);
    }
    const part = stackPart(result.plan, options.shard);
    if (part.plan === undefined) {
        throw new pulumi.RunError(new MapValidationError(part.problems).message);
    }
    const plan = part.plan;
    return withoutStackTraces(() => {
        const root = new Federation(ROOT_NAME, { plan, ...(plan.sharding !== undefined ? { contract: contractOf(result.plan!) } : {}) });
        return { root, result: root.outputs };
    });
}

/** The resources registered under `root`, read from the SDK's own child bookkeeping (Resource.__childResources). */
function descendants(root: pulumi.Resource): pulumi.Resource[] {
    const found: pulumi.Resource[] = [];
    const stack = [root];
    while (stack.length > 0) {
        const children = (stack.pop() as unknown as { __childResources?: Set<pulumi.Resource> }).__childResources;
        for (const child of children ?? []) {
            found.push(child);
            stack.push(child);
        }
    }
    return found;
}

/**
 * Registers with Error.stackTraceLimit = 0 until every resource under the root is registered
 * (their URNs resolved), then restores the limit. The Pulumi SDK builds a stack-trace string
 * for every promise it creates while registering (debuggablePromise), most of them after the
 * constructors return: about a third of its time per resource. Errors raised meanwhile keep
 * their message and lose only their stack: the map's own errors are validation errors, raised
 * before any registration (with every problem listed), and the engine reports provider errors by
 * resource, not by JavaScript stack. GITLAB_FEDERATION_STACK_TRACES=1 keeps them, for debugging.
 */
export function withoutStackTraces<T>(register: () => { root: pulumi.Resource; result: T }): T {
    if (process.env.GITLAB_FEDERATION_STACK_TRACES === "1") {
        return register().result;
    }
    const limit = Error.stackTraceLimit;
    const restore = () => {
        Error.stackTraceLimit = limit;
    };
    Error.stackTraceLimit = 0;
    let registered: { root: pulumi.Resource; result: T };
    try {
        registered = register();
    } catch (error) {
        restore();
        throw error;
    }
    // A URN resolves once its resource is registered (also in preview); restore when all are, or one failed.
    const urns = [registered.root, ...descendants(registered.root)].map((r) => (r.urn as unknown as { promise(): Promise<unknown> }).promise());
    void Promise.allSettled(urns).then(restore);
    return registered.result;
}
