/**
 * One map for an organisation (issue #21, "Done when"): examples/organisation/Pulumi.org.yaml has
 * three AWS accounts, the pool's GCP project plus two workload projects with resource-level
 * bindings, a Vault namespace and four secrets engines besides KV. It validates, plans, explains,
 * diffs and generates CI with the real binary; the generated CI runs through gitlab-ci-local in
 * each pipeline context exactly where the targets accept the context's token; and the program,
 * started as Pulumi's language host starts it, registers exactly the plan, each account's and each
 * project's resources through that account's or project's own provider.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { checkMap, planEntries } from "../../src/features";
import { generateCi } from "../../src/features/ci";
import { contractOf } from "../../src/features/contract";
import { Explainer } from "../../src/features/explain";
import { cli, directoryWith } from "../helpers/cli";
import { ciRepository, pipelineJobs } from "../helpers/gitlab-ci-local";
import { hostConfig, projectFolder, runAsLanguageHost } from "../helpers/language-host";
import { assertRegistersExactly } from "../helpers/registered";
import { stackFileMap } from "../helpers/maps";
import { gitlabToken } from "../helpers/tokens";

const PATH = "examples/organisation/Pulumi.org.yaml";
const FILE = readFileSync(PATH, "utf8");
const ORG = stackFileMap(PATH);
/** The stack's provider settings, as the file sets them: an account's provider takes the stack's aws:region. */
const PROVIDER_CONFIG = { "aws:region": "eu-west-1", "gcp:project": "acme-ci" };
const PLAN = checkMap(ORG, { providerConfig: PROVIDER_CONFIG }).plan!;
const ORG_CLI = ["-C", "examples/organisation", "--stack", "org"];

/** A pipeline context: the CI/CD variables GitLab sets, and the token's project, ref and protection. */
interface Context {
    readonly name: string;
    readonly variables: Record<string, string>;
    readonly token: { projectPath: string; projectId: string; ref: string; refType: "branch" | "tag"; protected: boolean };
    /** Whether GitLab protects the environment a job of this context deploys to (environment_protected). */
    readonly environmentProtected: boolean;
}

function contexts(path: string, id: string): Context[] {
    const push = (ref: string, protectedRef: boolean, tag = false) => ({
        CI_PROJECT_ID: id,
        CI_PIPELINE_SOURCE: "push",
        CI_COMMIT_REF_NAME: ref,
        CI_COMMIT_REF_SLUG: ref.replace(/[^a-z0-9]/g, "-"),
        CI_COMMIT_REF_PROTECTED: String(protectedRef),
        ...(tag ? { CI_COMMIT_TAG: ref } : { CI_COMMIT_BRANCH: ref }),
    });
    const own = { projectPath: path, projectId: id };
    const mr = (source: string) => ({ ...push("feature-x", false), CI_PIPELINE_SOURCE: "merge_request_event", CI_MERGE_REQUEST_SOURCE_PROJECT_ID: source });
    return [
        { name: "protected main", variables: push("main", true), token: { ...own, ref: "main", refType: "branch", protected: true }, environmentProtected: true },
        { name: "feature branch", variables: push("feature-x", false), token: { ...own, ref: "feature-x", refType: "branch", protected: false }, environmentProtected: false },
        { name: "protected tag", variables: push("v1.2.0", true, true), token: { ...own, ref: "v1.2.0", refType: "tag", protected: true }, environmentProtected: true },
        { name: "merge request", variables: mr(id), token: { ...own, ref: "feature-x", refType: "branch", protected: false }, environmentProtected: false },
        // A fork's MR pipeline run in the project: the token names the fork's project.
        { name: "fork merge request", variables: mr("4242"), token: { projectPath: "someone/fork", projectId: "4242", ref: "feature-x", refType: "branch", protected: false }, environmentProtected: false },
        { name: "another project", variables: { ...push("main", true), CI_PROJECT_ID: "99" }, token: { projectPath: "platform/other", projectId: "99", ref: "main", refType: "branch", protected: true }, environmentProtected: true },
    ];
}

describe("one map for an organisation (examples/organisation)", function () {
    this.timeout(120000);

    it("validates with the real binary", () => {
        const run = cli([...ORG_CLI, "validate"]);
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.stdout.trim(), `${PATH}: valid: 2 projects, 4 grants, 7 warnings (3 acknowledged with a reason, not printed: --verbose prints them)`);
    });

    it("plans three AWS accounts, two GCP workload projects with resource-level bindings, a Vault namespace and four secrets engines", () => {
        const run = cli([...ORG_CLI, "plan", "--json"]);
        assert.equal(run.status, 0, run.stderr);
        assert.deepEqual(JSON.parse(run.stdout), JSON.parse(JSON.stringify(PLAN)));
        const entries = planEntries(PLAN);
        const named = (type: string) => entries.filter((e) => e.resource.type === type).map((e) => e.resource.name);
        assert.deepEqual(named("pulumi:providers:aws"), ["prod", "sandbox"]);
        // The accounts' providers take the stack's aws:region (an explicit provider does not read it itself).
        assert.deepEqual(entries.filter((e) => e.resource.type === "pulumi:providers:aws").map((e) => (e as unknown as { region?: string }).region), ["eu-west-1", "eu-west-1"]);
        assert.deepEqual(named("aws:iam/openIdConnectProvider:OpenIdConnectProvider").sort(), ["gitlab", "prod:gitlab", "sandbox:gitlab"]);
        assert.deepEqual(named("aws:iam/role:Role").sort(), ["42/release", "prod:42/deploy", "sandbox:57/deploy"]);
        assert.deepEqual(named("pulumi:providers:gcp"), ["projects/app-prod", "projects/app-staging"]);
        assert.deepEqual(
            entries.filter((e) => e.resource.type.startsWith("vault:")).map((e) => (e as { namespace?: string }).namespace),
            entries.filter((e) => e.resource.type.startsWith("vault:")).map(() => "admin/platform"),
        );
        const policy = (name: string) => (entries.find((e) => e.resource.type === "vault:index/policy:Policy" && e.resource.name === name) as unknown as { policy: string }).policy;
        const stanzas = (hcl: string) => [...hcl.matchAll(/path "([^"]+)" \{\n {2}capabilities = \[([^\]]*)\]/g)].map((m) => `${m[1]} ${m[2]}`);
        assert.deepEqual(stanzas(policy("42/deploy")), [
            'secret/data/platform/api/production "read"',
            'secret/data/platform/api/production/* "read"',
            'secret/metadata/platform/api/production/* "list"',
            'aws/sts/api-deploy "read"',
            'database/creds/api-prod "read"',
        ]);
        assert.deepEqual(stanzas(policy("42/release")), ['pki-int/issue/api-release "update"']);
        assert.deepEqual(stanzas(policy("57/deploy")), ['transit/decrypt/web-session "update"', 'transit/encrypt/web-session "update"']);
        const bindings = entries.filter((e) => /IamMember|IAMMember/.test(e.resource.type) && !e.resource.type.startsWith("gcp:serviceaccount/"));
        assert.deepEqual(bindings.map((e) => [e.resource.type, (e as unknown as { projectKey?: string }).projectKey, (e as unknown as { role: string }).role]).sort(), [
            ["gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", "app-prod", "roles/artifactregistry.writer"],
            ["gcp:cloudrunv2/serviceIamMember:ServiceIamMember", "app-prod", "roles/run.developer"],
            ["gcp:projects/iAMMember:IAMMember", "app-staging", "roles/run.viewer"],
            ["gcp:secretmanager/secretIamMember:SecretIamMember", "app-prod", "roles/secretmanager.secretAccessor"],
            // access: direct: one binding per principalSet of the grant (protected and unprotected refs), no service account.
            ["gcp:storage/bucketIAMMember:BucketIAMMember", "app-staging", "roles/storage.objectViewer"],
            ["gcp:storage/bucketIAMMember:BucketIAMMember", "app-staging", "roles/storage.objectViewer"],
        ]);
    });

    it("explains a review-app job of a feature branch: Vault and GCP's direct binding admit it, AWS and the protected grants do not", () => {
        const run = cli([...ORG_CLI, "explain", "--project", "platform/api", "--ref", "feature-x", "--environment", "review/feature-x", "--json"]);
        assert.equal(run.status, 0, run.stderr);
        const targets = JSON.parse(run.stdout).targets as Record<string, { accepted: { project: string; grant: string }[]; rejected: { grant: string }[] }>;
        assert.deepEqual(
            Object.fromEntries(Object.entries(targets).map(([key, t]) => [key, [t.accepted.map((a) => a.grant), t.rejected.map((r) => r.grant).sort()]])),
            {
                vault: [["review"], ["deploy", "release"]],
                aws: [[], ["deploy", "release"]],
                gcp: [["review"], ["deploy"]],
            },
        );
    });

    it("diffs a grant moved to another AWS account and a binding moved to another GCP project: replacements through the other provider", () => {
        const moved = FILE.replace("            account: sandbox\n", "            account: prod\n").replace("secret: { project: app-prod, secret: web-config }", "secret: { project: app-staging, secret: web-config }");
        const directory = directoryWith({ "Pulumi.org.yaml": moved, "base.yaml": FILE });
        const run = cli(["-C", directory, "diff", "--base", "base.yaml", "--stack", "org"]);
        assert.equal(run.status, 5, run.stderr);
        const resources = run.stdout.slice(run.stdout.indexOf("Resources:\n"));
        assert.equal(
            resources.trim(),
            [
                "Resources:",
                "  create Role prod:57/deploy",
                "  create RolePolicyAttachment prod:57/deploy/AmazonS3ReadOnlyAccess-87437452",
                "  create SecretIamMember 57/deploy/secret/app-staging/web-config/roles/secretmanager.secretAccessor",
                "  delete Role sandbox:57/deploy",
                "  delete RolePolicyAttachment sandbox:57/deploy/AmazonS3ReadOnlyAccess-87437452",
                "  delete SecretIamMember 57/deploy/secret/app-prod/web-config/roles/secretmanager.secretAccessor",
            ].join("\n"),
        );
        assert.ok(run.stdout.includes('aws.account: "sandbox" -> "prod": the grant\'s role moves to another account, a replacement: pulumi up creates it in "prod" through that account\'s provider and deletes the one in "sandbox"'), run.stdout);
        assert.ok(run.stdout.includes('moves from project "app-prod" to "app-staging", a replacement: pulumi up creates it through app-staging\'s provider and deletes it through app-prod\'s'), run.stdout);
    });

    for (const [path, id] of [
        ["platform/api", "42"],
        ["platform/web", "57"],
    ] as const) {
        it(`generated CI of ${path}, run through gitlab-ci-local: each job is in the pipeline exactly where its grant's token is accepted`, () => {
            const result = generateCi(contractOf(PLAN), { project: path, format: "yaml", source: PATH });
            assert.ok("files" in result, JSON.stringify(result));
            const grants = PLAN.grants.filter((g) => g.project === path);
            const jobs = grants.map((g) => `${g.grant}:\n  stage: deploy\n  extends: .gitlab-federation:${g.grant}\n  script: ["true"]\n`).join("");
            const repository = ciRepository({ "gitlab-federation.yml": result.files[0]!.text, ".gitlab-ci.yml": `include:\n  - local: gitlab-federation.yml\nstages: [deploy]\n${jobs}` });
            const explainer = new Explainer(PLAN);
            const seen: Record<string, string[]> = {};
            for (const context of contexts(path, id)) {
                const listed = pipelineJobs(repository, context.variables);
                const running = grants.filter((g) => listed[g.grant] !== "never").map((g) => g.grant);
                const accepted = grants
                    .filter((g) => {
                        // The token of this grant's job: its environment as GitLab expands the job's environment name.
                        const environment = g.conditions.environment?.replace("*", context.variables.CI_COMMIT_REF_SLUG!);
                        const claims: Record<string, unknown> = { ...gitlabToken({ ...context.token, aud: "https://vault.acme.example", ...(environment !== undefined ? { environment } : {}) }), iss: "https://gitlab.acme.example" };
                        if (environment !== undefined) {
                            claims.environment_protected = String(context.environmentProtected && !environment.startsWith("review/"));
                        }
                        const result = explainer.explain(claims, { now: (claims.iat as number) + 10, verified: true });
                        return result.targets.vault!.accepted.some((a) => a.project === path && a.grant === g.grant);
                    })
                    .map((g) => g.grant);
                assert.deepEqual(running, accepted, `${path}, ${context.name}`);
                seen[context.name] = running;
            }
            assert.deepEqual(
                seen,
                path === "platform/api"
                    ? {
                          "protected main": ["deploy", "review"],
                          "feature branch": ["review"],
                          "protected tag": ["release"],
                          "merge request": ["review"],
                          "fork merge request": [],
                          "another project": [],
                      }
                    : { "protected main": ["deploy"], "feature branch": [], "protected tag": [], "merge request": [], "fork merge request": [], "another project": [] },
            );
        });
    }

    it("the program, started as the language host starts it, registers exactly the plan, each account's and project's resources through its own provider", async () => {
        const root = projectFolder({ "Pulumi.org.yaml": FILE });
        const run = await runAsLanguageHost({ root, stack: "org", config: hostConfig(ORG, PROVIDER_CONFIG) });
        assert.deepEqual(run.logs.filter((l) => l.severity === "error"), [], run.stderr);
        assert.equal(run.status, 0, run.stderr);
        assertRegistersExactly(PLAN, run.resources, "org");
        const providerOf = (r: { provider: string }) => (r.provider === "" ? "(stack)" : r.provider.slice(0, r.provider.lastIndexOf("::")).split("::").pop());
        const through = (pattern: RegExp) =>
            run.resources
                .filter((r) => r.custom && pattern.test(r.type))
                .map((r) => `${r.name} ${providerOf(r)}`)
                .sort();
        assert.deepEqual(through(/^aws:iam\/(role|openIdConnectProvider|rolePolicyAttachment):/), [
            "42/release (stack)",
            "42/release/AmazonS3ReadOnlyAccess-87437452 (stack)",
            "gitlab (stack)",
            "prod:42/deploy prod",
            "prod:42/deploy/ReadOnlyAccess-2a3bda39 prod",
            "prod:gitlab prod",
            "sandbox:57/deploy sandbox",
            "sandbox:57/deploy/AmazonS3ReadOnlyAccess-87437452 sandbox",
            "sandbox:gitlab sandbox",
        ]);
        assert.deepEqual(through(/^gcp:(projects|storage|artifactregistry|cloudrunv2|secretmanager)\//), [
            "42/deploy/artifactRegistry/app-prod/europe/containers/roles/artifactregistry.writer projects/app-prod",
            "42/deploy/cloudRun/app-prod/europe-west1/api/roles/run.developer projects/app-prod",
            "42/review/bucket/app-staging/acme-api-review/roles/storage.objectViewer/wif-996912db projects/app-staging",
            "42/review/bucket/app-staging/acme-api-review/roles/storage.objectViewer/wif-f2089b99 projects/app-staging",
            "57/deploy/project/app-staging/roles/run.viewer projects/app-staging",
            "57/deploy/secret/app-prod/web-config/roles/secretmanager.secretAccessor projects/app-prod",
        ]);
        // The pool, its provider and the service accounts stay in gcp.project, through the stack's provider.
        assert.deepEqual(through(/^gcp:(iam|serviceaccount)\//).map((line) => line.split(" ")[1]), Array(6).fill("(stack)"));
    });
});
