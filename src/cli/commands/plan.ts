import { jsonChunks } from "../../core/json-stream";
import { renderPlan } from "../../features/render";
import { Command, EXIT } from "../command";
import { STACK_HELP, STACK_OPTIONS, STACK_USAGE, loadMap, stackPlanOf } from "../load";
import { jsonReport, printProblems } from "../report";

export const plan: Command = {
    name: "plan",
    summary: "show what the map grants: a table per target, or the plan as JSON",
    usage: `gitlab-federation plan ${STACK_USAGE} [--json]`,
    help: `Prints, per target, what each grant gets, and the warnings. Tables fit the terminal.

options:
${STACK_HELP}
  --json               print the plan (docs/plan.schema.json): exactly what pulumi up registers.
                       On an invalid map: the validate --json report, exit 1
A sharded map (gitlab-federation:sharding): the named stack's part, the foundation's or a
shard stack's; gitlab-federation shard shows how the map is split.`,
    options: { ...STACK_OPTIONS, json: { type: "boolean" } },
    async run(context) {
        let loaded: ReturnType<typeof loadMap> | undefined = loadMap(context);
        const plan = stackPlanOf(loaded);
        if (plan === undefined) {
            if (context.values.json === true) {
                context.io.stdout(`${JSON.stringify(jsonReport(loaded), null, 2)}\n`);
            } else {
                printProblems(context, loaded);
            }
            return EXIT.invalid;
        }
        loaded = undefined; // the file's events and the raw map can go before the plan is written
        if (context.values.json === true) {
            // Written in chunks: the plan of a large map is close to the longest string V8 can hold.
            const write = context.io.stdoutDrained ?? (async (text: string) => context.io.stdout(text));
            for (const text of jsonChunks(plan)) {
                await write(text);
            }
            await write("\n");
        } else {
            context.io.stdout(renderPlan(plan, { width: context.width, style: context.style }));
        }
        return EXIT.ok;
    },
};
