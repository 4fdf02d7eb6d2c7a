import { join } from "node:path";
import { CiFormat, generateCi } from "../../features/ci";
import { placeOf } from "../../features/ci-output";
import { contractOf, readContract } from "../../features/contract";
import type { Contract } from "../../contract/contract";
import { duplicateJsonMessage, parseJsonText } from "../../core/json-text";
import { Command, EXIT, UnreadableError, UsageError, single } from "../command";
import { STACK_HELP, STACK_OPTIONS, loadMap } from "../load";
import { printProblems } from "../report";

/** The contract to generate from: the map's plan, or a contract file (`pulumi stack output contract --json`). */
function contractFrom(context: Parameters<Command["run"]>[0]): { contract: Contract; source: string } | { exit: number } {
    const file = single(context, "contract");
    if (file === undefined) {
        const loaded = loadMap(context);
        const plan = loaded.result?.plan;
        if (plan === undefined) {
            printProblems(context, loaded);
            return { exit: EXIT.invalid };
        }
        return { contract: contractOf(plan), source: loaded.source.label };
    }
    if (context.values.stack !== undefined || context.values.config !== undefined) {
        throw new UsageError("give --contract or --stack/--config, not both", "ci");
    }
    const label = file === "-" ? "<stdin>" : file;
    let text: string;
    try {
        text = file === "-" ? context.io.readStdin() : context.io.readFile(context.directory !== undefined && !file.startsWith("/") ? join(context.directory, file) : file);
    } catch (error) {
        throw new UnreadableError(`cannot read ${label}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    // Duplicate keys are refused: JSON.parse would keep the last, another reader of the same file the first.
    const parsed = parseJsonText(text);
    if (!("value" in parsed)) {
        const where = "duplicate" in parsed ? placeOf(parsed.duplicate.path) : "";
        context.io.stderr(`${label}: ${"error" in parsed ? `not JSON: ${parsed.error}` : `${duplicateJsonMessage(parsed.duplicate.key)}${where !== "" ? ` (in ${where})` : ""}`}\n`);
        return { exit: EXIT.invalid };
    }
    const read = readContract(parsed.value, label);
    if ("problems" in read) {
        context.io.stderr(`${read.problems.join("\n")}\n`);
        return { exit: EXIT.invalid };
    }
    return { contract: read.contract, source: label };
}

export const ci: Command = {
    name: "ci",
    summary: "the .gitlab-ci.yml an app project includes to use its grants: ID tokens, variables, setup, rules",
    usage: "gitlab-federation ci (--stack <name> | --config <file|-> | --contract <file|->) --project <path> [--grant <name>]... [--format yaml|component] [--out <dir>]",
    help: `Per grant of the project, a hidden job .gitlab-federation:<grant> that real jobs extend: one
ID token per target with that target's audience; VAULT_SERVER_URL, VAULT_AUTH_PATH and
VAULT_AUTH_ROLE (GitLab's secrets: keyword reads them) and a commented secrets: example;
AWS_ROLE_ARN with the token in a job-private file and a bounded retry of AWS's transient
"Couldn't retrieve verification key"; a GCP credential configuration; environment: and rules:
that run the job only where the grant's token is accepted.

options:
${STACK_HELP}
  --contract <file|->  generate from a deployed stack's contract instead of a map:
                       pulumi stack output contract --json --stack <stack> | gitlab-federation ci --contract - ...
                       Every value is checked by the rule the map has for it (audiences, URLs,
                       names, refs, environments, project ids, paths) before anything is written
  --project <path>     the app project (required)
  --grant <name>       only this grant (repeatable); default: all of the project's grants
  --format <f>         yaml (default): one file to include; component: a GitLab CI/CD component
                       per grant (templates/<project>--<grant>.yml, values as inputs)
  --out <dir>          write the file(s) under <dir> instead of printing them (components:
                       <dir>/templates/<name>.yml; yaml: <dir>/.gitlab-federation.yml)

exit codes: 0 ok, 1 an invalid map or contract, or a value the contract lacks; 2 usage error`,
    options: { ...STACK_OPTIONS, contract: { type: "string", multiple: true }, project: { type: "string", multiple: true }, grant: { type: "string", multiple: true }, format: { type: "string", multiple: true }, out: { type: "string", multiple: true } },
    run(context) {
        const format = single(context, "format") ?? "yaml";
        if (format !== "yaml" && format !== "component") {
            throw new UsageError(`--format must be yaml or component, got ${JSON.stringify(format)}`, "ci");
        }
        const project = single(context, "project");
        if (project === undefined) {
            throw new UsageError("needs --project <path>: the app project whose grants to generate", "ci");
        }
        const grants = (context.values.grant as string[] | undefined) ?? undefined;
        const out = single(context, "out");
        const from = contractFrom(context);
        if ("exit" in from) {
            return from.exit;
        }
        const result = generateCi(from.contract, { project, ...(grants !== undefined ? { grants } : {}), format: format as CiFormat, source: from.source });
        if ("problems" in result) {
            context.io.stderr(`gitlab-federation ci: cannot generate:\n${result.problems.map((p) => `  ${p}`).join("\n")}\n`);
            return EXIT.invalid;
        }
        if (out === undefined && result.files.length > 1) {
            throw new UsageError(`a component is one file per grant and ${project} has ${result.files.length}: give --grant <name>, or --out <dir> to write each`, "ci");
        }
        if (out === undefined) {
            context.io.stdout(result.files[0]!.text);
            return EXIT.ok;
        }
        const directory = context.directory !== undefined && !out.startsWith("/") ? join(context.directory, out) : out;
        for (const file of result.files) {
            const path = join(directory, file.path ?? ".gitlab-federation.yml");
            context.io.writeFile!(path, file.text);
            context.io.stderr(`wrote ${path}\n`);
        }
        return EXIT.ok;
    },
};
