import { join } from "node:path";
import { PIPELINE_FILE, PipelineError, PipelineStack, generatePipeline } from "../../features/pipeline";
import { Command, EXIT, UnreadableError } from "../command";
import { stackOfFile } from "../../stack-file/file";
import { loadText } from "../load";
import { printProblems } from "../report";

export const pipeline: Command = {
    name: "pipeline",
    summary: "write this repository's .gitlab-ci.yml from the stack files: review in merge requests, pulumi up per stack",
    usage: "gitlab-federation pipeline [--check | --stdout] [-C <dir>]",
    help: `Reads every Pulumi.<stack>.yaml in the directory and writes .gitlab-ci.yml: a check job
(the file is current, every stack validates, a Code Quality report), per stack a review job (the
access diff against the merge request's target, exposed in the merge request) and, for a stack
with a deployer section, pulumi preview as its planner and pulumi up as its applier (one at a
time per stack, in its environment, manual unless deployer.applier.manual is false). pulumi up is
gated: a change with hazards, moves between stacks or changes only an administrator can make
(gitlab-federation gate, against the commit last applied) is never applied unattended.

options:
  --check              write nothing; exit 1 when .gitlab-ci.yml differs from what would be written
  --stdout             print it instead of writing it
  -C <dir>             the repository's directory

exit codes: 0 ok (or current), 1 a stack file is invalid or .gitlab-ci.yml is stale, 2 usage error`,
    options: { check: { type: "boolean" }, stdout: { type: "boolean" } },
    run(context) {
        const directory = context.directory ?? ".";
        let names: string[];
        try {
            names = context.io.listDir!(directory).filter((n) => stackOfFile(n) !== undefined).sort();
        } catch (error) {
            throw new UnreadableError(`cannot read ${directory}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
        if (names.length === 0) {
            context.io.stderr(`gitlab-federation pipeline: no Pulumi.<stack>.yaml in ${directory}\n`);
            return EXIT.invalid;
        }
        const stacks: PipelineStack[] = [];
        let invalid = false;
        for (const file of names) {
            const path = join(directory, file);
            const loaded = loadText(context, { path, label: file }, context.io.readFile(path));
            if (loaded.result?.plan === undefined) {
                printProblems(context, loaded);
                invalid = true;
                continue;
            }
            stacks.push({ name: stackOfFile(file)!, file, plan: loaded.result.plan, ...(loaded.shard !== undefined ? { shardOf: loaded.shard.of } : {}) });
        }
        if (invalid) {
            return EXIT.invalid;
        }
        let text: string;
        try {
            text = generatePipeline(stacks);
        } catch (error) {
            if (error instanceof PipelineError) {
                context.io.stderr(`gitlab-federation pipeline: cannot write the deployer's jobs:\n${error.problems.map((p) => `  ${p}`).join("\n")}\n`);
                return EXIT.invalid;
            }
            throw error;
        }
        const target = join(directory, PIPELINE_FILE);
        if (context.values.stdout === true) {
            context.io.stdout(text);
            return EXIT.ok;
        }
        if (context.values.check === true) {
            let current = "";
            try {
                current = context.io.readFile(target);
            } catch {
                // missing: stale
            }
            if (current === text) {
                context.io.stdout(`${PIPELINE_FILE} is current (${stacks.length} ${stacks.length === 1 ? "stack" : "stacks"})\n`);
                return EXIT.ok;
            }
            const [a, b] = [current.split("\n"), text.split("\n")];
            const line = a.findIndex((l, i) => l !== b[i]);
            context.io.stderr(
                `${PIPELINE_FILE} is stale${line >= 0 ? ` from line ${line + 1}` : ""}: run gitlab-federation pipeline and commit it (the stack files changed what the jobs must be)\n`,
            );
            return EXIT.invalid;
        }
        context.io.writeFile!(target, text);
        context.io.stderr(`wrote ${target} (${stacks.length} ${stacks.length === 1 ? "stack" : "stacks"})\n`);
        return EXIT.ok;
    },
};
