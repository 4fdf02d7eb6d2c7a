/**
 * Azure's capabilities beyond the plan: loosenings recorded as data, the deployer's settings
 * (deployer.azure) reaching the generated pipeline (client IDs, the Pulumi provider's ARM_*
 * login), the contract's rules for values read back, and the review of its hazards.
 */
import { strict as assert } from "node:assert";
import { AZURE_CONTRACT } from "../../../components/azure/contract";
import { AZURE_REVIEW } from "../../../components/azure/review";
import { planMap } from "../../../src/features";
import { PipelineError, generatePipeline } from "../../../src/features/pipeline";
import type { ReviewContext, ReviewRule } from "../../../src/core/review";
import { GITLAB } from "../../helpers/maps";
import { SUBSCRIPTION, TENANT, grant, plan } from "./fixtures";

type Raw = Record<string, any>;

const PLANNER_ID = "8b9c0d1e-2f3a-4b5c-8d6e-7f8091a2b3c4";
const APPLIER_ID = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
const ACK = "main is protected and every job on it is reviewed";

/** A map with a deployer and one Azure grant; `settings` are deployer.azure. */
function deployerMap(settings: Raw): Raw {
    return {
        gitlab: GITLAB,
        azure: {
            tenantId: TENANT,
            subscriptionId: SUBSCRIPTION,
            resourceGroup: { name: "gitlab-ci-identities", location: "westeurope" },
            deployerResourceGroup: { name: "gitlab-federation-deployer", location: "westeurope" },
        },
        deployer: { project: "platform/gitlab-federation", id: 7, planner: { ref: ["main"] }, applier: { environment: "federation-prod" }, azure: settings },
        projects: { "platform/api": { id: 42, grants: { deploy: { ref: "main", azure: { roles: [{ role: "AcrPush", scope: { resourceGroup: "app" } }] } } } } },
    };
}

describe("Azure: loosenings are data", () => {
    it("allowBroad, acknowledge.environment and deployer.azure.acknowledge are recorded with their effect and reason", () => {
        const broad = grant({ environment: "production", azure: { roles: [{ role: "Owner", scope: { resourceGroup: "app" } }], allowBroad: "the release job manages the app's access", acknowledge: { environment: "one job per ref" } } });
        assert.deepEqual(plan([broad]).loosenings, [
            { segments: ["projects", "platform/api", "grants", "deploy", "azure", "acknowledge", "environment"], effect: "Azure does not check the environment", reason: "one job per ref" },
            { segments: ["projects", "platform/api", "grants", "deploy", "azure", "allowBroad"], effect: "broad Azure roles", reason: "the release job manages the app's access" },
        ]);
        const planned = planMap(deployerMap({ acknowledge: ACK }));
        assert.deepEqual(planned.loosenings, [{ path: "gitlab-federation:deployer.azure.acknowledge", effect: "Azure does not check the applier's environment or protection", reason: ACK }]);
    });
});

describe("Azure: the deployer's pipeline", () => {
    it("with deployer.azure.clientIds, its jobs log in as the planner and the applier, and log the Pulumi provider in through ARM_*", () => {
        const generated = generatePipeline([{ name: "prod", file: "Pulumi.prod.yaml", plan: planMap(deployerMap({ acknowledge: ACK, clientIds: { planner: PLANNER_ID, applier: APPLIER_ID } })) }]);
        const { load, CORE_SCHEMA } = require("js-yaml") as typeof import("js-yaml");
        const pipeline = load(generated, { schema: CORE_SCHEMA }) as Raw;
        for (const [job, id] of [["preview:prod", PLANNER_ID], ["up:prod", APPLIER_ID]] as const) {
            assert.deepEqual(pipeline[job].id_tokens.AZURE_ID_TOKEN, { aud: "api://AzureADTokenExchange" });
            assert.deepEqual([pipeline[job].variables.AZURE_CLIENT_ID, pipeline[job].variables.AZURE_TENANT_ID, pipeline[job].variables.AZURE_SUBSCRIPTION_ID], [id, TENANT, SUBSCRIPTION]);
            const script = JSON.stringify(pipeline[job]);
            assert.ok(
                script.includes('export ARM_USE_OIDC=true ARM_CLIENT_ID=\\"$AZURE_CLIENT_ID\\" ARM_TENANT_ID=\\"$AZURE_TENANT_ID\\" ARM_SUBSCRIPTION_ID=\\"$AZURE_SUBSCRIPTION_ID\\" ARM_OIDC_TOKEN=\\"$AZURE_ID_TOKEN\\"'),
                `${job}: ${script}`,
            );
        }
    });

    it("without them the pipeline is refused with the way out (Azure assigns client IDs only when it creates an identity)", () => {
        const planned = planMap(deployerMap({ acknowledge: ACK }));
        assert.throws(
            () => generatePipeline([{ name: "prod", file: "Pulumi.prod.yaml", plan: planned }]),
            (error: unknown) => {
                assert.ok(error instanceof PipelineError);
                assert.deepEqual(error.problems, [
                    "Pulumi.prod.yaml: platform/gitlab-federation planner: the managed identity's client ID exists only once pulumi up has created it: generate from the deployed stack's contract (pulumi stack output contract --json | gitlab-federation ci --contract -); for the deployer's identities, set gitlab-federation:deployer.azure.clientIds from it",
                ]);
                return true;
            },
        );
    });

    it("a client ID that is no GUID is refused in the map", () => {
        assert.throws(
            () => planMap(deployerMap({ acknowledge: ACK, clientIds: { planner: "planner" } })),
            /gitlab-federation:deployer\.azure\.clientIds\.planner: must be the planner identity's client ID, a GUID such as "8f0e1b0c-1d2e-4f3a-9b8c-7d6e5f4a3b2c", got "planner"/,
        );
    });
});

describe("Azure: the contract's rules", () => {
    const rule = (key: string) => {
        const how = AZURE_CONTRACT.strings[key]!;
        assert.ok("rule" in how);
        return how.rule;
    };
    const IDENTITY = `/subscriptions/${SUBSCRIPTION}/resourceGroups/gitlab-ci-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/gitlab-platform-api--deploy`;

    it("boundary pairs for the identity's ARM ID and client ID", () => {
        assert.equal(rule("grant.identityId")(IDENTITY), undefined);
        assert.equal(
            rule("grant.identityId")(IDENTITY.replace("userAssignedIdentities", "identities")),
            `must be a user-assigned identity's ARM ID, /subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>, got ${JSON.stringify(IDENTITY.replace("userAssignedIdentities", "identities"))}`,
        );
        assert.equal(
            rule("grant.identityId")(IDENTITY.replace("gitlab-platform-api--deploy", "$CI_JOB_TOKEN")),
            'in its name: must be 3-128 letters, digits, "-" and "_", starting with a letter or digit (managed identity names), got "$CI_JOB_TOKEN"',
        );
        assert.equal(rule("grant.clientId")(PLANNER_ID), undefined);
        assert.equal(rule("grant.clientId")(`${PLANNER_ID} `), `must be the managed identity's client ID, a GUID, got "${PLANNER_ID} "`);
    });
});

describe("Azure: review of the section", () => {
    const side = (azure: Raw | undefined) => ({ ...(azure !== undefined ? { map: { azure } } : {}), entries: [] });
    const context = (before: Raw | undefined, after: Raw | undefined): ReviewContext => ({ base: side(before), head: side(after) });
    const ruleOf = (field: string): ReviewRule => {
        const review = AZURE_REVIEW.section[field]!;
        assert.ok("rule" in review);
        return review.rule;
    };

    it("protect turned off and a section removed while unprotected are hazards; removed while protected is not", () => {
        assert.deepEqual(ruleOf("protect")(true, false, context({ protect: true }, { protect: false })), [
            {
                change: "hazard",
                detail: "true -> false: pulumi up may delete the resource groups (a removed section, pulumi destroy), and every identity in them: every pipeline's Azure access breaks at once",
            },
        ]);
        assert.deepEqual(ruleOf("protect")(false, true, context({ protect: false }, { protect: true })), []);
        assert.deepEqual(ruleOf("")({ protect: false }, undefined, context({ protect: false }, undefined)), [
            { change: "hazard", detail: "removed while azure.protect is false: pulumi up deletes the resource groups and every identity in them, which breaks every pipeline's Azure access at once" },
        ]);
        assert.deepEqual(ruleOf("")({ protect: true }, undefined, context({ protect: true }, undefined)), []);
    });

    it("another audience is wider (it cannot be ranked)", () => {
        assert.deepEqual(ruleOf("audience")("api://AzureADTokenExchange", "api://other", context({}, {})), [
            { change: "widened", detail: '"api://AzureADTokenExchange" -> "api://other": every identity\'s federated credentials accept the ID tokens requested for api://other' },
        ]);
    });
});
