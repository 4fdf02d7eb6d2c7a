import { describeConditions } from "../../core/model";
import { targets } from "../../../components";
import { AccessRow, accessCsv, accessMatrix } from "../../features/access";
import { table } from "../../features/render";
import { Command, EXIT, UsageError, single, targetKeys } from "../command";
import { STACK_HELP, STACK_OPTIONS, STACK_USAGE, loadMap } from "../load";
import { printProblems } from "../report";

const conditions = (r: AccessRow) => describeConditions({ refs: r.refs, refType: r.refType as "branch" | "tag", protected: r.protected, ...(r.environment !== undefined ? { environment: r.environment } : {}), ...(r.environmentProtected === true ? { environmentProtected: true as const } : {}) });
const via = (r: AccessRow) => (r.via === "exact" ? "names it" : r.via === "parent" ? `via parent ${r.through}` : `part: ${r.through}`);
const TITLE = Object.fromEntries(targets().map((t) => [t.key, t.title]));

/** JSON grouped by target and resource: {vault: [{resource, grants: [...]}], ...}. */
function grouped(rows: readonly AccessRow[]): Record<string, { resource: string; grants: Omit<AccessRow, "target" | "resource">[] }[]> {
    const out: Record<string, { resource: string; grants: Omit<AccessRow, "target" | "resource">[] }[]> = {};
    for (const { target, resource, ...rest } of rows) {
        const list = (out[target] ??= []);
        const last = list[list.length - 1];
        if (last?.resource === resource) {
            last.grants.push(rest);
        } else {
            list.push({ resource, grants: [rest] });
        }
    }
    return out;
}

function markdown(rows: readonly AccessRow[]): string {
    const cell = (t: string) => t.replace(/\|/g, "\\|");
    return `${[
        "| target | resource | project | grant | conditions | how | gives | loosenings |",
        "|---|---|---|---|---|---|---|---|",
        ...rows.map((r) => `| ${TITLE[r.target]} | ${cell(r.resource)} | ${cell(r.project)} | ${r.grant} | ${cell(conditions(r))} | ${cell(via(r))} | ${cell(r.gives.join(", "))} | ${cell(r.loosenings.join("; "))} |`),
    ].join("\n")}\n`;
}

export const access: Command = {
    name: "access",
    summary: "who reaches what: every secret folder, role and service account, and the grants that reach it",
    usage: `gitlab-federation access ${STACK_USAGE} [--secret <folder>] [--project <path>] [--target <key>] [--format text|markdown|json|csv]`,
    get help() {
        return `The effective access matrix of the map, for audits: per Vault secret folder, every grant that
names it, names a parent folder covering it, or names a folder inside it (with the conditions:
ref, ref type, protection, environment, and any loosening and its reason); per AWS role and
per GCP service account, the grant that reaches it and what it gives.

options:
${STACK_HELP}
  --secret <folder>    only who reaches this folder (with or without the KV mount)
  --project <path>     only this project's grants
  --target <key>       only this target (${targetKeys()})
  --format <f>         text (default), markdown, json ({<target>: [{resource, grants}], ...}) or csv`;
    },
    options: { ...STACK_OPTIONS, secret: { type: "string", multiple: true }, project: { type: "string", multiple: true }, target: { type: "string", multiple: true }, format: { type: "string", multiple: true } },
    run(context) {
        const format = single(context, "format") ?? "text";
        if (!["text", "markdown", "json", "csv"].includes(format)) {
            throw new UsageError(`--format must be text, markdown, json or csv, got ${JSON.stringify(format)}`, "access");
        }
        const target = single(context, "target");
        if (target !== undefined && !targets().some((t) => t.key === target)) {
            throw new UsageError(`--target must be one of ${targets().map((t) => t.key).join(", ")}, got ${JSON.stringify(target)}`, "access");
        }
        const loaded = loadMap(context);
        const plan = loaded.result?.plan;
        if (plan === undefined) {
            printProblems(context, loaded);
            return EXIT.invalid;
        }
        const secret = single(context, "secret");
        const project = single(context, "project");
        const rows = accessMatrix(plan, { ...(secret !== undefined ? { secret } : {}), ...(project !== undefined ? { project } : {}), ...(target !== undefined ? { target } : {}) });
        if (format === "json") {
            context.io.stdout(`${JSON.stringify(grouped(rows), null, 2)}\n`);
        } else if (format === "csv") {
            context.io.stdout(accessCsv(rows));
        } else if (format === "markdown") {
            context.io.stdout(markdown(rows));
        } else {
            context.io.stdout(
                `${table(
                    ["TARGET", "RESOURCE", "PROJECT", "GRANT", "CONDITIONS", "HOW", "GIVES", "LOOSENINGS"],
                    rows.map((r) => [TITLE[r.target]!, r.resource, r.project, r.grant, conditions(r), via(r), r.gives.join(", "), r.loosenings.join("; ")]),
                    context.width,
                    context.style,
                )}\n`,
            );
        }
        return EXIT.ok;
    },
};
