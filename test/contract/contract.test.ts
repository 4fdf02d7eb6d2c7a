/**
 * The output contract: exact values from the plan, what the program publishes under mocks (checked
 * against the committed JSON Schema), values only the resources know, and reading one back.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020";
import fc from "fast-check";
import { CONTRACT_SCHEMA_VERSION, Contract, contractMajor } from "../../src/contract/contract";
import { checkMap, planMap } from "../../src/features";
import { contractOf, readContract } from "../../src/features/contract";
import { runProgram } from "../../src/pulumi/program";
import { mapArb } from "../helpers/arbitraries";
import { AWS, clone, devMap, map } from "../helpers/maps";
import { MOCK_ACCOUNT, runWithMocks, valueOf } from "../helpers/mocks";

type Json = Record<string, any>;
const DEV = devMap() as Json;
const schema = JSON.parse(readFileSync("schema/contract.schema.json", "utf8")) as object;
const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);

/** The contract the program publishes under mocks. */
export async function programContract(raw: Json): Promise<Contract> {
    const { result } = await runWithMocks(() => runProgram(raw, { logWarnings: false }));
    return valueOf(result.contract);
}

describe("the output contract", () => {
    it("states the dev map's stack and a grant exactly", () => {
        const contract = contractOf(planMap(DEV));
        const gcpProvider = "projects/123456789012/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com";
        assert.deepEqual(
            { schemaVersion: contract.schemaVersion, gitlabUrl: contract.gitlabUrl, vault: contract.vault, aws: contract.aws, gcp: contract.gcp },
            {
                schemaVersion: "1.1",
                gitlabUrl: "https://gitlab.example.com",
                vault: { serverUrl: "https://vault.example.com", authPath: "gitlab", audience: "https://vault.example.com", kvMount: "secret" },
                aws: { audience: "sts.amazonaws.com", oidcProviderArn: "arn:aws:iam::111111111111:oidc-provider/gitlab.example.com", partition: "aws" },
                gcp: { audience: `https://iam.googleapis.com/${gcpProvider}`, providerName: gcpProvider, providerResourceName: `//iam.googleapis.com/${gcpProvider}` },
            },
        );
        assert.deepEqual(contract.grants["platform/web"], {
            deploy: {
                projectId: "57",
                conditions: { ref: ["main", "release/*"], refType: "branch", protected: true, environment: "production" },
                vault: {
                    roleName: "platform-web--deploy",
                    policyNames: ["gitlab-platform-web--deploy"],
                    read: ["platform/web/production"],
                    authPath: "gitlab",
                    audience: "https://vault.example.com",
                    kvMount: "secret",
                    serverUrl: "https://vault.example.com",
                    tokenTtl: 120,
                    tokenMaxTtl: 600,
                },
                gcp: {
                    serviceAccountEmail: "gl-platform-web--deploy@acme-ci.iam.gserviceaccount.com",
                    providerName: gcpProvider,
                    providerResourceName: `//iam.googleapis.com/${gcpProvider}`,
                    audience: `https://iam.googleapis.com/${gcpProvider}`,
                    roles: ["roles/run.developer"],
                },
            },
        });
        assert.deepEqual(Object.keys(contract.grants["platform/api"]!), ["deploy", "release", "review"]);
        assert.equal(validate(contract), true, JSON.stringify(validate.errors));
    });

    it("vault.serverUrl: set, defaulted from an https audience, or absent when the audience is not a URL", () => {
        const at = (vault: Json) => contractOf(planMap(map({ "a/b": { id: 1, grants: { ci: { ref: "main", vault: { read: ["a/b"] } } } } }, { vault }))).vault!.serverUrl;
        assert.equal(at({ audience: "https://vault.example.com" }), "https://vault.example.com");
        assert.equal(at({ audience: "vault-ci", serverUrl: "https://vault.internal:8200" }), "https://vault.internal:8200");
        assert.equal(at({ audience: "vault-ci" }), undefined);
        assert.equal(at({ audience: "https://vault.example.com/" }), undefined, "not written canonically, so not an address to hand to jobs");
        const problems = (serverUrl: string) =>
            checkMap(map({ "a/b": { id: 1, grants: { ci: { ref: "main", vault: { read: ["a/b"] } } } } }, { vault: { audience: "x", serverUrl } })).problems.map((p) => `${p.path}: ${p.message}`);
        assert.deepEqual(problems("http://vault.example.com"), ['gitlab-federation:vault.serverUrl: must use https (got "http://vault.example.com"): CI jobs send their ID tokens and receive Vault tokens over it']);
        assert.deepEqual(problems("https://vault.example.com/"), [
            'gitlab-federation:vault.serverUrl: must not end with "/" (got "https://vault.example.com/"); write "https://vault.example.com": jobs reach Vault at this address (VAULT_SERVER_URL)',
        ]);
        assert.deepEqual(problems("https://vault.example.com:8200"), []);
    });

    it("the program publishes the plan's contract, with the accessor the auth method reports, and it matches the committed schema", async () => {
        const published = await programContract(DEV);
        const expected = clone(contractOf(planMap(DEV))) as Json;
        expected.vault.accessor = "auth_jwt_gitlab";
        assert.deepEqual(published, expected);
        assert.equal(validate(published), true, JSON.stringify(validate.errors));
    });

    it("property: for random valid maps the published contract is the plan's and matches the schema", async () => {
        await fc.assert(
            fc.asyncProperty(mapArb, async (raw) => {
                const published = (await programContract(raw)) as Json;
                const expected = clone(contractOf(planMap(raw))) as Json;
                expected.vault.accessor = "auth_jwt_gitlab";
                assert.deepEqual(published, expected);
                assert.equal(validate(published), true, JSON.stringify(validate.errors));
            }),
            { numRuns: 15 },
        );
    });

    it("an AWS account the map does not name: the plan says <account-id>, the program publishes the real ARNs", async () => {
        const raw = clone(DEV);
        raw.aws = { audience: AWS.audience };
        delete raw.deployer; // the deployer needs the account
        const planned = contractOf(planMap(raw));
        assert.equal(planned.grants["platform/api"]!.deploy!.aws!.roleArn, "arn:aws:iam::<account-id>:role/gitlab-platform-api--deploy");
        const published = await programContract(raw);
        assert.equal(published.grants["platform/api"]!.deploy!.aws!.roleArn, `arn:aws:iam::${MOCK_ACCOUNT}:role/gitlab-platform-api--deploy`);
        assert.equal(published.aws!.oidcProviderArn, `arn:aws:iam::${MOCK_ACCOUNT}:oidc-provider/gitlab.example.com`);
    });

    describe("reading a contract back (ci --contract)", () => {
        it("accepts what the program publishes, ignoring fields a newer minor version adds", async () => {
            const published = (await programContract(DEV)) as Json;
            assert.deepEqual(readContract(published, "contract.json"), { contract: published });
            const newer = { ...clone(published), schemaVersion: "1.7", audit: { note: "new in 1.7" } };
            const read = readContract(newer, "contract.json");
            assert.ok("contract" in read);
            assert.equal((read.contract as Json).audit, undefined);
        });

        it("refuses another major version, and says what is wrong with a broken one", () => {
            assert.deepEqual(readContract({ schemaVersion: "2.0", gitlabUrl: "x", grants: {} }, "contract.json"), {
                problems: ["contract.json has contract schemaVersion 2.0; this gitlab-federation reads 1.x: use a gitlab-federation release that reads 2.x"],
            });
            const expected = "expected a JSON object with schemaVersion, gitlabUrl and grants, as pulumi stack output contract --json prints it";
            assert.deepEqual(readContract([], "-"), { problems: [`- is not a gitlab-federation contract: ${expected}, got an array`] });
            assert.deepEqual(readContract(3, "-"), { problems: [`- is not a gitlab-federation contract: ${expected}, got 3`] });
            const broken = clone(contractOf(planMap(DEV))) as Json;
            delete broken.grants["platform/web"].deploy.vault.roleName;
            assert.deepEqual(readContract(broken, "c.json"), { problems: ["c.json: grants.platform/web.deploy.vault.roleName: is required but missing. The grant's role (VAULT_AUTH_ROLE)."] });
        });

        it("says what was expected, not zod's words: a missing or mistyped field with its description, a stack's outputs for its contract", () => {
            const contract = clone(contractOf(planMap(DEV))) as Json;
            const mistyped = clone(contract) as Json;
            mistyped.grants["platform/web"].deploy.projectId = 57;
            delete mistyped.gitlabUrl;
            assert.deepEqual(readContract(mistyped, "c.json"), {
                problems: [
                    "c.json: gitlabUrl: is required but missing. The GitLab instance whose ID tokens the stack trusts (their iss).",
                    "c.json: grants.platform/web.deploy.projectId: must be a string, got 57. The GitLab project id the grant is bound to.",
                ],
            });
            assert.deepEqual(readContract({ contract, grants: {} }, "-"), { problems: ["- holds a stack's outputs (pulumi stack output --json), not its contract: give pulumi stack output contract --json"] });
            assert.deepEqual(readContract({}, "-"), {
                problems: [
                    '-: schemaVersion: is required but missing. "major.minor"; this schema describes major 1 (written: 1.1).',
                    "-: gitlabUrl: is required but missing. The GitLab instance whose ID tokens the stack trusts (their iss).",
                    "-: grants: is required but missing. grants[<project path>][<grant>].",
                ],
            });
            for (const problems of [readContract(mistyped, "c.json"), readContract({}, "-")].map((r) => ("problems" in r ? r.problems : []))) {
                assert.ok(problems.every((p) => !/Invalid input|expected \w+, received/.test(p)), problems.join("\n"));
            }
        });

        it("contractMajor reads major.minor only", () => {
            assert.deepEqual(["1.0", "1.12", "2.0", "1", "1.0.0", 1, undefined].map(contractMajor), [1, 1, 2, undefined, undefined, undefined, undefined]);
            assert.equal(contractMajor(CONTRACT_SCHEMA_VERSION), 1);
        });
    });
});
