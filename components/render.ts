/** Cells the targets' blocks of the human plan share: a grant's identity and its conditions. */
import { describeConditions } from "../src/core/model";
import type { GrantIdentity } from "./target";

/** The headers of identityCells. */
export const IDENTITY_HEADER = ["PROJECT", "ID", "GRANT", "CONDITIONS"];

/** A grant's conditions as a cell, e.g. `branch main, protected, environment production`. */
export function conditionsCell(g: GrantIdentity): string {
    return describeConditions({ refs: g.conditions.ref, ...g.conditions });
}

/** The cells a target's plan table starts with: PROJECT, ID, GRANT, CONDITIONS. */
export function identityCells(g: GrantIdentity): string[] {
    return [g.project, g.projectId, g.grant, conditionsCell(g)];
}
