/**
 * gitlab-federation CLI: validate and plan a stack's project map offline, without the Pulumi
 * CLI, credentials or network.
 *
 * Exit codes: 0 valid, 1 invalid map (problems on stderr), 2 usage error or unreadable file.
 */
import { readFileSync } from "node:fs";
import { ConfigFileError, mapFromStackFile } from "../plan/config";
import { checkMap } from "../plan";
import { problemLines } from "../plan/problems";
import { renderPlan } from "../plan/render";
import { mapJsonSchema } from "../plan/json-schema";

export const USAGE = `usage: gitlab-federation <command> [options]

commands:
  validate   check the project map: exit 0 when valid, 1 with every problem on stderr
  plan       show what the map grants: a table, or the plan as JSON with --json
  schema     print the JSON Schema of the project map (for editors)

options:
  --config <file>   the stack file to read, e.g. Pulumi.dev.yaml
  --stack <name>    shortcut for --config Pulumi.<name>.yaml (in the current directory)
  --json            plan: print the plan as JSON (format: docs/plan.schema.json)
  -h, --help        show this help
`;

export interface Io {
    readonly stdout: (text: string) => void;
    readonly stderr: (text: string) => void;
    readonly readFile: (path: string) => string;
}

const defaultIo: Io = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readFile: (path) => readFileSync(path, "utf8"),
};

class UsageError extends Error {}

interface Options {
    readonly command: "validate" | "plan" | "schema" | "help";
    readonly config?: string;
    readonly json: boolean;
}

function parseArgs(argv: readonly string[]): Options {
    let command: Options["command"] | undefined;
    let config: string | undefined;
    let json = false;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i]!;
        const value = () => {
            const next = argv[++i];
            if (next === undefined || next.startsWith("--")) {
                throw new UsageError(`${arg} needs a value`);
            }
            return next;
        };
        if (arg === "-h" || arg === "--help") {
            return { command: "help", json };
        } else if (arg === "--json") {
            json = true;
        } else if (arg === "--config" || arg === "--stack") {
            if (config !== undefined) {
                throw new UsageError("give one of --config and --stack, once");
            }
            const v = value();
            config = arg === "--stack" ? `Pulumi.${v}.yaml` : v;
        } else if (arg.startsWith("-")) {
            throw new UsageError(`unknown option ${arg}`);
        } else if (command === undefined && (arg === "validate" || arg === "plan" || arg === "schema")) {
            command = arg;
        } else {
            throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
        }
    }
    if (command === undefined) {
        throw new UsageError("missing command");
    }
    if (command !== "schema" && config === undefined) {
        throw new UsageError(`${command} needs --config <file> or --stack <name>`);
    }
    if (json && command !== "plan") {
        throw new UsageError("--json applies to plan only");
    }
    return { command, json, ...(config !== undefined ? { config } : {}) };
}

/** Runs the CLI; returns the exit code. */
export function main(argv: readonly string[], io: Io = defaultIo): number {
    let options: Options;
    try {
        options = parseArgs(argv);
    } catch (error) {
        if (error instanceof UsageError) {
            io.stderr(`gitlab-federation: ${error.message}\n\n${USAGE}`);
            return 2;
        }
        throw error;
    }
    if (options.command === "help") {
        io.stdout(USAGE);
        return 0;
    }
    if (options.command === "schema") {
        io.stdout(`${JSON.stringify(mapJsonSchema(), null, 2)}\n`);
        return 0;
    }
    const file = options.config!;
    let raw: Record<string, unknown>;
    try {
        raw = mapFromStackFile(io.readFile(file), file);
    } catch (error) {
        if (error instanceof ConfigFileError) {
            io.stderr(`gitlab-federation: ${error.message}\n`);
            return 2;
        }
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "EISDIR" || code === "EACCES") {
            io.stderr(`gitlab-federation: cannot read ${file}: ${code === "ENOENT" ? "no such file" : code}\n`);
            return 2;
        }
        throw error;
    }
    const result = checkMap(raw);
    if (result.plan === undefined) {
        const n = result.problems.length;
        io.stderr(`${file}: the gitlab-federation project map has ${n === 1 ? "1 problem" : `${n} problems`}:\n${problemLines(result.problems).join("\n")}\n`);
        return 1;
    }
    if (options.command === "validate") {
        const projects = new Set(result.plan.grants.map((g) => g.project)).size;
        io.stdout(`${file}: valid: ${projects} project${projects === 1 ? "" : "s"}, ${result.plan.grants.length} grant${result.plan.grants.length === 1 ? "" : "s"}, ${result.warnings.length} warning${result.warnings.length === 1 ? "" : "s"}\n`);
        for (const warning of result.warnings) {
            io.stderr(`warning: ${warning.path}: ${warning.message}\n`);
        }
        return 0;
    }
    io.stdout(options.json ? `${JSON.stringify(result.plan, null, 2)}\n` : renderPlan(result.plan));
    return 0;
}
