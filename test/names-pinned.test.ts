/**
 * Names are a contract with every deployed stack: a changed URN deletes and recreates a resource,
 * a changed physical name replaces the Vault role, IAM role or service account behind it. This
 * test pins the component type tokens, URNs and physical names of a rich map (all three targets)
 * in test/fixtures/names.golden.json. Regenerate only on purpose, with aliases for every URN
 * that changes: UPDATE_GOLDEN=1 npm test.
 */
import { strict as assert } from "node:assert";
import { readFileSync, writeFileSync } from "node:fs";
import { runProgram } from "../src/pulumi/program";
import { Registered, runWithMocks } from "./helpers/mocks";

const RICH = JSON.parse(readFileSync("test/fixtures/rich-map.json", "utf8")) as Record<string, unknown>;
const GOLDEN = "test/fixtures/names.golden.json";

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

export function pinnedNames(resources: readonly Registered[]): PinnedName[] {
    return resources
        .map((r) => {
            if (!r.custom) {
                return { urn: r.urn, physical: "component" };
            }
            const fields = PHYSICAL[r.type];
            assert.ok(fields, `no physical name fields known for ${r.type}`);
            return { urn: r.urn, physical: fields.map((f) => `${f}=${String(r.inputs[f])}`).join(" ") };
        })
        .sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
}

describe("pinned names (URNs and physical names of a rich map)", () => {
    it("are exactly the committed ones", async () => {
        const { resources } = await runWithMocks(() => runProgram(RICH, { logWarnings: false }));
        const names = pinnedNames(resources);
        if (process.env.UPDATE_GOLDEN === "1") {
            writeFileSync(GOLDEN, `${JSON.stringify(names, null, 2)}\n`);
        }
        assert.deepEqual(names, JSON.parse(readFileSync(GOLDEN, "utf8")));
    });
});
