/**
 * The Azure policy of the pack, called directly (validateResource with good and bad resources),
 * and the federated identity credentials our own planner writes pass it at mandatory.
 */
import { strict as assert } from "node:assert";
import { planMap } from "../../src/features";
import { AZURE_TESTKIT } from "../components/azure/testkit";
import { GITLAB } from "../helpers/maps";
import { verdict } from "./helpers";

const POLICY = "azure-gitlab-credential-exact-subject";
const FIC = "azure-native:managedidentity:FederatedIdentityCredential";
const APP_FIC = "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential";
const GOOD = { issuer: "https://gitlab.example.com", subject: "project_path:platform/api:ref_type:branch:ref:main", audiences: ["api://AzureADTokenExchange"], resourceName: "id", resourceGroupName: "rg" };
const CONFIG = { gitlabUrls: ["https://gitlab.example.com"] };

describe("policy pack: Azure federated identity credentials", () => {
    it("one exact GitLab sub and one audience pass, for managed identities and applications", () => {
        assert.deepEqual(verdict(POLICY, FIC, GOOD, CONFIG), []);
        assert.deepEqual(verdict(POLICY, APP_FIC, { ...GOOD, audiences: ["api://AzureADTokenExchange"] }, CONFIG), []);
    });

    it("a flexible credential, a subject not of GitLab's default form and two audiences are refused, with the fix", () => {
        assert.deepEqual(verdict(POLICY, FIC, { ...GOOD, subject: undefined, claimsMatchingExpression: { value: "claims['sub'] matches 'project_path:platform/*'", languageVersion: 1 } }, CONFIG), [
            "a flexible credential (claimsMatchingExpression, preview) admits every token its patterns match, other projects' and unprotected refs' included: use one credential per exact subject (project_path:<group>/<project>:ref_type:<type>:ref:<ref>)",
        ]);
        assert.deepEqual(verdict(POLICY, FIC, { ...GOOD, subject: "project_id:42" }, CONFIG), [
            'subject "project_id:42" is not GitLab\'s default sub (project_path:<group>/<project>:ref_type:<branch|tag>:ref:<ref>): a token\'s sub has that form unless its project customised the sub claim, so this credential either matches nothing or relies on a customisation nobody reviews here: write the default form',
        ]);
        assert.deepEqual(verdict(POLICY, FIC, { ...GOOD, audiences: ["api://AzureADTokenExchange", "other"] }, CONFIG), [
            'audiences ["api://AzureADTokenExchange","other"]: give exactly one audience (api://AzureADTokenExchange by default), the one the job\'s id_tokens: requests for Azure',
        ]);
    });

    it("not applicable to other issuers' credentials, or to other types; a GitLab sub is recognised without the issuer configured", () => {
        assert.deepEqual(verdict(POLICY, FIC, { ...GOOD, issuer: "https://token.actions.githubusercontent.com", subject: "repo:acme/app:ref:refs/heads/main" }, CONFIG), {
            notApplicable: "applies to federated identity credentials for GitLab CI (an issuer in gitlabUrls, or a GitLab sub)",
        });
        assert.deepEqual(verdict(POLICY, "aws:iam/role:Role", {}, CONFIG), { notApplicable: `applies to ${FIC}, ${APP_FIC}` });
        assert.deepEqual(verdict(POLICY, FIC, { ...GOOD, issuer: "https://gitlab.other.example", audiences: [] }), [
            "audiences []: give exactly one audience (api://AzureADTokenExchange by default), the one the job's id_tokens: requests for Azure",
        ]);
    });

    it("every credential our own planner writes passes", () => {
        const raw = {
            gitlab: GITLAB,
            azure: AZURE_TESTKIT.section,
            projects: {
                "platform/api": { id: 42, grants: { deploy: { ref: ["main", "release"], azure: { roles: [{ role: "AcrPush", scope: { resourceGroup: "app" } }] } }, tag: { ref: "v1.0.0", refType: "tag", azure: { roles: [{ role: "Reader", scope: "subscription" }] } } } },
            },
        };
        const credentials = (planMap(raw) as unknown as { azure: { federatedIdentityCredentials: Record<string, unknown>[] } }).azure.federatedIdentityCredentials;
        assert.equal(credentials.length, 3);
        for (const { resource: _resource, ...props } of credentials) {
            assert.deepEqual(verdict(POLICY, FIC, props, CONFIG), [], JSON.stringify(props));
        }
    });
});
