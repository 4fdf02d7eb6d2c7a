/**
 * examples/app-stack under Pulumi mocks: its StackReference returns the contract our own program
 * publishes for the committed dev map, so a contract change that breaks app stacks breaks this.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { programContract } from "../contract/contract.test";
import { devMap } from "../helpers/maps";
import { runWithMocks, valueOf } from "../helpers/mocks";

const STACK = "acme/gitlab-federation/dev";

describe("examples/app-stack", () => {
    it("reads the deploy grant: a bucket policy naming its role, the CI/CD variables, the secret folders", async () => {
        const contract = await programContract(devMap());
        pulumi.runtime.setAllConfig({ "app-stack:federationStack": STACK });
        try {
            const entry = require.resolve("../../examples/app-stack/index");
            delete require.cache[entry];
            const { result, resources, reads } = await runWithMocks(() => require(entry) as Record<string, pulumi.Output<unknown>>, { project: "app-stack", stacks: { [STACK]: { contract } } });
            assert.deepEqual(reads, [{ type: "pulumi:pulumi:StackReference", name: STACK, id: STACK }]);
            assert.deepEqual(resources.map((r) => [r.type, r.name]), [["aws:s3/bucket:Bucket", "artifacts"], ["aws:s3/bucketPolicy:BucketPolicy", "artifacts"]]);
            const role = "arn:aws:iam::111111111111:role/gitlab-federation/gitlab-platform-api--deploy";
            assert.deepEqual(JSON.parse((await valueOf(result.bucketPolicy!)) as string), {
                Version: "2012-10-17",
                Statement: [
                    { Sid: "DeployGrantWrites", Effect: "Allow", Principal: { AWS: role }, Action: ["s3:PutObject"], Resource: "arn:aws:s3:::acme-platform-api-artifacts/*" },
                    { Sid: "NoOtherWriter", Effect: "Deny", NotPrincipal: { AWS: role }, Action: ["s3:PutObject"], Resource: "arn:aws:s3:::acme-platform-api-artifacts/*" },
                ],
            });
            assert.deepEqual(await valueOf(pulumi.output(result.ciVariables)), {
                VAULT_SERVER_URL: "https://vault.example.com",
                VAULT_AUTH_PATH: "gitlab",
                VAULT_AUTH_ROLE: "platform-api--deploy",
                AWS_ROLE_ARN: role,
            });
            assert.deepEqual(await valueOf(result.secretFolders!), ["secret/platform/api/production"]);
        } finally {
            pulumi.runtime.setAllConfig({});
        }
    });
});
