import { describeCounts } from "../../features/render";
import { Command, EXIT, UsageError, single } from "../command";
import { STACK_HELP, STACK_OPTIONS, STACK_USAGE, loadMap } from "../load";
import { acknowledgedWarnings, codeQualityReport, jsonReport, printProblems, printWarnings } from "../report";

export const validate: Command = {
    name: "validate",
    summary: "check the project map: exit 0 when valid, 1 with every problem",
    usage: `gitlab-federation validate ${STACK_USAGE} [--verbose] [--json | --format text|json|codequality]`,
    help: `Checks the whole map as pulumi up would, without Pulumi or credentials. Prints a summary
(stdout) and the warnings (stderr); on an invalid map, every problem as file:line:column: path: message.
Warnings that are loosenings the map acknowledges with a reason (allow... and acknowledge...
fields) are counted in the summary, not printed, unless --verbose.

options:
${STACK_HELP}
  --verbose            print every warning, the acknowledged loosenings too
  --json               print {file, valid, summary, problems, warnings} as JSON on stdout (every warning)
  --format <f>         text (default), json (the same as --json), or codequality: GitLab's Code
                       Quality report (problems major, warnings minor, on their lines)`,
    options: { ...STACK_OPTIONS, verbose: { type: "boolean" }, json: { type: "boolean" }, format: { type: "string", multiple: true } },
    run(context) {
        const format = single(context, "format") ?? (context.values.json === true ? "json" : "text");
        if (!["text", "json", "codequality"].includes(format)) {
            throw new UsageError(`--format must be text, json or codequality, got ${JSON.stringify(format)}`, "validate");
        }
        const loaded = loadMap(context);
        const plan = loaded.result?.plan;
        if (format === "codequality") {
            context.io.stdout(`${JSON.stringify(codeQualityReport(loaded), null, 2)}\n`);
            return plan === undefined ? EXIT.invalid : EXIT.ok;
        }
        if (format === "json") {
            context.io.stdout(`${JSON.stringify(jsonReport(loaded), null, 2)}\n`);
            return plan === undefined ? EXIT.invalid : EXIT.ok;
        }
        if (plan === undefined) {
            printProblems(context, loaded);
            return EXIT.invalid;
        }
        const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
        const { acknowledged, others } = acknowledgedWarnings(loaded);
        const printAll = context.values.verbose === true || acknowledged.length === 0;
        const folded = printAll ? "" : ` (${acknowledged.length} acknowledged with a reason, not printed: --verbose prints them)`;
        context.io.stdout(`${loaded.source.label}: valid: ${describeCounts(plan)}, ${plural(plan.warnings.length, "warning")}${folded}\n`);
        printWarnings(context, loaded, printAll ? [...acknowledged, ...others] : others);
        return EXIT.ok;
    },
};
