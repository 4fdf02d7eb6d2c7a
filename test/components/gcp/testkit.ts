/**
 * GCP's testkit for the conformance suite. The oracle evaluates the provider's attribute mapping
 * and condition with @marcbachmann/cel-js (a second CEL implementation: the product uses
 * @bufbuild/cel; the conformance claims carry no line terminators, where their regular
 * expressions differ), then admits a grant whose principalSet group is among the token's groups.
 */
import { evaluate } from "@marcbachmann/cel-js";
import fc from "fast-check";
import { GCP } from "../../helpers/maps";
import { GrantSpec, Json, TargetTestkit, audiencesOf } from "../testkit";

const at = 'gitlab-federation:projects["platform/api"].grants.deploy.gcp';

/** A role per grant name of the conformance suite's maps (deploy, review, release, build). */
const DIRECT_ROLE: Readonly<Record<string, string>> = {
    deploy: "roles/run.developer",
    review: "roles/storage.objectViewer",
    release: "roles/artifactregistry.reader",
    build: "roles/logging.viewer",
};

export const GCP_TESTKIT: TargetTestkit = {
    section: GCP,
    // access direct binds the same principalSets (summary.members) that the oracle admits, without a service account.
    // Two direct grants of one project with the same conditions share principalSets, so one role
    // on gcp.project would be one binding under two names (refused): each grant name has its own role there.
    grant: (spec: GrantSpec) =>
        fc
            .tuple(fc.subarray(["roles/run.developer", "roles/storage.objectViewer"]), fc.boolean())
            .map(([roles, direct]) => (direct ? { roles: [DIRECT_ROLE[spec.grant] ?? "roles/run.viewer"], access: "direct" } : { roles })),
    invalid: [
        {
            fields: { roles: ["roles/owner"] },
            problems: [`${at}.roles[0]: "roles/owner" on the whole project makes any pipeline that matches this grant an administrator or lets it act as other service accounts: grant a narrower role, or set gcp.allowBroad with a reason`],
        },
        { fields: { roles: ["owner"] }, problems: [`${at}.roles[0]: must be an IAM role such as "roles/storage.objectViewer" or "projects/<id>/roles/<name>", got "owner"`] },
    ],
    oracle(plan: Json, claims: Json, now: number): string[] {
        const provider = plan.gcp.providers[0];
        let groups: string[] = [];
        let admitted = false;
        try {
            const google = Object.fromEntries(
                Object.entries(provider.attributeMapping as Record<string, string>)
                    .filter(([k]) => k.startsWith("google."))
                    .map(([k, e]) => [k.slice(7), evaluate(e, { assertion: claims })]),
            );
            admitted = evaluate(provider.attributeCondition, { assertion: claims, google, attribute: {} }) === true;
            groups = google.groups as string[];
        } catch {
            admitted = false;
        }
        const ok = admitted && claims.iss === provider.oidc.issuerUri && now <= claims.exp && audiencesOf(claims).some((a) => provider.oidc.allowedAudiences.includes(a));
        return plan.grants.filter((g: Json) => g.gcp && ok && g.gcp.members.some((m: string) => groups.includes(m.slice(m.indexOf("/group/") + 7)))).map((g: Json) => `${g.project}/${g.grant}`);
    },
};
