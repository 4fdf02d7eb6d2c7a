/**
 * Names are a contract with every deployed stack: a changed URN deletes and recreates a resource,
 * a changed physical name replaces the Vault role, IAM role or service account behind it.
 *
 * - test/fixtures/names.golden.json pins the component type tokens, URNs and physical names of a
 *   rich map (all three targets) as this version registers them. Regenerate only on purpose,
 *   with aliases for every URN that changes: UPDATE_GOLDEN=1 npm test.
 * - test/fixtures/names-0.1.0.golden.json holds the same map's names as 0.1.0 registered them
 *   (URNs keyed on project paths). Every one of them must stay reachable: the resource now has
 *   that URN or an alias to it, so upgrading an existing stack replaces nothing.
 */
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { runProgram } from "../src/pulumi/program";
import { Registered, runWithMocks } from "./helpers/mocks";

const RICH = JSON.parse(readFileSync("test/fixtures/rich-map.json", "utf8")) as Record<string, unknown>;
const GOLDEN = "test/fixtures/names.golden.json";
const GOLDEN_0_1_0 = "test/fixtures/names-0.1.0.golden.json";

/** The fields that name the physical object behind a resource, per type. */
const PHYSICAL: Record<string, readonly string[]> = {
    "vault:jwt/authBackend:AuthBackend": ["path"],
    "vault:jwt/authBackendRole:AuthBackendRole": ["backend", "roleName"],
    "vault:index/policy:Policy": ["name"],
    "vault:index/mount:Mount": ["path"],
    "vault:index/audit:Audit": ["path"],
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": ["url"],
    "aws:iam/role:Role": ["path", "name"],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["role", "policyArn"],
    "aws:iam/rolePolicy:RolePolicy": ["role", "name"],
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": ["project", "workloadIdentityPoolId"],
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": ["project", "workloadIdentityPoolId", "workloadIdentityPoolProviderId"],
    "gcp:serviceaccount/account:Account": ["project", "accountId"],
    "gcp:serviceaccount/iAMMember:IAMMember": ["serviceAccountId", "role", "member"],
    "gcp:projects/iAMMember:IAMMember": ["project", "role", "member"],
};

export interface PinnedName {
    readonly urn: string;
    /** "component" for component resources; otherwise the physical identity, e.g. "backend=ci/gitlab roleName=platform-api--deploy". */
    readonly physical: string;
}

export function physicalName(r: Registered): string {
    if (!r.custom) {
        return "component";
    }
    const fields = PHYSICAL[r.type];
    assert.ok(fields, `no physical name fields known for ${r.type}`);
    return fields.map((f) => `${f}=${String(r.inputs[f])}`).join(" ");
}

export function pinnedNames(resources: readonly Registered[]): PinnedName[] {
    return resources.map((r) => ({ urn: r.urn, physical: physicalName(r) })).sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
}

describe("pinned names (URNs and physical names of a rich map)", () => {
    let resources: Registered[];
    before(async () => {
        resources = (await runWithMocks(() => runProgram(RICH, { logWarnings: false }))).resources;
    });

    it("are exactly the committed ones", () => {
        const names = pinnedNames(resources);
        if (process.env.UPDATE_GOLDEN === "1") {
            writeFileSync(GOLDEN, `${JSON.stringify(names, null, 2)}\n`);
        }
        assert.deepEqual(names, JSON.parse(readFileSync(GOLDEN, "utf8")));
    });

    it("keep every 0.1.0 URN reachable (the URN itself or an alias), with the same physical name except policy names under a nested auth path", () => {
        const old = JSON.parse(readFileSync(GOLDEN_0_1_0, "utf8")) as PinnedName[];
        const changedPhysical: string[] = [];
        const claimed = new Map<string, string>();
        for (const entry of old) {
            const matches = resources.filter((r) => r.urn === entry.urn || r.aliases.includes(entry.urn));
            assert.equal(matches.length, 1, `exactly one resource keeps ${entry.urn}, got ${matches.map((m) => m.urn).join(", ")}`);
            const [resource] = matches;
            assert.ok(!claimed.has(resource!.urn), `${resource!.urn} claims ${entry.urn} and ${claimed.get(resource!.urn)}`);
            claimed.set(resource!.urn, entry.urn);
            if (physicalName(resource!) !== entry.physical) {
                changedPhysical.push(`${entry.physical} -> ${physicalName(resource!)}`);
            }
        }
        assert.equal(claimed.size, resources.length, "every resource of this version existed in 0.1.0: an upgrade creates nothing");
        // Policy names are now an injective encoding of the auth path ("ci/gitlab" and "ci-gitlab"
        // no longer collide): under a nested auth path they change, a create-first replacement.
        assert.deepEqual(changedPhysical.sort(), [
            "name=ci-gitlab-platform-api--deploy -> name=_ci_-gitlab.platform-api--deploy",
            "name=ci-gitlab-platform-api--release -> name=_ci_-gitlab.platform-api--release",
            "name=ci-gitlab-platform-api--review -> name=_ci_-gitlab.platform-api--review",
            "name=ci-gitlab-platform-web--deploy -> name=_ci_-gitlab.platform-web--deploy",
            "name=ci-gitlab-tools-ci-builder -> name=_ci_-gitlab.tools-ci-builder",
            "name=ci-gitlab-very-long-group-name-sub-group-with-long-name-project-with-a-really-long-name--deploy-to-production-cluster -> name=_ci_-gitlab.very-long-group-name-sub-group-with-long-name-project-with-a-really-long-name--deploy-to-production-cluster",
        ]);
    });
});
