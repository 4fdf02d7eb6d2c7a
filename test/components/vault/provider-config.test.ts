/**
 * Vault provider settings in the stack config of a map with a deployer: the generated pipeline
 * configures the provider through the environment (VAULT_ADDR, VAULT_TOKEN,
 * TERRAFORM_VAULT_SKIP_CHILD_TOKEN), and terraform-provider-vault reads each only while the
 * provider's own setting is unset, so such a setting is refused, at its line, by both readers
 * (the program's side: test/pulumi/program.test.ts).
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { checkMap } from "../../../src/features/check";
import { cli, directoryWith } from "../../helpers/cli";
import { clone, devMap } from "../../helpers/maps";

type Json = Record<string, any>;
const DEV = devMap() as Json;
const DEV_TEXT = readFileSync("Pulumi.dev.yaml", "utf8");

const ADDRESS =
    "vault:address: \"http://127.0.0.1:8200\" overrides the VAULT_ADDR that the pipeline's jobs set (the Vault provider reads VAULT_ADDR only while vault:address is unset), so pulumi preview and up would call this address instead of the jobs' VAULT_SERVER_URL: remove it: the pipeline's jobs set VAULT_ADDR; for a local run export VAULT_ADDR";

function problemsWith(raw: Json, providerConfig: Record<string, unknown>): string[] {
    return checkMap(raw, { providerConfig }).problems.map((p) => `${p.path}: ${p.message}`);
}

/** The dev map without its vault section and the grants' vault fields. */
function withoutVault(): Json {
    const raw = clone(DEV);
    delete raw.vault;
    delete raw.deployer.vault.acknowledgePolicies;
    delete raw.projects["platform/api"].grants.review; // it reads Vault only
    for (const project of Object.values(raw.projects as Json)) {
        for (const grant of Object.values((project as Json).grants as Json)) delete (grant as Json).vault;
    }
    return raw;
}

describe("Vault provider settings with a deployer", () => {
    it("address, token, namespace, skipChildToken and auth logins are refused, each with its fix; a credential is never shown", () => {
        const config = {
            "vault:address": "http://127.0.0.1:8200",
            "vault:token": "hvs.not-to-be-printed",
            "vault:namespace": "team-a",
            "vault:skipChildToken": "false",
            "vault:authLoginJwt": '{"role":"ci","jwt":"eyJ.not-to-be-printed"}',
            "vault:skipTlsVerify": "false",
            "vault:maxRetries": "3",
            "aws:region": "eu-west-1",
        };
        const found = problemsWith(DEV, config);
        assert.deepEqual(found, [
            ADDRESS,
            "vault:authLoginJwt: overrides the VAULT_TOKEN that the pipeline's jobs set (the Vault provider reads VAULT_TOKEN only while vault:authLoginJwt is unset), so pulumi would log in with these credentials instead of as the planner or applier: remove it: the pipeline's jobs set VAULT_TOKEN; for a local run export VAULT_TOKEN",
            'vault:namespace: "team-a" sends every call of the Vault provider to this namespace (it reads VAULT_NAMESPACE only while vault:namespace is unset), but the pipeline\'s jobs log in to the deployer\'s role in vault.namespace (here unset: the root namespace) and keep the provider at the root namespace: remove it; to manage a namespace, set gitlab-federation:vault.namespace',
            "vault:skipChildToken: \"false\" overrides the TERRAFORM_VAULT_SKIP_CHILD_TOKEN that the pipeline's jobs set (the Vault provider reads TERRAFORM_VAULT_SKIP_CHILD_TOKEN only while vault:skipChildToken is unset), so a false value makes the provider create a child token, which the deployer's batch tokens cannot: remove it: the pipeline's jobs set TERRAFORM_VAULT_SKIP_CHILD_TOKEN; for a local run export TERRAFORM_VAULT_SKIP_CHILD_TOKEN",
            "vault:token: overrides the VAULT_TOKEN that the pipeline's jobs set (the Vault provider reads VAULT_TOKEN only while vault:token is unset), so pulumi would run with this token instead of the planner's or applier's (revoke it if it was ever committed): remove it: the pipeline's jobs set VAULT_TOKEN; for a local run export VAULT_TOKEN",
        ]);
        assert.ok(!found.join("\n").includes("not-to-be-printed"));
        assert.equal(checkMap(DEV, { providerConfig: config }).plan, undefined, "a problem: nothing is planned");
    });

    it("without a deployer (no pipeline) or without a vault section, Vault's settings are the user's", () => {
        const noDeployer = clone(DEV);
        delete noDeployer.deployer;
        assert.deepEqual(problemsWith(noDeployer, { "vault:address": "http://127.0.0.1:8200", "vault:token": "root" }), []);
        assert.deepEqual(problemsWith(withoutVault(), { "vault:address": "http://127.0.0.1:8200" }), []);
        assert.deepEqual(problemsWith(DEV, {}), []);
    });

    it("vault:namespace with vault.namespace: refused, deployer or not (the provider nests a resource's namespace under its own); either alone is the user's", () => {
        const raw = clone(DEV);
        delete raw.deployer;
        raw.vault.namespace = "admin/team-a";
        const nested =
            'vault:namespace: "admin" puts every resource below it: with vault.namespace "admin/team-a" they would land in "admin/admin/team-a" (the provider nests a resource\'s namespace under its own): remove vault:namespace and keep the provider at the root namespace; vault.namespace is written from the root';
        assert.deepEqual(problemsWith(raw, { "vault:namespace": "admin" }).filter((p) => p.startsWith("vault:")), [nested]);
        delete raw.vault.namespace;
        assert.deepEqual(problemsWith(raw, { "vault:namespace": "admin" }).filter((p) => p.startsWith("vault:")), []);
    });

    it("vault:setNamespaceFromToken with a deployer in vault.namespace: any value but false refused (the pipeline sets VAULT_SET_NAMESPACE_FROM_TOKEN=false); without a namespace it is the user's", () => {
        const raw = clone(DEV);
        raw.vault.namespace = "admin/team-a";
        raw.vault.audit = [];
        raw.vault.auditManagedElsewhere = "HCP streams the audit log";
        const refused = (value: string) =>
            `vault:setNamespaceFromToken: ${JSON.stringify(value)} overrides the VAULT_SET_NAMESPACE_FROM_TOKEN that the pipeline's jobs set (the Vault provider reads VAULT_SET_NAMESPACE_FROM_TOKEN only while vault:setNamespaceFromToken is unset), so a value other than false makes the provider take the namespace of the planner's or applier's token (vault.namespace) as its own and put every resource below it, in <namespace>/<namespace>: remove it: the pipeline's jobs set VAULT_SET_NAMESPACE_FROM_TOKEN; for a local run export VAULT_SET_NAMESPACE_FROM_TOKEN`;
        assert.deepEqual(problemsWith(raw, { "vault:setNamespaceFromToken": "true" }), [refused("true")]);
        assert.deepEqual(problemsWith(raw, { "vault:setNamespaceFromToken": "TRUE" }), [refused("TRUE")]);
        assert.deepEqual(problemsWith(raw, { "vault:setNamespaceFromToken": "false" }), []);
        assert.deepEqual(problemsWith(DEV, { "vault:setNamespaceFromToken": "true" }), []);
    });

    it("validate: the problem at the line and column of the key in the stack file", () => {
        const text = DEV_TEXT.replace("config:\n", "config:\n  vault:address: http://127.0.0.1:8200\n");
        const line = text.split("\n").indexOf("  vault:address: http://127.0.0.1:8200") + 1;
        const run = cli(["validate", "--config", "Pulumi.dev.yaml"], { cwd: directoryWith({ "Pulumi.dev.yaml": text }) });
        assert.equal(run.status, 1);
        assert.equal(run.stderr, `Pulumi.dev.yaml: the gitlab-federation project map has 1 problem:\nPulumi.dev.yaml:${line}:3: ${ADDRESS}\n`);
        const json = JSON.parse(cli(["validate", "--config", "-", "--json"], { input: text }).stdout) as { problems: unknown[] };
        assert.deepEqual(json.problems, [{ path: "vault:address", line, column: 3, message: ADDRESS.slice("vault:address: ".length) }]);
    });

    it("a shard stack's own setting is checked against the map it runs (the foundation's deployer), at its line", () => {
        const foundation = DEV_TEXT.replace("  gitlab-federation:projects:", "  gitlab-federation:sharding:\n    shards: 2\n  gitlab-federation:projects:");
        const shard = "config:\n  aws:region: eu-west-1\n  vault:address: http://127.0.0.1:8200\n  gitlab-federation:shard:\n    of: dev\n    index: 1\n";
        const directory = directoryWith({ "Pulumi.dev.yaml": foundation, "Pulumi.dev-shard-1.yaml": shard });
        assert.equal(cli(["validate", "--stack", "dev"], { cwd: directory }).status, 0, "the foundation's own file has none");
        const run = cli(["validate", "--stack", "dev-shard-1"], { cwd: directory });
        assert.equal(run.status, 1);
        assert.equal(run.stderr, `Pulumi.dev-shard-1.yaml: the gitlab-federation project map has 1 problem:\nPulumi.dev-shard-1.yaml:3:3: ${ADDRESS}\n`);
    });
});
