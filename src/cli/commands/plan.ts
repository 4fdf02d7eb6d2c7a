import { renderPlan } from "../../features/render";
import { Command, EXIT } from "../command";
import { STACK_HELP, STACK_OPTIONS, STACK_USAGE, loadMap } from "../load";
import { jsonReport, printProblems } from "../report";

export const plan: Command = {
    name: "plan",
    summary: "show what the map grants: a table per target, or the plan as JSON",
    usage: `gitlab-federation plan ${STACK_USAGE} [--json]`,
    help: `Prints, per target, what each grant gets, and the warnings. Tables fit the terminal.

options:
${STACK_HELP}
  --json               print the plan (docs/plan.schema.json): exactly what pulumi up registers.
                       On an invalid map: the validate --json report, exit 1`,
    options: { ...STACK_OPTIONS, json: { type: "boolean" } },
    run(context) {
        const loaded = loadMap(context);
        const plan = loaded.result?.plan;
        if (plan === undefined) {
            if (context.values.json === true) {
                context.io.stdout(`${JSON.stringify(jsonReport(loaded), null, 2)}\n`);
            } else {
                printProblems(context, loaded);
            }
            return EXIT.invalid;
        }
        context.io.stdout(context.values.json === true ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan, { width: context.width, style: context.style }));
        return EXIT.ok;
    },
};
