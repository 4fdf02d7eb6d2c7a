import { describeCounts } from "../../features/render";
import { Command, EXIT } from "../command";
import { STACK_HELP, STACK_OPTIONS, STACK_USAGE, loadMap } from "../load";
import { jsonReport, printProblems, printWarnings } from "../report";

export const validate: Command = {
    name: "validate",
    summary: "check the project map: exit 0 when valid, 1 with every problem",
    usage: `gitlab-federation validate ${STACK_USAGE} [--json]`,
    help: `Checks the whole map as pulumi up would, without Pulumi or credentials. Prints a summary
(stdout) and the warnings (stderr); on an invalid map, every problem as file:line:column: path: message.

options:
${STACK_HELP}
  --json               print {file, valid, summary, problems, warnings} as JSON on stdout`,
    options: { ...STACK_OPTIONS, json: { type: "boolean" } },
    run(context) {
        const loaded = loadMap(context);
        const plan = loaded.result?.plan;
        if (context.values.json === true) {
            context.io.stdout(`${JSON.stringify(jsonReport(loaded), null, 2)}\n`);
            return plan === undefined ? EXIT.invalid : EXIT.ok;
        }
        if (plan === undefined) {
            printProblems(context, loaded);
            return EXIT.invalid;
        }
        const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
        context.io.stdout(`${loaded.source.label}: valid: ${describeCounts(plan)}, ${plural(plan.warnings.length, "warning")}\n`);
        printWarnings(context, loaded);
        return EXIT.ok;
    },
};
