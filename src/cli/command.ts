/** The shape of a CLI command, its options and the context it runs in. */
import { ParseArgsConfig, parseArgs } from "node:util";
import { suggest } from "../core/parse";
import { targets } from "../../components";
import type { Io } from "./io";
import type { CliStyle } from "./style";

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/** Exit codes, documented in the README and `gitlab-federation --help`. */
export const EXIT = {
    ok: 0,
    /** The map is invalid (problems on stderr), including YAML syntax errors. */
    invalid: 1,
    /** A usage error, or a file that cannot be read. */
    usage: 2,
    /** explain: the token is accepted by no grant. */
    nothingAccepted: 3,
    /** diff: access only narrowed, or only resources changed. */
    narrowed: 4,
    /** diff: access gained or widened. */
    widened: 5,
    /** gate: the change must not be applied unattended (hazards, or changes only an administrator can make). */
    gated: 6,
    /** A service could not be reached or answered with a server error (GitLab's API): nothing was decided. */
    unreachable: 7,
    /** explain: no grant is accepted, but a target's decision on some grant is undetermined (UNVERIFIED behaviour). */
    undetermined: 8,
    /** verify: GitLab does not guarantee something the map relies on, or does not show it to the token. */
    unverified: 9,
} as const;

/** A usage error: one line, then a pointer to help. */
export class UsageError extends Error {
    constructor(
        message: string,
        readonly command?: string,
    ) {
        super(message);
        this.name = "UsageError";
    }
}

/** A file that cannot be read (exit 2). */
export class UnreadableError extends Error {}

/** A service that could not be reached, or answered with a server error (exit 7). */
export class UnreachableError extends Error {}

export interface CommandContext {
    readonly io: Io;
    /** Parsed option values (string options are lists; see `single`). */
    readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
    readonly positionals: readonly string[];
    /** The directory given with -C, or undefined. */
    readonly directory?: string;
    readonly style: CliStyle;
    readonly width: number;
}

export interface Command {
    readonly name: string;
    /** One line for the command list. */
    readonly summary: string;
    /** The usage line(s), without "usage: ". */
    readonly usage: string;
    /** Further help text: options, examples, exit codes. */
    readonly help: string;
    readonly options: OptionsConfig;
    /** How many positionals it takes, at most. */
    readonly positionals?: number;
    run(context: CommandContext): Promise<number> | number;
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: OptionsConfig = {
    help: { type: "boolean", short: "h" },
    directory: { type: "string", short: "C", multiple: true },
    color: { type: "boolean" },
    "no-color": { type: "boolean" },
};

/** The value of a string option given at most once. */
export function single(context: Pick<CommandContext, "values">, name: string): string | undefined {
    const value = context.values[name];
    if (value === undefined) {
        return undefined;
    }
    const list = Array.isArray(value) ? value : [value];
    if (list.length > 1) {
        throw new UsageError(`--${name} was given ${list.length} times; give it once`);
    }
    return String(list[0]);
}

/** All long option names a command accepts, as written on the command line. */
function optionNames(options: OptionsConfig): string[] {
    return Object.entries(options).flatMap(([name, spec]) => [`--${name}`, ...(spec.short !== undefined ? [`-${spec.short}`] : [])]);
}

/** Parses a command's arguments; parse errors become one-line usage errors with a suggestion. */
export function parseCommandArgs(command: Command, args: readonly string[]): { values: CommandContext["values"]; positionals: string[] } {
    const options = { ...GLOBAL_OPTIONS, ...command.options };
    try {
        const parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: (command.positionals ?? 0) > 0 });
        if (parsed.positionals.length > (command.positionals ?? 0)) {
            throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[command.positionals ?? 0])}`, command.name);
        }
        return { values: parsed.values as CommandContext["values"], positionals: parsed.positionals };
    } catch (error) {
        if (error instanceof UsageError) {
            throw error;
        }
        const code = (error as NodeJS.ErrnoException).code;
        const message = (error as Error).message;
        if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
            const option = /'([^']+)'/.exec(message)?.[1] ?? "";
            const name = option.split("=")[0]!;
            const guess = suggest(name, optionNames(options));
            throw new UsageError(`unknown option ${name} for ${command.name}${guess !== undefined ? ` (did you mean ${guess}?)` : ""}`, command.name);
        }
        if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
            const option = /'([^']+)'/.exec(message)?.[1] ?? "";
            throw new UsageError(message.includes("argument missing") ? `option ${option.replace(/ <value>$/, "")} needs a value` : message, command.name);
        }
        if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
            const argument = /'([^']*)'/.exec(message)?.[1] ?? "";
            throw new UsageError(`${command.name} takes no argument ${JSON.stringify(argument)}`, command.name);
        }
        throw error;
    }
}

/** The registered targets' keys, for help texts: "vault, aws, gcp". */
export function targetKeys(): string {
    return targets().map((t) => t.key).join(", ");
}
