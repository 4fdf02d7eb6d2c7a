/**
 * examples/app-stack under Pulumi mocks: its StackReference returns the contract our own program
 * publishes for the committed dev map, so a contract change that breaks app stacks breaks this.
 * Its bucket policy is then evaluated (helpers/iam.ts) for the requests that matter: the deploy
 * job's PutObject, an administrator's, another role's.
 */
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { programContract } from "../contract/contract.test";
import { Caller, Policy, Request, decide, roleSession } from "../helpers/iam";
import { devMap } from "../helpers/maps";
import { runWithMocks, valueOf } from "../helpers/mocks";

const STACK = "acme/gitlab-federation/dev";
const ROLE = "arn:aws:iam::111111111111:role/gitlab-federation/gitlab-platform-api--deploy";
const BUCKET = "arn:aws:s3:::acme-platform-api-artifacts";
const EVERYTHING: Policy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

/** Runs the example against the dev map's contract: its outputs and what it registered and read. */
async function runExample() {
    const contract = await programContract(devMap());
    pulumi.runtime.setAllConfig({ "app-stack:federationStack": STACK });
    try {
        const entry = require.resolve("../../examples/app-stack/index");
        delete require.cache[entry];
        return await runWithMocks(() => require(entry) as Record<string, pulumi.Output<unknown>>, { project: "app-stack", stacks: { [STACK]: { contract } } });
    } finally {
        pulumi.runtime.setAllConfig({});
    }
}

describe("examples/app-stack", () => {
    let run: Awaited<ReturnType<typeof runExample>>;
    let bucketPolicy: Policy;
    before(async () => {
        run = await runExample();
        bucketPolicy = JSON.parse((await valueOf(run.result.bucketPolicy!)) as string) as Policy;
    });

    it("reads the deploy grant: a bucket policy naming its role, the CI/CD variables, the secret folders", async () => {
        const { result, resources, reads } = run;
        assert.deepEqual(reads, [{ type: "pulumi:pulumi:StackReference", name: STACK, id: STACK }]);
        assert.deepEqual(resources.map((r) => [r.type, r.name]), [["aws:s3/bucket:Bucket", "artifacts"], ["aws:s3/bucketPolicy:BucketPolicy", "artifacts"]]);
        // The Deny exempts the role by aws:PrincipalArn (NotPrincipal would deny the role's own sessions).
        assert.deepEqual(bucketPolicy, {
            Version: "2012-10-17",
            Statement: [
                { Sid: "DeployGrantWrites", Effect: "Allow", Principal: { AWS: ROLE }, Action: ["s3:PutObject"], Resource: `${BUCKET}/*` },
                { Sid: "NoOtherWriter", Effect: "Deny", Principal: "*", Action: ["s3:PutObject"], Resource: `${BUCKET}/*`, Condition: { ArnNotEquals: { "aws:PrincipalArn": ROLE } } },
            ],
        });
        assert.deepEqual(await valueOf(pulumi.output(result.ciVariables)), {
            VAULT_SERVER_URL: "https://vault.example.com",
            VAULT_AUTH_PATH: "gitlab",
            VAULT_AUTH_ROLE: "platform-api--deploy",
            AWS_ROLE_ARN: ROLE,
        });
        assert.deepEqual(await valueOf(result.secretFolders!), ["secret/platform/api/production"]);
    });

    describe("the bucket policy, evaluated", () => {
        const put = (caller: Caller): Request => ({ caller, action: "s3:PutObject", resource: `${BUCKET}/releases/1.4.2/api.tar.gz` });
        // The deploy job: a session of the role (AssumeRoleWithWebIdentity), whose own policies
        // (ReadOnlyAccess in the dev map) do not allow PutObject: the bucket policy does.
        const job = roleSession(ROLE, "gitlab-42-1234567");
        const admin = roleSession("arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0123456789abcdef", "alice@example.com");
        const release = roleSession("arn:aws:iam::111111111111:role/gitlab-federation/gitlab-platform-api--release", "gitlab-42-1234568");

        it("the deploy job's PutObject is allowed: its aws:PrincipalArn is the role ARN with its path", () => {
            assert.equal(job.session, "arn:aws:sts::111111111111:assumed-role/gitlab-platform-api--deploy/gitlab-42-1234567");
            assert.equal(decide(put(job), { resource: [bucketPolicy] }), "allow");
            assert.equal(decide(put(job), { identity: [EVERYTHING], resource: [bucketPolicy] }), "allow");
        });

        it("an administrator and another role are denied, whatever their IAM policies allow", () => {
            assert.equal(decide(put(admin), { identity: [EVERYTHING], resource: [bucketPolicy] }), "explicit deny");
            assert.equal(decide(put(release), { identity: [EVERYTHING], resource: [bucketPolicy] }), "explicit deny");
            // A role of the same name on another path is another role.
            const elsewhere = roleSession("arn:aws:iam::111111111111:role/gitlab-platform-api--deploy", "s");
            assert.equal(decide(put(elsewhere), { identity: [EVERYTHING], resource: [bucketPolicy] }), "explicit deny");
        });

        it("only PutObject is fenced: reading, and changing the bucket policy, follow the callers' IAM policies", () => {
            assert.equal(decide({ caller: admin, action: "s3:PutBucketPolicy", resource: BUCKET }, { identity: [EVERYTHING], resource: [bucketPolicy] }), "allow");
            assert.equal(decide({ caller: release, action: "s3:GetObject", resource: `${BUCKET}/releases/1.4.2/api.tar.gz` }, { identity: [EVERYTHING], resource: [bucketPolicy] }), "allow");
        });

        it("the NotPrincipal form it replaces denied the deploy job itself", () => {
            const old: Policy = {
                Version: "2012-10-17",
                Statement: [bucketPolicy.Statement[0]!, { Sid: "NoOtherWriter", Effect: "Deny", NotPrincipal: { AWS: ROLE }, Action: ["s3:PutObject"], Resource: `${BUCKET}/*` }],
            };
            assert.equal(decide(put(job), { resource: [old] }), "explicit deny");
        });
    });
});
