import { dirname, join } from "node:path";
import { CORE_SCHEMA, dump, load } from "js-yaml";
import { NAMESPACE } from "../../core/findings";
import { shardStackName } from "../../core/shard";
import { stackFileName, stackOfFile } from "../../stack-file/file";
import type { Plan } from "../../features/plan-schema";
import { planEntries } from "../../features/resources";
import { shardMoves, shardSummaries, urnOf } from "../../features/shard";
import { Command, CommandContext, EXIT, UsageError, single } from "../command";
import { STACK_HELP, STACK_OPTIONS, STACK_USAGE, loadBase, loadMap, projectName, readSource } from "../load";
import { printProblems } from "../report";

/** Resources per stack above which `shard` recommends (more) shards; see README "Large instances". */
export const DEFAULT_MAX_RESOURCES = 10_000;

/** URNs per `pulumi state move` command line (a command line has a length limit). */
const URNS_PER_COMMAND = 100;

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The shard stack files a sharded map needs, with the provider config of the foundation's file (its secrets excepted). */
function shardFiles(foundationText: string, foundation: string, shards: number): { files: { name: string; text: string }[]; secrets: string[] } {
    const document = load(foundationText, { schema: CORE_SCHEMA }) as { config?: Record<string, unknown> } | null;
    const providerConfig: Record<string, unknown> = {};
    const secrets: string[] = [];
    for (const [key, value] of Object.entries(document?.config ?? {})) {
        if (key.startsWith(`${NAMESPACE}:`)) {
            continue;
        }
        // A secure: value is encrypted for the foundation's stack; each stack encrypts its own.
        if (typeof value === "object" && value !== null && "secure" in value) {
            secrets.push(key);
        } else {
            providerConfig[key] = value;
        }
    }
    const files = Array.from({ length: shards }, (_, index) => {
        const config = { ...providerConfig, [`${NAMESPACE}:shard`]: { of: foundation, index } };
        const text = `# yaml-language-server: $schema=./schema/stack.schema.json\n# Shard ${index} of the map in Pulumi.${foundation}.yaml (written by gitlab-federation shard --write).\n${dump({ config }, { lineWidth: -1, noRefs: true })}`;
        return { name: stackFileName(shardStackName(foundation, index)), text };
    });
    return { files, secrets };
}

/** The `pulumi state move` commands for the moves from `base` to `head`, grouped by source and destination. */
function moveCommands(base: Plan, head: Plan, foundation: string, project: string): { text: string[]; json: unknown[] } {
    const moves = shardMoves(base, head, foundation);
    const byPair = new Map<string, { from: string; to: string; urns: string[]; projects: number }>();
    for (const move of moves) {
        const pair = byPair.get(`${move.from}\u0000${move.to}`) ?? { from: move.from, to: move.to, urns: [], projects: 0 };
        pair.urns.push(...move.resources.map((r) => urnOf(move.from, project, r.section, { resource: r })));
        pair.projects++;
        byPair.set(`${move.from}\u0000${move.to}`, pair);
    }
    const text: string[] = [];
    for (const pair of byPair.values()) {
        text.push(`# ${pair.projects} project${pair.projects === 1 ? "" : "s"}, ${pair.urns.length} resources: ${pair.from} -> ${pair.to}`);
        for (let i = 0; i < pair.urns.length; i += URNS_PER_COMMAND) {
            text.push(`pulumi state move --source ${quote(pair.from)} --dest ${quote(pair.to)} --yes ${pair.urns.slice(i, i + URNS_PER_COMMAND).map(quote).join(" ")}`);
        }
    }
    return { text, json: moves.map((m) => ({ ...m, resources: m.resources.map((r) => ({ type: r.type, name: r.name, urn: urnOf(m.from, project, r.section, { resource: r }) })) })) };
}

export const shard: Command = {
    name: "shard",
    summary: "how a large map is split over stacks: resources per stack, the shard stack files, the moves a change needs",
    usage: `gitlab-federation shard ${STACK_USAGE} [--base <file|git-rev>] [--max-resources <n>] [--write] [--json]`,
    help: `For the stack holding the map: per stack (the foundation and each shard stack, with
gitlab-federation:sharding) how many projects, grants and resources it registers, and whether a
stack is above --max-resources (default ${DEFAULT_MAX_RESOURCES.toLocaleString("en-US")}: README, Large instances). Without sharding, the
number of shards that would keep every stack below it.

options:
${STACK_HELP}
  --base <file|rev>    the map before a change (a stack file, or a git revision of this file):
                       print the pulumi state move commands for every resource the change moves
                       to another stack (sharding turned on, shards or by changed). Run them
                       before any pulumi up, then pulumi up the foundation, then every shard
  --max-resources <n>  the most resources one stack should register
  --write              create the missing shard stack files (Pulumi.<stack>-shard-<i>.yaml), with
                       the foundation's provider config (secure: values are named, not copied)
  --json               print {shards: [{name, role, index?, projects: [<path>...], grants, resources}],
                       recommendedShards, moves?: [{project, projectId, from, to, resources}]}`,
    options: { ...STACK_OPTIONS, base: { type: "string", multiple: true }, "max-resources": { type: "string", multiple: true }, write: { type: "boolean" }, json: { type: "boolean" } },
    run(context: CommandContext) {
        const maxText = single(context, "max-resources");
        const max = maxText === undefined ? DEFAULT_MAX_RESOURCES : Number(maxText);
        if (!Number.isInteger(max) || max < 1) {
            throw new UsageError(`--max-resources must be a positive whole number, got ${JSON.stringify(maxText)}`, "shard");
        }
        const loaded = loadMap(context);
        const plan = loaded.result?.plan;
        if (plan === undefined) {
            printProblems(context, loaded);
            return EXIT.invalid;
        }
        const foundation = stackOfFile(loaded.source.label) ?? "<stack>";
        const total = planEntries(plan).length;
        const shards = shardSummaries(plan, foundation);
        const recommendedShards = Math.ceil(total / max) <= 1 ? 0 : Math.ceil((total * 1.2) / max);
        let moves: { text: string[]; json: unknown[] } | undefined;
        const base = single(context, "base");
        if (base !== undefined) {
            const before = loadBase(context, base, loaded.source, "shard");
            if (before.result?.plan === undefined) {
                context.io.stderr(`the base map (${before.source.label}) is invalid:\n`);
                printProblems(context, before);
                return EXIT.invalid;
            }
            moves = moveCommands(before.result.plan, plan, foundation, projectName(context, loaded.source));
        }
        if (context.values.write === true && plan.sharding !== undefined) {
            const directory = loaded.source.path === "-" ? (context.directory ?? ".") : dirname(loaded.source.path);
            const existing = new Set(context.io.listDir!(directory));
            const { files, secrets } = shardFiles(readSource(context, loaded.source), foundation, plan.sharding.shards);
            for (const file of files.filter((f) => !existing.has(f.name))) {
                context.io.writeFile!(join(directory, file.name), file.text);
                context.io.stderr(`wrote ${join(directory, file.name)}\n`);
            }
            if (secrets.length > 0) {
                context.io.stderr(`not copied (secrets are encrypted per stack): ${secrets.join(", ")}; set them in each shard stack with pulumi config set --secret\n`);
            }
        }
        if (context.values.json === true) {
            context.io.stdout(`${JSON.stringify({ shards, recommendedShards, ...(moves !== undefined ? { moves: moves.json } : {}) }, null, 2)}\n`);
            return EXIT.ok;
        }
        const width = Math.max(...shards.map((s) => s.name.length), 5);
        const out = [`${"stack".padEnd(width)}  role        projects    grants  resources`];
        for (const s of shards) {
            out.push(`${s.name.padEnd(width)}  ${s.role.padEnd(10)}  ${String(s.projects.length).padStart(8)}  ${String(s.grants).padStart(8)}  ${String(s.resources).padStart(9)}${s.resources > max ? `  above ${max}` : ""}`);
        }
        if (plan.sharding === undefined) {
            out.push(
                recommendedShards === 0
                    ? `${total} resources: one stack is enough (at most ${max} per stack).`
                    : `${total} resources, above ${max} for one stack: set gitlab-federation:sharding.shards to ${recommendedShards} (20% headroom), then gitlab-federation shard --write and --base (README: Large instances).`,
            );
        } else if (shards.some((s) => s.resources > max)) {
            out.push(`a stack is above ${max} resources: raise gitlab-federation:sharding.shards to ${Math.max(recommendedShards, plan.sharding.shards + 1)} (moves resources: run shard --base after the change).`);
        }
        if (moves !== undefined) {
            out.push("", moves.text.length === 0 ? "No resource changes stacks." : "Create the shard stacks (pulumi stack init), then move these before any pulumi up; then up the foundation, then every shard:", ...moves.text);
        }
        context.io.stdout(`${out.join("\n")}\n`);
        return EXIT.ok;
    },
};
