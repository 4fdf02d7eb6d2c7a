/**
 * A map with grants on every target, Azure among them, through the real CLI: it validates, plans
 * (the Azure block and plan --json), explains (Entra's answer next to the others'), diffs (Azure
 * access gained, a role added, widened) and generates CI (offline: Azure says why it cannot; from
 * a deployed stack's contract: the Azure job exactly).
 */
import { strict as assert } from "node:assert";
import { CORE_SCHEMA, dump, load } from "js-yaml";
import { contractOf } from "../../../src/features/contract";
import { planMap } from "../../../src/features";
import { cli, directoryWith } from "../../helpers/cli";
import { AWS, GCP, GITLAB, VAULT } from "../../helpers/maps";
import { SUBSCRIPTION, TENANT } from "./fixtures";

type Raw = Record<string, any>;

const ACR = `/subscriptions/${SUBSCRIPTION}/resourceGroups/app/providers/Microsoft.ContainerRegistry/registries/acme`;
const AZURE = { tenantId: TENANT, subscriptionId: SUBSCRIPTION, resourceGroup: { name: "gitlab-ci-identities", location: "westeurope" } };
const IDENTITY = `/subscriptions/${SUBSCRIPTION}/resourceGroups/gitlab-ci-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/gitlab-platform-api--deploy`;
const CLIENT_ID = "2c7d6d9e-5b1a-4f3e-9c8d-7a6b5c4d3e2f";

/** The map: one grant on Vault, AWS, GCP and Azure; `roles` are its Azure roles. */
function raw(roles: readonly Raw[] = [{ role: "AcrPush", scope: { resource: ACR } }]): Raw {
    return {
        gitlab: GITLAB,
        vault: VAULT,
        aws: AWS,
        gcp: GCP,
        azure: AZURE,
        projects: {
            "platform/api": {
                id: 42,
                grants: {
                    deploy: {
                        ref: "main",
                        environment: "production",
                        vault: { read: ["platform/api/production"] },
                        aws: { managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"], acknowledge: { environment: "a read-only role" } },
                        gcp: { roles: ["roles/run.developer"] },
                        azure: { roles, acknowledge: { environment: "pushes images only" } },
                    },
                },
            },
        },
    };
}

/** A stack file holding a map. */
function stackFile(map: Raw): string {
    return dump({ config: Object.fromEntries(Object.entries(map).map(([key, value]) => [`gitlab-federation:${key}`, value])) });
}

const MAP = raw();
const DIR = directoryWith({ "Pulumi.all.yaml": stackFile(MAP), "base.yaml": stackFile({ ...MAP, projects: { "platform/api": { ...MAP.projects["platform/api"], grants: { deploy: { ...MAP.projects["platform/api"].grants.deploy, azure: undefined } } } } }), "wider.yaml": stackFile(raw([{ role: "AcrPush", scope: { resource: ACR } }, { role: "Reader", scope: "subscription" }])) });

describe("Azure with every other target, through the CLI", () => {
    it("validates and plans: the Azure block, and the grant's Azure summary in plan --json", () => {
        assert.equal(cli(["validate", "-s", "all"], { cwd: DIR }).status, 0);
        const text = cli(["plan", "-s", "all"], { cwd: DIR, env: { COLUMNS: "400" } }).stdout.split("\n");
        assert.equal(text[0], "gitlab-federation plan for https://gitlab.example.com: 1 project, 1 grant (grants per target: Vault 1, AWS 1, GCP 1, Akeyless 0, Azure 1)");
        const heading = text.indexOf(`Azure: tenant ${TENANT}, subscription ${SUBSCRIPTION}, audience api://AzureADTokenExchange`);
        assert.ok(heading > 0, text.join("\n"));
        assert.deepEqual(text[heading + 2]!.split(/\s{2,}/).filter((c) => c !== ""), [
            "platform/api",
            "deploy",
            "gitlab-platform-api--deploy",
            "project_path:platform/api:ref_type:branch:ref:main",
            `AcrPush on ${ACR}`,
            "projectId, protected, environment",
        ]);
        const plan = JSON.parse(cli(["plan", "-s", "all", "--json"], { cwd: DIR }).stdout) as Raw;
        assert.deepEqual(plan.grants[0].azure, {
            identityName: "gitlab-platform-api--deploy",
            identityId: IDENTITY,
            tenantId: TENANT,
            subscriptionId: SUBSCRIPTION,
            audience: "api://AzureADTokenExchange",
            subjects: ["project_path:platform/api:ref_type:branch:ref:main"],
            roles: [{ role: "AcrPush", scope: ACR }],
            enforcement: { enforced: ["audience", "projectPath", "ref", "refType"], notEnforced: ["projectId", "protected", "environment"] },
        });
        assert.deepEqual(
            [...plan.warnings.map((w: Raw) => `${w.path}: ${w.message}`)].filter((w: string) => w.includes("azure")),
            [
                "gitlab-federation:azure: Azure binds projects by path (in sub), not by id: platform/api. After a rename or transfer their identities stop matching, and a new project created at an old path would match them: update the map and run pulumi up when a project moves",
                "gitlab-federation:azure: Azure cannot check ref_protected, so these grants, which require a protected ref, admit any pipeline on the same ref name, protected or not: platform/api deploy. They rely on GitLab: a protection rule covering each ref, never removed, and no unprotected branch or tag of that name pushed first",
                'gitlab-federation:projects["platform/api"].grants.deploy.azure.acknowledge.environment: Azure does not check the environment: "pushes images only"',
            ],
        );
    });

    it("explains: Entra admits the job on main (any environment), refuses another branch with AADSTS70021", () => {
        const json = (args: readonly string[]) => JSON.parse(cli(["explain", "-s", "all", "--project", "platform/api", "--target", "azure", "--json", ...args], { cwd: DIR }).stdout) as Raw;
        const main = json(["--ref", "main", "--environment", "staging"]);
        assert.deepEqual(main.targets.azure.accepted, [{ project: "platform/api", grant: "deploy", gives: [`AcrPush on ${ACR}`], reasons: [] }]);
        const feature = json(["--ref", "feature"]);
        assert.deepEqual(feature.targets.azure.rejected, [
            {
                project: "platform/api",
                grant: "deploy",
                gives: [`AcrPush on ${ACR}`],
                reasons: [
                    'AADSTS70021: No matching federated identity record found for presented assertion: no federated credential of gitlab-platform-api--deploy has issuer "https://gitlab.example.com" and subject "project_path:platform/api:ref_type:branch:ref:feature"',
                ],
            },
        ]);
    });

    it("diffs: Azure access gained, then a role added is wider", () => {
        const gained = JSON.parse(cli(["diff", "--base", "base.yaml", "-s", "all", "--format", "json"], { cwd: DIR }).stdout) as Raw;
        assert.equal(gained.verdict, "widened");
        assert.deepEqual(gained.access, [
            {
                project: "platform/api",
                projectId: "42",
                grant: "deploy",
                target: "azure",
                change: "gained",
                details: ["branch main, protected, environment production", `role: AcrPush on ${ACR}`, 'loosening acknowledge.environment: Azure does not check the environment: "pushes images only"'],
            },
        ]);
        const wider = JSON.parse(cli(["diff", "--base", "Pulumi.all.yaml", "--config", "wider.yaml", "--format", "json"], { cwd: DIR }).stdout) as Raw;
        assert.equal(wider.verdict, "widened");
        assert.deepEqual(
            wider.access.map((a: Raw) => [a.target, a.change, a.details]),
            [["azure", "widened", [`role added: Reader on /subscriptions/${SUBSCRIPTION}`]]],
        );
    });

    it("generates CI: offline, Azure says why it cannot; from the deployed contract, the Azure job exactly", () => {
        const offline = cli(["ci", "-s", "all", "--project", "platform/api"], { cwd: DIR });
        assert.notEqual(offline.status, 0);
        assert.ok(offline.stderr.includes("the managed identity's client ID exists only once pulumi up has created it"), offline.stderr);
        const contract = contractOf(planMap(MAP)) as Raw;
        contract.grants["platform/api"].deploy.azure.clientId = CLIENT_ID;
        const run = cli(["ci", "--contract", "-", "--project", "platform/api"], { input: JSON.stringify(contract) });
        assert.equal(run.status, 0, run.stderr);
        const job = (load(run.stdout, { schema: CORE_SCHEMA }) as Raw)[".gitlab-federation:deploy"];
        assert.deepEqual(job.id_tokens.AZURE_ID_TOKEN, { aud: "api://AzureADTokenExchange" });
        assert.deepEqual(
            Object.fromEntries(Object.entries(job.variables as Raw).filter(([k]) => k.startsWith("AZURE_"))),
            { AZURE_CLIENT_ID: CLIENT_ID, AZURE_TENANT_ID: TENANT, AZURE_SUBSCRIPTION_ID: SUBSCRIPTION },
        );
        assert.ok((job.before_script as string[]).some((s) => s.includes('az login --service-principal -u "$AZURE_CLIENT_ID"')));
    });
});
