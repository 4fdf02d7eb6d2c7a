import { diffPlans } from "../../features/diff";
import { blockers, gateReport } from "../../features/gate";
import { Command, EXIT, UsageError, single } from "../command";
import { STACK_HELP, STACK_OPTIONS, STACK_USAGE, absentStack, loadBase, loadMap, locateAll, problemsOf } from "../load";
import { locatedLine } from "../report";

export const gate: Command = {
    name: "gate",
    summary: "whether the pipeline may apply a change unattended: exit 0, or 6 with what a person must do first",
    usage: `gitlab-federation gate --base <file|git-rev|none> ${STACK_USAGE} [--commit <sha>]`,
    help: `Compares the map as deployed (--base: the commit the stack was last applied from, which the
pipeline keeps in the stack tag gitlab-federation:commit, or none for a stack never applied) with
the map to apply, and refuses to let the pipeline apply it unattended when pulumi up would refuse
it or lose data, when resources move between stacks (pulumi state move first), or when only an
administrator can make it (trust anchors, the deployer's own identities).

options:
  --base <file|rev|none>  the map as deployed: a stack file, a git revision, or none
${STACK_HELP}
  --commit <sha>          the commit to apply, named in the report (CI_COMMIT_SHA)

exit codes: 0 the applier may apply it; 1 an invalid map; 2 usage error, or a base that is
neither a file nor a git revision; 6 a person must act first (the report says what)`,
    options: { ...STACK_OPTIONS, base: { type: "string", multiple: true }, commit: { type: "string", multiple: true } },
    run(context) {
        const base = single(context, "base");
        if (base === undefined) {
            throw new UsageError("needs --base <file|git-rev|none>: the map as last applied", "gate");
        }
        const head = loadMap(context);
        const before = base === "none" ? absentStack({ path: head.source.path, label: "none" }) : loadBase(context, base, head.source, "gate");
        for (const [side, loaded] of [["base", before], ["head", head]] as const) {
            if (loaded.result?.plan === undefined) {
                const problems = locateAll(loaded, problemsOf(loaded));
                context.io.stderr(`${side} (${loaded.source.label}) is invalid:\n${problems.map((p) => locatedLine(context, loaded, p)).join("\n")}\n`);
                return EXIT.invalid;
            }
        }
        const found = blockers(diffPlans(before.result!.plan!, head.result!.plan!, { base: before.file.raw, head: head.file.raw }));
        context.io.stdout(gateReport(found, head.source.label, single(context, "commit")));
        return found.length === 0 ? EXIT.ok : EXIT.gated;
    },
};
