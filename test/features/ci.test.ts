/**
 * gitlab-federation ci: the generated jobs exactly, against GitLab's CI schema, against the plan,
 * rules against what Vault accepts, the setup scripts run in a real shell, components, and the
 * binary (from a map and from a published contract).
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import fc from "fast-check";
import { CORE_SCHEMA, YAML11_SCHEMA, loadAll } from "js-yaml";
import type { Contract } from "../../src/contract/contract";
import { planMap } from "../../src/features";
import { CiFile, generateCi, refRegex, rulesFor } from "../../src/features/ci";
import { contractOf } from "../../src/features/contract";
import { Explainer } from "../../src/features/explain";
import { mapArb } from "../helpers/arbitraries";
import { cli, directoryWith } from "../helpers/cli";
import { jobRuns } from "../helpers/gitlab-rules";
import { clone, devMap, map } from "../helpers/maps";
import { temporaryDirectory } from "../helpers/temp";
import { gitlabToken } from "../helpers/tokens";
import { programContract } from "../contract/contract.test";

type Json = Record<string, any>;
const DEV = devMap() as Json;
const DEV_TEXT = readFileSync("Pulumi.dev.yaml", "utf8");
const ciSchema = JSON.parse(readFileSync(join("..", "shared", "schemas", "gitlab-ci.json"), "utf8")) as object;
// GitLab's schema is draft-07 with non-standard keywords (markdownDescription): strict off, as its README says.
const validateCi = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(ciSchema);

function files(raw: Json, project: string, format: "yaml" | "component" = "yaml", grants?: string[]): readonly CiFile[] {
    const result = generateCi(contractOf(planMap(raw)), { project, format, source: "Pulumi.dev.yaml", ...(grants !== undefined ? { grants } : {}) });
    assert.ok("files" in result, JSON.stringify(result));
    return result.files;
}

const documents = (text: string, schema = CORE_SCHEMA) => loadAll(text, { schema }) as Json[];

/** A real job extending `template`, as GitLab resolves extends: hashes merged deeply, everything else replaced. */
function extend(template: Json, job: Json): Json {
    const merge = (a: unknown, b: unknown): unknown =>
        typeof a === "object" && a !== null && !Array.isArray(a) && typeof b === "object" && b !== null && !Array.isArray(b)
            ? Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, k in (b as Json) ? merge((a as Json)[k], (b as Json)[k]) : (a as Json)[k]]))
            : b;
    return merge(template, job) as Json;
}

/** The commented `secrets:` example of a job, uncommented and read. */
function secretsExample(text: string, job: string): Json {
    const lines = text.split("\n");
    const start = lines.indexOf(`${job}:`);
    const from = lines.findIndex((l, i) => i > start && l === "  # secrets:");
    const to = lines.findIndex((l, i) => i > from && l.startsWith("  #     file: false"));
    assert.ok(start >= 0 && from > start && to > from, `${job} has a secrets: example`);
    return documents(lines.slice(from, to + 1).map((l) => l.slice(4)).join("\n"))[0]!.secrets;
}

describe("gitlab-federation ci", () => {
    it("writes a grant's hidden job exactly: tokens per target, variables, environment, rules, setup", () => {
        const [file] = files(DEV, "platform/web");
        const [jobs] = documents(file!.text);
        assert.deepEqual(Object.keys(jobs!), [".gitlab-federation:deploy"]);
        const job = jobs![".gitlab-federation:deploy"];
        const provider = "projects/123456789012/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com";
        assert.deepEqual(
            { ...job, before_script: job.before_script.map((s: string) => s.split("\n")[0]) },
            {
                id_tokens: { VAULT_ID_TOKEN: { aud: "https://vault.example.com" }, GCP_ID_TOKEN: { aud: `https://iam.googleapis.com/${provider}` } },
                variables: {
                    VAULT_SERVER_URL: "https://vault.example.com",
                    VAULT_AUTH_PATH: "gitlab",
                    VAULT_AUTH_ROLE: "platform-web--deploy",
                    GCP_WORKLOAD_IDENTITY_PROVIDER: `//iam.googleapis.com/${provider}`,
                    GCP_SERVICE_ACCOUNT: "gl-platform-web--deploy@acme-ci.iam.gserviceaccount.com",
                },
                environment: { name: "production" },
                rules: [
                    { if: '$CI_PROJECT_ID != "57"', when: "never" },
                    { if: '$CI_MERGE_REQUEST_SOURCE_PROJECT_ID && $CI_MERGE_REQUEST_SOURCE_PROJECT_ID != "57"', when: "never" },
                    { if: '$CI_COMMIT_TAG == null && $CI_COMMIT_REF_NAME == "main" && $CI_COMMIT_REF_PROTECTED == "true"' },
                    { if: '$CI_COMMIT_TAG == null && $CI_COMMIT_REF_NAME =~ /^release\\/.*$/ && $CI_COMMIT_REF_PROTECTED == "true"' },
                ],
                before_script: ["# GCP: a credential configuration that exchanges the token and impersonates $GCP_SERVICE_ACCOUNT"],
                after_script: ['rm -f "${TMPDIR:-/tmp}"/gitlab-federation-"$CI_JOB_ID".*'],
            },
        );
        assert.deepEqual(secretsExample(file!.text, ".gitlab-federation:deploy"), {
            SECRET_VALUE: { vault: { engine: { name: "kv-v2", path: "secret" }, path: "platform/web/production", field: "password" }, token: "$VAULT_ID_TOKEN", file: false },
        });
        assert.match(file!.text, /^# Generated by gitlab-federation ci from Pulumi\.dev\.yaml for platform\/web \(project 57\)/);
    });

    it("rules: a tag grant tests CI_COMMIT_TAG; an unprotected grant leaves protection out; patterns become anchored regexes", () => {
        assert.deepEqual(rulesFor("42", { ref: ["v*"], refType: "tag", protected: true }).slice(2), [{ if: '$CI_COMMIT_TAG =~ /^v.*$/ && $CI_COMMIT_REF_PROTECTED == "true"' }]);
        assert.deepEqual(rulesFor("42", { ref: ["*"], refType: "branch", protected: false }).slice(2), [{ if: "$CI_COMMIT_TAG == null && $CI_COMMIT_REF_NAME =~ /^.*$/" }]);
        assert.equal(refRegex("release/v1.*-rc"), "/^release\\/v1\\..*-rc$/");
        const re = new RegExp(refRegex("release/v1.*").slice(1, -1));
        assert.deepEqual(["release/v1.2", "release/v1.", "release/v10", "xrelease/v1.2", "release/v1.2/hotfix"].map((r) => re.test(r)), [true, true, false, false, true]);
    });

    it("every grant of the dev map and of random maps: valid for GitLab's CI schema, as written and as extended by a real job", () => {
        const check = (raw: Json) => {
            const contract = contractOf(planMap(raw));
            for (const project of Object.keys(contract.grants)) {
                const result = generateCi(contract, { project, format: "yaml", source: "test" });
                assert.ok("files" in result, JSON.stringify(result));
                const [jobs] = documents(result.files[0]!.text);
                assert.equal(validateCi(jobs), true, JSON.stringify(validateCi.errors));
                const real = Object.fromEntries(Object.entries(jobs!).map(([name, template]) => [name.slice(".gitlab-federation:".length), extend(template, { stage: "deploy", script: ["./run.sh"] })]));
                assert.equal(validateCi({ stages: ["deploy"], ...real }), true, JSON.stringify(validateCi.errors));
                // GitLab reads YAML 1.1 (Ruby Psych): every value must read the same there.
                assert.deepEqual(documents(result.files[0]!.text, YAML11_SCHEMA), documents(result.files[0]!.text));
            }
        };
        check(DEV);
        fc.assert(fc.property(mapArb, check), { numRuns: 40 });
    });

    it("the schema check is not vacuous: a broken job fails it", () => {
        assert.equal(validateCi({ deploy: { script: ["x"], id_tokens: { VAULT_ID_TOKEN: {} } } }), false);
        assert.equal(validateCi({ deploy: { script: ["x"], secrets: { S: { vault: { engine: { name: "kv-v2" }, path: "p", field: "f" } } } } }), false);
        assert.equal(validateCi({ deploy: { script: ["x"], rules: [{ if: "$X", when: "sometimes" }] } }), false);
    });

    it("agrees with the plan: audiences, roles, ARNs, accounts; the secrets example stays inside the grant's folders", () => {
        fc.assert(
            fc.property(mapArb, (raw) => {
                const plan = planMap(raw);
                const contract = contractOf(plan);
                for (const g of plan.grants) {
                    const [file] = (generateCi(contract, { project: g.project, grants: [g.grant], format: "yaml", source: "t" }) as { files: CiFile[] }).files;
                    const job = documents(file!.text)[0]![`.gitlab-federation:${g.grant}`];
                    const tokens = Object.fromEntries(Object.entries(job.id_tokens as Json).map(([k, v]) => [k, (v as Json).aud]));
                    const expected: Json = {};
                    if (g.vault) expected.VAULT_ID_TOKEN = plan.vault!.audience;
                    if (g.aws) expected.AWS_ID_TOKEN = plan.aws!.audience;
                    if (g.gcp) expected.GCP_ID_TOKEN = plan.gcp!.audience;
                    assert.deepEqual(tokens, expected);
                    assert.equal(job.variables.VAULT_AUTH_ROLE, g.vault?.roleName);
                    assert.equal(job.variables.AWS_ROLE_ARN, g.aws?.roleArn);
                    assert.equal(job.variables.GCP_SERVICE_ACCOUNT, g.gcp?.email);
                    assert.equal(job.environment?.name, g.conditions.environment);
                    if (g.vault) {
                        for (const secret of Object.values(secretsExample(file!.text, `.gitlab-federation:${g.grant}`))) {
                            assert.equal(secret.vault.engine.path, plan.vault!.kvMount);
                            assert.ok(g.vault.read.some((prefix) => secret.vault.path === prefix || secret.vault.path.startsWith(`${prefix}/`)), secret.vault.path);
                        }
                    } else {
                        assert.ok(!file!.text.includes("# secrets:"));
                    }
                }
            }),
            { numRuns: 40 },
        );
    });

    it("property: the rules add the job exactly in the pipelines whose token Vault accepts for the grant", () => {
        const pipelines = (projects: [string, number][]) =>
            fc.record({
                project: fc.constantFrom(...projects),
                where: fc.constantFrom("project", "fork", "fork MR in the project", "MR in the project"),
                ref: fc.constantFrom("main", "develop", "release/1.0", "release", "feature/x", "v1.0.0", "v2", "ci-main", "ci-main/x", "hotfix/y"),
                tag: fc.boolean(),
                protected: fc.boolean(),
            });
        fc.assert(
            fc.property(
                mapArb.chain((raw) => fc.tuple(fc.constant(raw), fc.array(pipelines(Object.entries(raw.projects).map(([p, v]) => [p, (v as Json).id])), { minLength: 1, maxLength: 10 }))),
                ([raw, runs]) => {
                    const plan = planMap(raw);
                    const contract = contractOf(plan);
                    const explainer = new Explainer(plan);
                    for (const g of plan.grants.filter((x) => x.vault !== undefined)) {
                        const [file] = (generateCi(contract, { project: g.project, grants: [g.grant], format: "yaml", source: "t" }) as { files: CiFile[] }).files;
                        const job = documents(file!.text)[0]![`.gitlab-federation:${g.grant}`];
                        for (const run of runs.filter((r) => r.project[0] === g.project)) {
                            const id = String(run.project[1]);
                            const fork = "4242";
                            const variables = {
                                CI_PROJECT_ID: run.where === "fork" ? fork : id,
                                CI_COMMIT_REF_NAME: run.ref,
                                CI_COMMIT_REF_PROTECTED: String(run.protected),
                                ...(run.tag ? { CI_COMMIT_TAG: run.ref } : { CI_COMMIT_BRANCH: run.ref }),
                                ...(run.where.includes("MR") ? { CI_MERGE_REQUEST_SOURCE_PROJECT_ID: run.where.startsWith("fork") ? fork : id } : {}),
                            };
                            // The token names the project the pipeline's commit comes from (a fork's, in a fork's MR), and the job's environment.
                            const claims = gitlabToken({
                                projectPath: run.where.startsWith("fork") ? "someone/fork" : g.project,
                                projectId: run.where.startsWith("fork") ? fork : id,
                                ref: run.ref,
                                refType: run.tag ? "tag" : "branch",
                                protected: run.protected,
                                aud: job.id_tokens.VAULT_ID_TOKEN.aud,
                                ...(job.environment !== undefined ? { environment: job.environment.name } : {}),
                            });
                            const accepted = explainer.explain(claims, { now: (claims.iat as number) + 10, verified: true }).targets.vault!.accepted.some((a) => a.project === g.project && a.grant === g.grant);
                            assert.equal(jobRuns(job.rules, variables), accepted, JSON.stringify({ grant: `${g.project} ${g.grant}`, conditions: g.conditions, run }));
                        }
                    }
                },
            ),
            { numRuns: 60 },
        );
    });

    describe("the setup scripts, run in a real shell", () => {
        const shell = (script: string, env: Record<string, string>, path?: string) =>
            spawnSync("sh", ["-c", script], { encoding: "utf8", env: { PATH: path !== undefined ? `${path}:/usr/bin:/bin` : "/usr/bin:/bin", ...env } });
        const job = (project: string, grant: string) => documents(files(DEV, project, "yaml", [grant])[0]!.text)[0]![`.gitlab-federation:${grant}`];

        it("GCP: a job-private credential configuration naming the token file, the provider and the service account; removed after", () => {
            const deploy = job("platform/web", "deploy");
            const tmp = temporaryDirectory("ci-");
            const env = { TMPDIR: tmp, CI_JOB_ID: "777", GCP_ID_TOKEN: "header.payload.signature", ...deploy.variables };
            const run = shell(`${deploy.before_script.join("\n")}\nprintf '%s\\n' "$GOOGLE_APPLICATION_CREDENTIALS" "$CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE"`, env);
            assert.equal(run.status, 0, run.stderr);
            const [credentials, override] = run.stdout.trim().split("\n");
            assert.equal(override, credentials);
            assert.ok(credentials!.startsWith(join(tmp, "gitlab-federation-777.")));
            assert.equal(statSync(credentials!).mode & 0o777, 0o600, "only the job's user reads it");
            const config = JSON.parse(readFileSync(credentials!, "utf8")) as Json;
            assert.deepEqual({ ...config, credential_source: { ...config.credential_source, file: "<file>" } }, {
                type: "external_account",
                audience: "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com",
                subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
                token_url: "https://sts.googleapis.com/v1/token",
                credential_source: { file: "<file>", format: { type: "text" } },
                service_account_impersonation_url: "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/gl-platform-web--deploy@acme-ci.iam.gserviceaccount.com:generateAccessToken",
            });
            assert.equal(readFileSync(config.credential_source.file as string, "utf8"), "header.payload.signature");
            assert.equal(shell(deploy.after_script.join("\n"), env).status, 0);
            assert.deepEqual(readdirSync(tmp), []);
        });

        it("AWS: the token in a job-private file; the transient key-fetch error retried a bounded number of times, any other error fails the job", () => {
            const deploy = job("platform/api", "release");
            const tmp = temporaryDirectory("ci-");
            const bin = temporaryDirectory("bin-");
            // A fake aws CLI: fails as scripted by $AWS_FAKE_ERRORS (one line per call), then succeeds; logs its calls.
            writeFileSync(
                join(bin, "aws"),
                `#!/bin/sh\necho "$*" >> "${bin}/calls"\nn=$(wc -l < "${bin}/calls")\nline=$(printf '%s\\n' "$AWS_FAKE_ERRORS" | sed -n "\${n}p")\nif [ -n "$line" ]; then echo "$line" >&2; exit 254; fi\nexit 0\n`,
            );
            chmodSync(join(bin, "aws"), 0o755);
            writeFileSync(join(bin, "sleep"), "#!/bin/sh\nexit 0\n");
            chmodSync(join(bin, "sleep"), 0o755);
            const transient = "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Couldn't retrieve verification key from your identity provider";
            const attempt = (errors: string[]) => {
                writeFileSync(join(bin, "calls"), "");
                const env = { TMPDIR: tmp, CI_JOB_ID: "778", AWS_ID_TOKEN: "t.o.k", AWS_FAKE_ERRORS: errors.join("\n"), ...deploy.variables };
                const run = shell(`${deploy.before_script.join("\n")}\necho "token file: $AWS_WEB_IDENTITY_TOKEN_FILE"`, env, bin);
                const calls = readFileSync(join(bin, "calls"), "utf8").trim().split("\n").filter((l) => l !== "");
                return { run, calls };
            };
            const twice = attempt([transient, transient]);
            assert.equal(twice.run.status, 0, twice.run.stderr);
            assert.deepEqual(twice.calls, Array(3).fill("sts get-caller-identity --region us-east-1"));
            const file = /token file: (.*)/.exec(twice.run.stdout)![1]!;
            assert.ok(file.startsWith(join(tmp, "gitlab-federation-778.")));
            assert.equal(readFileSync(file, "utf8"), "t.o.k");
            assert.equal(statSync(file).mode & 0o777, 0o600);
            const always = attempt(Array(9).fill(transient));
            assert.equal(always.run.status, 1);
            assert.equal(always.calls.length, 5, "bounded: five attempts");
            const denied = attempt(["An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized"]);
            assert.equal(denied.run.status, 1);
            assert.equal(denied.calls.length, 1, "not retried");
            assert.match(denied.run.stderr, /AccessDenied/);
        });
    });

    describe("as GitLab CI/CD components", () => {
        it("one component per grant: inputs whose defaults are this stack's, the same job once interpolated", () => {
            const [component] = files(DEV, "platform/web", "component");
            assert.equal(component!.path, "templates/platform-web--deploy.yml");
            const [header, content] = documents(component!.text);
            assert.equal(validateCi(header), true, JSON.stringify(validateCi.errors));
            assert.deepEqual(Object.keys(header!.spec.inputs), ["vault_audience", "vault_server_url", "vault_auth_path", "vault_auth_role", "gcp_audience", "gcp_workload_identity_provider", "gcp_service_account"]);
            assert.equal(validateCi(content), true, JSON.stringify(validateCi.errors));
            const defaults = Object.fromEntries(Object.entries(header!.spec.inputs as Json).map(([k, v]) => [k, (v as Json).default]));
            const interpolated = JSON.parse(JSON.stringify(content).replace(/\$\[\[ inputs\.([a-z_]+) \]\]/g, (_, name: string) => defaults[name]));
            assert.deepEqual(interpolated, documents(files(DEV, "platform/web")[0]!.text)[0]);
            assert.equal(content![".gitlab-federation:deploy"].variables.VAULT_AUTH_ROLE, "$[[ inputs.vault_auth_role ]]");
        });
    });

    it("says what it cannot generate, and why", () => {
        const contract = contractOf(planMap(DEV));
        assert.deepEqual(generateCi(contract, { project: "platform/apii", format: "yaml", source: "Pulumi.dev.yaml" }), {
            problems: ['Pulumi.dev.yaml has no project "platform/apii"; its projects: platform/api, platform/gitlab-federation, platform/web'],
        });
        assert.deepEqual(generateCi(contract, { project: "platform/web", grants: ["deploy", "nope"], format: "yaml", source: "Pulumi.dev.yaml" }), {
            problems: ['platform/web has no grant "nope" in Pulumi.dev.yaml; its grants: deploy'],
        });
        const noUrl = contractOf(planMap(map({ "a/b": { id: 1, grants: { ci: { ref: "main", vault: { read: ["a/b"] } } } } }, { vault: { audience: "vault-ci" } })));
        assert.deepEqual(generateCi(noUrl, { project: "a/b", format: "yaml", source: "s" }), {
            problems: ['a/b ci: jobs need Vault\'s address (VAULT_SERVER_URL) and the map has none: vault.audience "vault-ci" is not an https URL, so set gitlab-federation:vault.serverUrl'],
        });
        const raw = clone(DEV);
        raw.aws = { audience: "sts.amazonaws.com" };
        delete raw.deployer; // the deployer needs the account
        const problems = (generateCi(contractOf(planMap(raw)), { project: "platform/api", grants: ["deploy"], format: "yaml", source: "s" }) as { problems: string[] }).problems;
        assert.deepEqual(problems, [
            "platform/api deploy: the role ARN needs the AWS account id, which the map does not name (arn:aws:iam::<account-id>:role/gitlab-platform-api--deploy): set gitlab-federation:aws.accountId, or generate from the deployed stack's contract (pulumi stack output contract --json | gitlab-federation ci --contract -)",
        ]);
        const tampered = clone(contract) as Json;
        tampered.grants["platform/web"].deploy.conditions.ref = ['main" || $X == "1'];
        assert.deepEqual(generateCi(tampered as Contract, { project: "platform/web", format: "yaml", source: "c.json" }), {
            problems: [
                'c.json: grants["platform/web"].deploy.conditions.ref[0]: contains characters other than letters, digits, ".", "_", "-", "/" and the wildcard "*" (got "main\\" || $X == \\"1"); refs with other characters are not supported because they would need escaping in HCL, IAM JSON and CEL',
            ],
        });
    });

    describe("the binary", () => {
        it("from the map and from the contract the program publishes: the same jobs", async () => {
            const fromMap = cli(["ci", "-s", "dev", "--project", "platform/api"]);
            assert.equal(fromMap.status, 0, fromMap.stderr);
            const published = await programContract(DEV);
            const directory = directoryWith({ "contract.json": JSON.stringify(published) });
            const fromContract = cli(["ci", "--contract", "contract.json", "--project", "platform/api"], { cwd: directory });
            assert.equal(fromContract.status, 0, fromContract.stderr);
            assert.deepEqual(documents(fromContract.stdout), documents(fromMap.stdout));
            const piped = cli(["ci", "--contract", "-", "--project", "platform/api", "--grant", "review"], { input: JSON.stringify(published) });
            assert.deepEqual(Object.keys(documents(piped.stdout)[0]!), [".gitlab-federation:review"]);
        });

        it("components: one file per grant, so several need --out", () => {
            const directory = directoryWith({ "Pulumi.dev.yaml": DEV_TEXT, "Pulumi.yaml": "name: gitlab-federation\n" });
            const refused = cli(["ci", "-s", "dev", "--project", "platform/api", "--format", "component"], { cwd: directory });
            assert.equal(refused.status, 2);
            assert.equal(refused.stderr.split("\n")[0], "gitlab-federation: a component is one file per grant and platform/api has 3: give --grant <name>, or --out <dir> to write each");
            const written = cli(["ci", "-s", "dev", "--project", "platform/api", "--format", "component", "--out", "components"], { cwd: directory });
            assert.equal(written.status, 0, written.stderr);
            assert.deepEqual(readdirSync(join(directory, "components", "templates")).sort(), ["platform-api--deploy.yml", "platform-api--release.yml", "platform-api--review.yml"]);
            assert.ok(existsSync(join(directory, "components", "templates", "platform-api--deploy.yml")));
        });

        it("usage and contract errors", () => {
            assert.equal(cli(["ci", "-s", "dev"]).stderr.split("\n")[0], "gitlab-federation: needs --project <path>: the app project whose grants to generate");
            const directory = directoryWith({ "future.json": JSON.stringify({ schemaVersion: "2.0", gitlabUrl: "https://gitlab.example.com", grants: {} }) });
            const future = cli(["ci", "--contract", "future.json", "--project", "a/b"], { cwd: directory });
            assert.deepEqual([future.status, future.stderr], [1, "future.json has contract schemaVersion 2.0; this gitlab-federation reads 1.x: use a gitlab-federation release that reads 2.x\n"]);
        });
    });
});
