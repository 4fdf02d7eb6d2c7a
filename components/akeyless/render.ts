/** Akeyless's block of the human plan. */
import { IDENTITY_HEADER, identityCells } from "../render";
import type { GrantIdentity, RenderedSection } from "../target";
import type { AkeylessPlan, AkeylessSummary } from "./plan-schema";

export function renderAkeyless(plan: AkeylessPlan, grants: readonly (GrantIdentity & { readonly summary: AkeylessSummary })[]): RenderedSection {
    return {
        heading: `Akeyless: auth method ${plan.authMethodName}${plan.authMethod?.adopt === true ? " (adopted)" : ""} at ${plan.apiUrl}, audience ${plan.audience}`,
        header: [...IDENTITY_HEADER, "ROLE", "ITEMS (read + list below)"],
        rows: grants.map((g) => [
            ...identityCells(g),
            g.summary.roleName,
            g.deployer !== undefined ? `none (deployer ${g.deployer}: rules on ${plan.folder}/*, made by an administrator)` : g.summary.read.join(", "),
        ]),
    };
}
