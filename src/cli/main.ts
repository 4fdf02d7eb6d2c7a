/**
 * gitlab-federation's offline CLI: validate, plan and review a stack's project map without the
 * Pulumi CLI, credentials or network. One module per command (cli/commands/); this file
 * dispatches, prints help and turns errors into exit codes. It never loads `@pulumi/*`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { suggest } from "../core/parse";
import { Command, CommandContext, EXIT, GLOBAL_OPTIONS, UnreachableError, UnreadableError, UsageError, parseCommandArgs, single } from "./command";
import { access } from "./commands/access";
import { ci } from "./commands/ci";
import { mrNote } from "./commands/mr-note";
import { pipeline } from "./commands/pipeline";
import { diff } from "./commands/diff";
import { explain } from "./commands/explain";
import { gate } from "./commands/gate";
import { plan } from "./commands/plan";
import { schema } from "./commands/schema";
import { shard } from "./commands/shard";
import { validate } from "./commands/validate";
import { ids } from "./commands/ids";
import { verify } from "./commands/verify";
import { TokenRefusedError } from "./gitlab-api";
import { Io, processIo } from "./io";
import { COLOR_STYLE, PLAIN_STYLE, colorsEnabled, outputWidth } from "./style";

/** The commands, in the order help lists them. */
export const COMMANDS: readonly Command[] = [validate, plan, explain, diff, gate, access, verify, ids, ci, pipeline, mrNote, shard, schema];

const EXIT_CODES = `exit codes:
  0  ok
  1  the map is invalid (every problem is printed), including YAML syntax errors
  2  usage error, a file that cannot be read, or a GitLab token GitLab refuses (verify)
  3  explain: the token is accepted by no grant
  4  diff: access only narrowed, or only resources changed
  5  diff: access gained or widened
  6  gate: the change must not be applied unattended (hazards, or changes only an administrator can make)
  7  a service (GitLab's API) could not be reached or failed: nothing was decided
  8  explain: nothing is accepted, but a target's decision on some grant is undetermined (UNVERIFIED behaviour)
  9  verify: GitLab does not guarantee something the map relies on, or does not show it to the token;
     ids: an id is missing, differs from GitLab's, or a path has no project`;

export function version(): string {
    const manifest = JSON.parse(readFileSync(join(__dirname, "..", "..", "..", "package.json"), "utf8")) as { version: string };
    return manifest.version;
}

export function usage(): string {
    const width = Math.max(...COMMANDS.map((c) => c.name.length));
    return `usage: gitlab-federation [options] <command> [options]

Validate, plan and review a gitlab-federation project map offline.

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}
  ${"help".padEnd(width)}  show help for a command: gitlab-federation help <command>

options for every command:
  -C <dir>        run as if started in <dir>
  --color         colour output even when not on a terminal (--no-color, NO_COLOR: never)
  -h, --help      show help (for a command: gitlab-federation <command> --help)
  --version       print the version

${EXIT_CODES}
`;
}

export function commandHelp(command: Command): string {
    return `usage: ${command.usage}\n\n${command.summary}.\n\n${command.help}\n`;
}

function find(name: string): Command {
    const command = COMMANDS.find((c) => c.name === name);
    if (command === undefined) {
        const guess = suggest(name, [...COMMANDS.map((c) => c.name), "help"]);
        throw new UsageError(`unknown command ${JSON.stringify(name)}${guess !== undefined ? ` (did you mean ${guess}?)` : ""}`);
    }
    return command;
}

/** Whether an option, as written before the command (`-C`, `--stack`), takes the next argument as its value in any command. */
function takesValue(option: string): boolean {
    const specs = [GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options)].flatMap((options) => Object.entries(options));
    const long = option.startsWith("--") ? option.slice(2) : undefined;
    return specs.some(([name, spec]) => spec.type === "string" && (long !== undefined ? name === long : option === `-${spec.short}`));
}

/**
 * Options before the command go after it, as git and pulumi allow (`gitlab-federation -C dir validate`,
 * `gitlab-federation --stack dev plan`): the command then parses them as its own, refusing those it does not take.
 */
export function commandFirst(argv: readonly string[]): readonly string[] {
    let i = 0;
    while (i < argv.length && argv[i]!.startsWith("-") && argv[i] !== "--" && !["-h", "--help", "-V", "--version"].includes(argv[i]!)) {
        i += !argv[i]!.includes("=") && takesValue(argv[i]!) ? 2 : 1;
    }
    if (i === 0 || i >= argv.length) {
        return argv;
    }
    return [argv[i]!, ...argv.slice(0, i), ...argv.slice(i + 1)];
}

async function dispatch(argv: readonly string[], io: Io): Promise<number> {
    const [first, ...rest] = commandFirst(argv);
    if (first === undefined || first === "--help" || first === "-h") {
        (first === undefined ? io.stderr : io.stdout)(usage());
        return first === undefined ? EXIT.usage : EXIT.ok;
    }
    if (first === "--version" || first === "-V") {
        io.stdout(`gitlab-federation ${version()}\n`);
        return EXIT.ok;
    }
    if (first.startsWith("-")) {
        throw new UsageError(`no command after ${argv.join(" ")}: gitlab-federation [options] <command> [options]`);
    }
    if (first === "help") {
        if (rest.length > 1) {
            throw new UsageError(`help takes one command, got ${rest.length}`);
        }
        io.stdout(rest[0] === undefined ? usage() : commandHelp(find(rest[0])));
        return EXIT.ok;
    }
    const command = find(first);
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values.help === true) {
        io.stdout(commandHelp(command));
        return EXIT.ok;
    }
    const partial = { values, positionals, io };
    const directory = single(partial, "directory");
    const colors = colorsEnabled(io, { color: values.color === true, noColor: values["no-color"] === true });
    const context: CommandContext = {
        ...partial,
        ...(directory !== undefined ? { directory } : {}),
        style: colors ? COLOR_STYLE : PLAIN_STYLE,
        width: outputWidth(io),
    };
    return command.run(context);
}

/** Runs the CLI; resolves to the exit code. Never throws for bad input: errors are printed. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
    try {
        return await dispatch(argv, io);
    } catch (error) {
        if (error instanceof UsageError) {
            const help = error.command !== undefined ? `gitlab-federation help ${error.command}` : "gitlab-federation --help";
            io.stderr(`gitlab-federation: ${error.message}\nRun '${help}' for usage.\n`);
            return EXIT.usage;
        }
        if (error instanceof UnreadableError || error instanceof TokenRefusedError) {
            io.stderr(`gitlab-federation: ${error.message}\n`);
            return EXIT.usage;
        }
        if (error instanceof UnreachableError) {
            io.stderr(`gitlab-federation: ${error.message}\n`);
            return EXIT.unreachable;
        }
        throw error;
    }
}
