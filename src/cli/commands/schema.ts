import { mapJsonSchema, planJsonSchema, stackFileJsonSchema } from "../../features/json-schema";
import { Command, EXIT, UsageError } from "../command";

const KINDS: Record<string, () => Record<string, unknown>> = { map: mapJsonSchema, stack: stackFileJsonSchema, plan: planJsonSchema };

export const schema: Command = {
    name: "schema",
    summary: "print a JSON Schema: of the map (default), a whole stack file, or the plan",
    usage: "gitlab-federation schema [map | stack | plan]",
    help: `map     the project map (schema/project-map.schema.json)
stack   a whole Pulumi.<stack>.yaml (schema/stack.schema.json): point your editor's YAML language
        server at it with a "# yaml-language-server: $schema=<path>" first line
plan    the output of plan --json (docs/plan.schema.json)`,
    options: {},
    positionals: 1,
    run(context) {
        const kind = context.positionals[0] ?? "map";
        const build = KINDS[kind];
        if (build === undefined) {
            throw new UsageError(`unknown schema ${JSON.stringify(kind)}: choose map, stack or plan`, "schema");
        }
        context.io.stdout(`${JSON.stringify(build(), null, 2)}\n`);
        return EXIT.ok;
    },
};
