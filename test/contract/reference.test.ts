/**
 * FederationReference under Pulumi mocks: the StackReference returns the contract our own program
 * publishes for the dev map, so a contract change that breaks app stacks breaks this test.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { FederationReference } from "../../src/contract";
import { GRANT_CONTRACT_KEYS, type Contract } from "../../src/contract/contract";
import { clone, devMap } from "../helpers/maps";
import { runCatching, runWithMocks, valueOf } from "../helpers/mocks";
import { programContract } from "./contract.test";

const STACK = "acme/gitlab-federation/prod";

/** Resolves `read` inside a program whose StackReference to STACK returns `outputs`; returns the value or the error. */
async function resolveWith<T>(outputs: Record<string, unknown>, read: (federation: FederationReference) => pulumi.Output<T>): Promise<{ value: T } | { error: unknown }> {
    const { result } = await runWithMocks(() => read(new FederationReference(STACK)), { stacks: { [STACK]: outputs } });
    try {
        // A failing Output rejects its promise (Output.promise is how the SDK itself awaits one).
        return { value: await (result as unknown as { promise(): Promise<T> }).promise() };
    } catch (error) {
        return { error };
    }
}

function message(outcome: { value: unknown } | { error: unknown }): string {
    assert.ok("error" in outcome, `expected an error, got ${JSON.stringify((outcome as { value: unknown }).value)}`);
    assert.ok(pulumi.RunError.isInstance(outcome.error), "a RunError: printed without a stack trace");
    return (outcome.error as Error).message;
}

describe("FederationReference", () => {
    let contract: Contract;
    before(async () => {
        contract = await programContract(devMap());
    });

    it("gives a grant's values as typed Outputs, from the contract our program publishes", async () => {
        const { result } = await runWithMocks(
            () => {
                const deploy = new FederationReference(STACK).grant("platform/api", "deploy");
                return { roleName: deploy.vault.roleName, read: deploy.vault.read, serverUrl: deploy.vault.serverUrl, roleArn: deploy.aws.roleArn, email: deploy.gcp.serviceAccountEmail, projectId: deploy.projectId, conditions: deploy.conditions };
            },
            { stacks: { [STACK]: { contract } } },
        );
        assert.deepEqual(await valueOf(pulumi.output(result)), {
            roleName: "platform-api--deploy",
            read: ["platform/api/production"],
            serverUrl: "https://vault.example.com",
            roleArn: "arn:aws:iam::111111111111:role/gitlab-federation/gitlab-platform-api--deploy",
            email: "gl-platform-api--deploy@acme-ci.iam.gserviceaccount.com",
            projectId: "42",
            conditions: { ref: ["main"], refType: "branch", protected: true, environment: "production" },
        });
    });

    it("target(key) is the same part, typed by its key, for every target of the registry", async () => {
        const { result } = await runWithMocks(
            () => {
                const deploy = new FederationReference(STACK).grant("platform/api", "deploy");
                assert.equal(deploy.target("vault"), deploy.vault, "one set of Outputs per target");
                assert.deepEqual(Object.keys(deploy).filter((k) => !["project", "grant", "value", "projectId", "conditions", "target"].includes(k)), Object.keys(GRANT_CONTRACT_KEYS));
                return { roleName: deploy.target("vault").roleName, roleArn: deploy.target("aws").roleArn, providerName: deploy.target("gcp").providerName };
            },
            { stacks: { [STACK]: { contract } } },
        );
        assert.deepEqual(await valueOf(pulumi.output(result)), {
            roleName: "platform-api--deploy",
            roleArn: "arn:aws:iam::111111111111:role/gitlab-federation/gitlab-platform-api--deploy",
            providerName: contract.gcp!.providerName,
        });
    });

    it("a target the package does not know: a RunError listing the targets it knows", async () => {
        const outcome = await runCatching(() => new FederationReference(STACK).grant("platform/api", "deploy").target("oracle" as "vault").roleName, { stacks: { [STACK]: { contract } } });
        assert.ok("error" in outcome && pulumi.RunError.isInstance(outcome.error));
        assert.equal((outcome.error as Error).message, `gitlab-federation has no target "oracle"; its targets: ${Object.keys(GRANT_CONTRACT_KEYS).join(", ")}`);
    });

    it("the StackReference is named after the stack and reads that stack", async () => {
        const { resources, reads } = await runWithMocks(() => new FederationReference(STACK).contract, { stacks: { [STACK]: { contract } } });
        assert.deepEqual(resources, []);
        assert.deepEqual(reads, [{ type: "pulumi:pulumi:StackReference", name: STACK, id: STACK }]);
    });

    it("a project or grant the stack does not have: one message naming the stack, with what it has", async () => {
        assert.equal(
            message(await resolveWith({ contract }, (f) => f.grant("platform/apii", "deploy").vault.roleName)),
            'gitlab-federation stack acme/gitlab-federation/prod has no project "platform/apii" (did you mean "platform/api"?); its projects: platform/api, platform/gitlab-federation, platform/web',
        );
        assert.equal(
            message(await resolveWith({ contract }, (f) => f.grant("platform/web", "release").projectId)),
            'gitlab-federation stack acme/gitlab-federation/prod has no grant "release" for project platform/web; its grants: deploy',
        );
        assert.equal(
            message(await resolveWith({ contract }, (f) => f.grant("platform/web", "deploy").aws.roleArn)),
            "grant platform/web deploy of gitlab-federation stack acme/gitlab-federation/prod does not use aws; it uses: vault, gcp",
        );
    });

    it("refuses a stack without a contract, and a contract major version it does not know", async () => {
        assert.equal(
            message(await resolveWith({ grants: {} }, (f) => f.contract)),
            'gitlab-federation stack acme/gitlab-federation/prod has no "contract" output: it has not been deployed yet, or was deployed by a gitlab-federation release older than the contract; run pulumi up there first',
        );
        const future = { ...clone(contract), schemaVersion: "2.0" };
        assert.equal(
            message(await resolveWith({ contract: future }, (f) => f.grant("platform/api", "deploy").vault.roleName)),
            'gitlab-federation stack acme/gitlab-federation/prod publishes contract schemaVersion "2.0", and this gitlab-federation package reads 1.x: upgrade the gitlab-federation package of this app stack',
        );
        const newerMinor = { ...clone(contract), schemaVersion: "1.4" };
        assert.deepEqual(await resolveWith({ contract: newerMinor }, (f) => f.grant("platform/api", "deploy").vault.roleName), { value: "platform-api--deploy" });
    });

    it("creates nothing, reads only the StackReference, even when the grant is missing", async () => {
        const outcome = await runCatching(() => new FederationReference(STACK).grant("nope/nope", "x").vault.roleName, { stacks: { [STACK]: { contract } } });
        assert.deepEqual(outcome.resources, []);
        assert.deepEqual(outcome.reads.map((r) => r.type), ["pulumi:pulumi:StackReference"]);
    });
});
