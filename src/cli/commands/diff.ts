import { diffPlans } from "../../features/diff";
import { descriptionChanges, diffJson, hasNews, renderDiffMarkdown, renderDiffText } from "../../features/diff-report";
import { Command, CommandContext, EXIT, UsageError, single } from "../command";
import { LoadedMap, STACK_HELP, STACK_OPTIONS, loadBase, loadText, problemsOf, readSource, sourceOf } from "../load";
import { inFileOrder, locatedLine } from "../report";

function printInvalid(context: CommandContext, side: string, loaded: LoadedMap): void {
    const problems = inFileOrder(loaded, problemsOf(loaded));
    context.io.stderr(`${side} (${loaded.source.label}) is invalid: ${problems.length} ${problems.length === 1 ? "problem" : "problems"}:\n${problems.map((p) => locatedLine(context, loaded, p)).join("\n")}\n`);
}

export const diff: Command = {
    name: "diff",
    summary: "what a change to the map does to who can access what, for merge-request review",
    usage: "gitlab-federation diff --base <file|git-rev> (--stack <name> | --config <file> | --head <file>) [--format text|markdown|json] [--always]",
    help: `Compares access, not resources: per project, grant and target, access gained, lost, widened
(more refs, unprotected, no environment, more paths, policies or roles, longer TTLs, a changed
policy document, a new loosening) or narrowed; map fields whose change a grant's access does
not show: hazards (data or audit lost, deletion unguarded), trust (issuer, keys, audiences,
CIDR blocks) and section-wide access, each widened or narrowed; then what pulumi up would do
to each resource, flagging what it would refuse (protected anchors, imported resources) or what
would lose data; then new and removed warnings, and grants whose description changed
(cosmetic: a description is the comment of a grant's job in generated CI and its IAM role's
description).

options:
  --base <file|rev>    the map before: a stack file, or a git revision of the head's file
                       (git show <rev>:<file>), e.g. $CI_MERGE_REQUEST_DIFF_BASE_SHA
${STACK_HELP}
  --head <file>        the same as --config
  --format <f>         text (default), markdown (a merge-request note: starts with the marker
                       ${"<!-- gitlab-federation:diff -->"}, fits GitLab's note size), or json
                       {verdict, access, fields (when any), resources, warnings}
  --always             text and markdown print nothing when access is unchanged and nothing is
                       unsafe; with --always they print the one-line verdict

exit codes (for allow_failure:exit_codes): 0 no change; 1 an invalid map (base or head);
2 usage error; 4 access only narrowed, or only resources changed; 5 access gained or widened,
trust widened, or a hazard in the map`,
    options: { ...STACK_OPTIONS, head: { type: "string", multiple: true }, base: { type: "string", multiple: true }, format: { type: "string", multiple: true }, always: { type: "boolean" } },
    run(context) {
        const base = single(context, "base");
        if (base === undefined) {
            throw new UsageError("needs --base <file|git-rev>: the map to compare with", "diff");
        }
        const format = single(context, "format") ?? "text";
        if (!["text", "markdown", "json"].includes(format)) {
            throw new UsageError(`--format must be text, markdown or json, got ${JSON.stringify(format)}`, "diff");
        }
        const headOption = single(context, "head");
        if (headOption !== undefined && context.values.config !== undefined) {
            throw new UsageError("give --head or --config, not both", "diff");
        }
        const withHead = headOption !== undefined ? { ...context, values: { ...context.values, config: [headOption] } } : context;
        const headSource = sourceOf(withHead);
        const head = loadText(context, headSource, readSource(context, headSource));
        const before = loadBase(context, base, headSource, "diff");
        if (before.result?.plan === undefined || head.result?.plan === undefined) {
            if (before.result?.plan === undefined) printInvalid(context, "base", before);
            if (head.result?.plan === undefined) printInvalid(context, "head", head);
            return EXIT.invalid;
        }
        const maps = { base: before.file.raw, head: head.file.raw };
        const result = { ...diffPlans(before.result.plan, head.result.plan, maps), descriptions: descriptionChanges(before.result.plan, head.result.plan) };
        const news = hasNews(result);
        if (format === "json") {
            context.io.stdout(`${JSON.stringify(diffJson(result), null, 2)}\n`);
        } else if (news) {
            context.io.stdout(format === "markdown" ? renderDiffMarkdown(result, headSource.label) : renderDiffText(result, headSource.label));
        } else if (context.values.always === true) {
            context.io.stdout(`${format === "markdown" ? "<!-- gitlab-federation:diff -->\n" : ""}${headSource.label}: no access change (${result.resources.length} resource ${result.resources.length === 1 ? "change" : "changes"})\n`);
        }
        return result.verdict === "widened" ? EXIT.widened : result.verdict === "narrowed" || result.resources.length > 0 ? EXIT.narrowed : EXIT.ok;
    },
};
