/**
 * What gitlab-federation itself registers passes every policy of the pack: the committed dev map,
 * planned, each entry's arguments as the program sends them (test/helpers/registered.ts `promised`;
 * the AWS documents as JSON text, which `received` there parses back, and which
 * test/pulumi/language-host.test.ts shows the program registers exactly).
 */
import { strict as assert } from "node:assert";
import type { Entry } from "../../src/core/resources";
import { planEntries, planMap } from "../../src/features";
import { POLICIES } from "../../policy/lib/policies";
import { devMap } from "../helpers/maps";
import { promised } from "../helpers/registered";
import { stackResource, stackVerdict, verdict } from "./helpers";

/** An entry's inputs as the engine receives them from the program. */
function registered(entry: Entry): Record<string, unknown> {
    const inputs = promised(entry);
    for (const key of ["assumeRolePolicy", "policy"]) {
        if (entry.resource.type.startsWith("aws:") && typeof inputs[key] === "object") {
            inputs[key] = JSON.stringify(inputs[key]);
        }
    }
    return inputs;
}

describe("policy pack: gitlab-federation's own resources", () => {
    const entries = planEntries(planMap(devMap()));

    it("pass every resource policy, advisory ones included, with the default configuration; each policy reads some of them", () => {
        const applied: Record<string, number> = {};
        for (const policy of POLICIES.filter((p) => "validateResource" in p)) {
            applied[policy.name] = 0;
            for (const entry of entries) {
                const result = verdict(policy, entry.resource.type, registered(entry));
                if (Array.isArray(result)) {
                    assert.deepEqual(result, [], `${policy.name} on ${entry.resource.type} ${entry.resource.name}`);
                    applied[policy.name]! += 1;
                }
            }
        }
        const count = (type: string, test: (e: Entry) => boolean = () => true) => entries.filter((e) => e.resource.type === type && test(e)).length;
        const roles = count("aws:iam/role:Role");
        const vaultRoles = count("vault:jwt/authBackendRole:AuthBackendRole");
        const wif = count("gcp:serviceaccount/iAMMember:IAMMember", (e) => String((e as unknown as { member: string }).member).includes("/workloadIdentityPools/"));
        assert.deepEqual([roles, vaultRoles, wif], [4, 6, 6]);
        assert.deepEqual(applied, {
            "aws-gitlab-trust-audience": roles,
            "aws-gitlab-trust-subject": roles,
            "aws-gitlab-trust-any-project": roles,
            "aws-gitlab-trust-audience-pattern": roles,
            "aws-gitlab-trust-extra-sub-components": roles,
            "aws-gitlab-trust-set-operators": roles,
            "aws-gitlab-trust-path-binding": roles,
            "gcp-gitlab-provider-condition": 1,
            "gcp-gitlab-provider-project": 1,
            "gcp-gitlab-provider-subject": 1,
            "gcp-workload-pool-wide-grant": wif,
            "vault-gitlab-role-audience": vaultRoles,
            "vault-gitlab-role-project-id": vaultRoles,
            "vault-gitlab-role-project-glob": vaultRoles,
            "vault-gitlab-role-token-lifetime": vaultRoles,
            "vault-gitlab-role-batch-token": vaultRoles,
            "vault-gitlab-auth-issuer": 1,
            "vault-gitlab-auth-algorithms": 1,
            // The rich map has no Azure section; test/policy/azure.test.ts runs our planner's Azure credentials through it.
            "azure-gitlab-credential-exact-subject": 0,
        });
    });

    it("pass every stack policy, which sees the GitLab mount and its roles", () => {
        const stack = (change: (e: Entry, inputs: Record<string, unknown>) => Record<string, unknown>) => entries.map((e) => stackResource(e.resource.type, e.resource.name, change(e, registered(e))));
        for (const policy of POLICIES.filter((p) => "validateStack" in p)) {
            assert.deepEqual(stackVerdict(policy.name, stack((_, inputs) => inputs)), [], policy.name);
        }
        // Not vacuous: the same stack with one role's GitLab claims removed is refused.
        const loose = stack((e, inputs) => (e.resource.type === "vault:jwt/authBackendRole:AuthBackendRole" && e.resource.name === "42/deploy" ? { ...inputs, boundClaims: { ref: "main" } } : inputs));
        assert.deepEqual(stackVerdict("vault-gitlab-mount-role-unbound", loose), [
            `urn:pulumi:test::test::vault:jwt/authBackendRole:AuthBackendRole::42/deploy: role "platform-api--deploy" is on gitlab, a JWT mount for GitLab (urn:pulumi:test::test::vault:jwt/authBackend:AuthBackend::jwt), but binds no GitLab claim (boundClaims: ref): any project of the GitLab instance whose jobs request its audience can log in, and the vault-gitlab-role-* policies do not recognise it; bind project_id in boundClaims, and list "gitlab" in their gitlabMounts`,
        ]);
    });
});
