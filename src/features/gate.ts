/**
 * May the pipeline apply a change unattended? Not when `pulumi up` would refuse it or lose data
 * (features/lifecycle.ts hazards: a replaced protected anchor, a delete of a name created again, a
 * re-import), when resources move between stacks (they must be moved with `pulumi state move`
 * first, or the old stack's up deletes them), or when only an administrator can make it (the
 * applier's permissions leave trust anchors and the deployer's own identities out): each is a
 * blocker with what a person must do first.
 */
import type { DiffResult } from "./diff";
import { type ResourceChange, shortType } from "./lifecycle";

export interface Blocker {
    readonly resource: string;
    /** What is wrong with applying it unattended. */
    readonly why: string;
    /** What a person does before the change can be applied. */
    readonly action: "state move" | "administrator" | "review";
}

function resource(change: ResourceChange): string {
    return `${change.op} ${shortType(change.type)} ${change.name}`;
}

/** The blockers of a change, hazards first; empty when the applier may apply it unattended. */
export function blockers(result: DiffResult): Blocker[] {
    const found: Blocker[] = [];
    for (const change of result.resources) {
        if (change.op === "move") {
            found.push({ resource: resource(change), why: change.hazard ?? "moves to another stack", action: "state move" });
        } else if (change.hazard !== undefined) {
            found.push({ resource: resource(change), why: change.hazard, action: "review" });
        }
    }
    // A field whose change can lose data or audit (a protection turned off, an audit device removed), even with no resource change yet.
    for (const field of result.fields) {
        if (field.class === "hazard") {
            found.push({ resource: field.path, why: field.detail, action: "review" });
        }
    }
    for (const change of result.resources) {
        if (change.adminOnly !== undefined && change.op !== "move") {
            found.push({ resource: resource(change), why: change.adminOnly, action: "administrator" });
        }
    }
    return found;
}

const ACTIONS: Record<Blocker["action"], string> = {
    "state move": "move the resources with pulumi state move first (gitlab-federation shard --base <the deployed map> prints the commands)",
    administrator: "an administrator runs pulumi up for this commit (the applier's permissions do not cover it)",
    review: "resolve the hazard (the change would be refused or lose data), or have an administrator apply it knowingly",
};

/** The gate's report: one line per blocker, then what to do. */
export function gateReport(found: readonly Blocker[], label: string, commit: string | undefined): string {
    if (found.length === 0) {
        return `${label}: the applier may apply this change unattended\n`;
    }
    const actions = [...new Set(found.map((b) => b.action))];
    return [
        `${label}: not applied unattended: ${found.length} ${found.length === 1 ? "change needs" : "changes need"} a person first`,
        ...found.map((b) => `  ${b.resource}: ${b.why}`),
        "",
        "What to do:",
        ...actions.map((a) => `  - ${ACTIONS[a]}`),
        `  - then run the up job again (a manual job, or a new pipeline for this commit) with the CI/CD variable GITLAB_FEDERATION_ACCEPT_SHA=${commit ?? "<this commit's SHA>"}: it then applies this commit`,
        "",
    ].join("\n");
}
