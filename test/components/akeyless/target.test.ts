/**
 * The Akeyless target as a plugin (components/akeyless/index.ts): the exact plan of a realistic
 * map (Vault, AWS, GCP and Akeyless with a deployer), pinned logical names, every refusal's exact
 * text, the evaluator against the independent reading of Akeyless's documentation
 * (docs-evaluator.ts) on GitLab's claim sets, the contract and CI job, and the component under
 * Pulumi mocks registering exactly what the plan says.
 */
import { strict as assert } from "node:assert";
import { akeyless } from "../../../components/akeyless";
import type { AkeylessPlan, AkeylessSummary } from "../../../components/akeyless/plan-schema";
import { checkConditions } from "../../../components/akeyless/plan";
import { jobClaims } from "../../../src/core/claims";
import { Findings } from "../../../src/core/findings";
import type { ResolvedGrant } from "../../../src/core/model";
import { checkMap, planEntries, planMap } from "../../../src/features";
import type { Contract } from "../../../src/contract/contract";
import { generateCi } from "../../../src/features/ci";
import { contractOf } from "../../../src/features/contract";
import { diffPlans } from "../../../src/features/diff";
import { problems, warnings } from "../../helpers/check";
import { clone } from "../../helpers/maps";
import { runWithMocks, valueOf } from "../../helpers/mocks";
import { docsVerdict } from "./docs-evaluator";
import { AKEYLESS_DEPLOYER, akeylessMap } from "./fixture";

const GITLAB = "https://gitlab.example.com";
const AUDIENCE = "https://akeyless.example.com/dev";
const FOLDER = "/gitlab-federation/dev";
const API = "https://api.akeyless.io";

const grantResource = (type: string, key: string, former: string, extra: Record<string, unknown> = {}) => ({
    type: `pulumi-nodejs:dynamic/akeyless:${type}`,
    name: key,
    protect: false,
    ...extra,
    aliases: [former],
    rootAlias: true,
    grant: key,
});

const readRules = (path: string) => [
    { ruleType: "item-rule", path, capabilities: ["read"] },
    { ruleType: "item-rule", path: `${path}/*`, capabilities: ["list", "read"] },
];

const API_DEPLOY_CLAIMS = { project_id: ["42"], ref: ["main"], ref_type: ["branch"], ref_protected: ["true"], environment: ["production"] };
const WEB_DEPLOY_CLAIMS = { project_id: ["57"], ref: ["main", "release/*"], ref_type: ["branch"], ref_protected: ["true"], environment: ["production"] };

const EXPECTED_PLAN = {
    apiUrl: API,
    folder: FOLDER,
    audience: AUDIENCE,
    authMethodName: `${FOLDER}/gitlab`,
    authMethod: {
        resource: { type: "pulumi-nodejs:dynamic/akeyless:AuthMethod", name: "gitlab", protect: true },
        apiUrl: API,
        name: `${FOLDER}/gitlab`,
        jwksUri: `${GITLAB}/oauth/discovery/keys`,
        issuer: GITLAB,
        audience: AUDIENCE,
        uniqueIdentifier: "project_id",
        jwtTtl: 60,
        boundIps: ["10.20.0.0/16"],
        description: "GitLab CI ID tokens (managed by gitlab-federation)",
        deleteProtection: true,
        adopt: false,
    },
    roles: [
        {
            resource: grantResource("Role", "42/deploy", "platform/api/deploy"),
            apiUrl: API,
            name: `${FOLDER}/projects/platform/api/deploy`,
            rules: [...readRules("/platform/api/production"), ...readRules("/platform/api/shared")],
            adopt: false,
        },
        { resource: grantResource("Role", "57/deploy", "platform/web/deploy"), apiUrl: API, name: `${FOLDER}/projects/platform/web/deploy`, rules: readRules("/platform/web/production"), adopt: false },
    ],
    associations: [
        {
            resource: grantResource("Association", "42/deploy", "platform/api/deploy", { deleteBeforeReplace: true }),
            apiUrl: API,
            roleName: `${FOLDER}/projects/platform/api/deploy`,
            authMethodName: `${FOLDER}/gitlab`,
            subClaims: API_DEPLOY_CLAIMS,
            adopt: false,
        },
        {
            resource: grantResource("Association", "57/deploy", "platform/web/deploy", { deleteBeforeReplace: true }),
            apiUrl: API,
            roleName: `${FOLDER}/projects/platform/web/deploy`,
            authMethodName: `${FOLDER}/gitlab`,
            subClaims: WEB_DEPLOY_CLAIMS,
            adopt: false,
        },
    ],
    deployer: {
        folder: "/gitlab-federation-admin/dev",
        authMethodName: "/gitlab-federation-admin/dev/gitlab-deployer",
        accessId: "p-deployer0dev",
        roles: [
            {
                identity: "applier",
                name: "/gitlab-federation-admin/dev/applier",
                rules: [
                    { ruleType: "auth-method-rule", path: `${FOLDER}/*`, capabilities: ["list", "read"] },
                    { ruleType: "role-rule", path: `${FOLDER}/*`, capabilities: ["create", "delete", "list", "read", "update"] },
                ],
                subClaims: { project_id: ["7"], ref: ["main"], ref_type: ["branch"], ref_protected: ["true"], environment: ["federation-dev"] },
            },
            {
                identity: "planner",
                name: "/gitlab-federation-admin/dev/planner",
                rules: [
                    { ruleType: "auth-method-rule", path: `${FOLDER}/*`, capabilities: ["list", "read"] },
                    { ruleType: "role-rule", path: `${FOLDER}/*`, capabilities: ["list", "read"] },
                ],
                subClaims: { project_id: ["7"], ref: ["*"], ref_type: ["branch"] },
            },
        ],
    },
};

const withProtected = (p: boolean, env: boolean) => ({ enforced: ["audience", "projectId", "ref", "refType", ...(p ? ["protected"] : []), ...(env ? ["environment"] : [])], notEnforced: [] });

function summaryOf(plan: ReturnType<typeof planMap>, project: string, grant: string): AkeylessSummary {
    return plan.grants.find((g) => g.project === project && g.grant === grant)!.akeyless!;
}

describe("the Akeyless target (components/akeyless)", () => {
    const raw = akeylessMap();
    const plan = planMap(raw);

    describe("plan", () => {
        it("a map with Vault, AWS, GCP and Akeyless grants and a deployer validates; the Akeyless plan is exactly this", () => {
            assert.deepEqual(problems(raw), []);
            assert.deepEqual(plan.akeyless, EXPECTED_PLAN);
            assert.deepEqual(akeyless.planSchema.parse(plan.akeyless), EXPECTED_PLAN);
        });

        it("each grant's summary, and the deployer's identities through their own auth method", () => {
            assert.deepEqual(summaryOf(plan, "platform/api", "deploy"), {
                authMethodName: `${FOLDER}/gitlab`,
                roleName: `${FOLDER}/projects/platform/api/deploy`,
                audience: AUDIENCE,
                read: ["/platform/api/production", "/platform/api/shared"],
                subClaims: API_DEPLOY_CLAIMS,
                enforcement: withProtected(true, true),
            });
            assert.deepEqual(summaryOf(plan, "platform/gitlab-federation", "planner"), {
                authMethodName: "/gitlab-federation-admin/dev/gitlab-deployer",
                roleName: "/gitlab-federation-admin/dev/planner",
                audience: AUDIENCE,
                read: [],
                subClaims: { project_id: ["7"], ref: ["*"], ref_type: ["branch"] },
                enforcement: withProtected(false, false),
            });
            assert.deepEqual(
                plan.grants.filter((g) => g.akeyless !== undefined).map((g) => `${g.project} ${g.grant}`),
                ["platform/api deploy", "platform/gitlab-federation applier", "platform/gitlab-federation planner", "platform/web deploy"],
            );
        });

        it("logical names are pinned: the anchor `gitlab`, `<project id>/<grant>` for a role and its association", () => {
            assert.deepEqual(
                planEntries(plan)
                    .filter((e) => e.resource.type.startsWith("pulumi-nodejs:dynamic/akeyless:"))
                    .map((e) => `${e.resource.type} ${e.resource.name}`),
                [
                    "pulumi-nodejs:dynamic/akeyless:AuthMethod gitlab",
                    "pulumi-nodejs:dynamic/akeyless:Role 42/deploy",
                    "pulumi-nodejs:dynamic/akeyless:Role 57/deploy",
                    "pulumi-nodejs:dynamic/akeyless:Association 42/deploy",
                    "pulumi-nodejs:dynamic/akeyless:Association 57/deploy",
                ],
            );
        });

        it("the plan is pure JSON: it survives a round trip through plan --json's text", () => {
            assert.deepEqual(JSON.parse(JSON.stringify(plan.akeyless)), plan.akeyless);
        });

        it("warns about a ref pattern and about settings that loosen, with their reason as data", () => {
            const ours = warnings(raw).filter((w) => w.includes("akeyless") || w.includes("Akeyless"));
            assert.deepEqual(ours, [
                'gitlab-federation:deployer.akeyless.acknowledgeRoles: the applier can write Akeyless roles that give any item and associations that admit any pipeline: "every map change is reviewed in a merge request, and up:dev runs only reviewed code from protected main"',
                'gitlab-federation:projects["platform/web"].grants.deploy.ref: "release/*": Akeyless matches this ref pattern as a sub-claim wildcard; its documentation says "*" replaces any amount of characters, as in GitLab and Vault, but whether it crosses "/" is not verified (if not, fewer refs match, never more)',
            ]);
        });

        it("a shard keeps only the entries it is given: the auth method stays with the foundation", () => {
            const selected = akeyless.resources.select(plan.akeyless as AkeylessPlan, (e) => e.resource.grant === "57/deploy");
            const { authMethod: _foundation, ...rest } = EXPECTED_PLAN;
            assert.deepEqual(selected, { ...rest, roles: [EXPECTED_PLAN.roles[1]], associations: [EXPECTED_PLAN.associations[1]] } as unknown);
        });
    });

    describe("refusals (exact texts)", () => {
        const edited = (edit: (raw: Record<string, any>) => void) => {
            const copy = clone(raw);
            edit(copy);
            return problems(copy);
        };
        const API_GRANT = 'gitlab-federation:projects["platform/api"].grants.deploy';
        // checkConditions reads a resolved grant's path, refs and environment only.
        const plannedGrant = { path: ["projects", "platform/api", "grants", "deploy"], refs: ["main"], environment: "production" } as unknown as ResolvedGrant;

        it("a read path that is not a path (the schema), outside the project's folder or listed twice (the plan)", () => {
            assert.deepEqual(edited((r) => (r.projects["platform/api"].grants.deploy.akeyless.read = ["platform/api/b", "/platform/api/*"])), [
                `${API_GRANT}.akeyless.read[0]: must be an Akeyless item path or folder such as "/platform/api/production" ("/" then segments of letters, digits, "_", "-" and ".", no "*" and no trailing "/"), got "platform/api/b"; a folder covers itself and everything below it`,
                `${API_GRANT}.akeyless.read[1]: must be an Akeyless item path or folder such as "/platform/api/production" ("/" then segments of letters, digits, "_", "-" and ".", no "*" and no trailing "/"), got "/platform/api/*"; a folder covers itself and everything below it`,
            ]);
            assert.deepEqual(
                edited((r) => (r.projects["platform/api"].grants.deploy.akeyless.read = ["/platform/web/production", "/platform/api/a", "/platform/api/a"])),
                [
                    `${API_GRANT}.akeyless.read[0]: "/platform/web/production" is outside this project's folder "/platform/api/": keep each project's items under its own path, or set akeyless.allowOutsideProject with a reason (e.g. a shared registry credential)`,
                    `${API_GRANT}.akeyless.read[2]: lists "/platform/api/a" more than once; list each path once`,
                ],
            );
        });

        it("a prefix neighbour of the project's folder is outside it (/platform/api-internal is not /platform/api/)", () => {
            assert.deepEqual(edited((r) => (r.projects["platform/api"].grants.deploy.akeyless.read = ["/platform/api-internal/db"])), [
                `${API_GRANT}.akeyless.read[0]: "/platform/api-internal/db" is outside this project's folder "/platform/api/": keep each project's items under its own path, or set akeyless.allowOutsideProject with a reason (e.g. a shared registry credential)`,
            ]);
        });

        it("outside the folder with a reason is a loosening, as data", () => {
            const copy = clone(raw);
            Object.assign(copy.projects["platform/api"].grants.deploy.akeyless, { read: ["/shared/registry"], allowOutsideProject: "the registry credential is shared by every deploy job" });
            const checked = checkMap(copy);
            assert.deepEqual(checked.problems, []);
            assert.deepEqual(checked.plan!.grants.find((g) => g.project === "platform/api" && g.grant === "deploy")!.loosenings, [
                { field: "akeyless.allowOutsideProject", effect: 'reads Akeyless items outside "/platform/api/" (/shared/registry)', reason: "the registry credential is shared by every deploy job" },
                { field: "aws.acknowledge.environment", effect: "AWS does not check the environment", reason: "Read-only role; any job on protected main may use it, not only the production deploy job" },
            ]);
        });

        it("a ref or environment Akeyless would read as a list or a wildcard (a guard behind the map's own ref and environment rules)", () => {
            const findings = new Findings();
            const grant = { ...plannedGrant, refs: ["main", "v?.0", "a,b"], environment: "prod `OR` dev" };
            assert.equal(checkConditions(grant, findings), false);
            assert.deepEqual(findings.problems.map((p) => `${p.path}: ${p.message}`), [
                `${API_GRANT}.ref: "v?.0" cannot be an Akeyless sub-claim: it contains "?" (got "v?.0"): "*" and "?" are wildcards in Akeyless sub-claims and cannot be escaped, so this exact value would match other values too; use a value without "*" and "?"`,
                `${API_GRANT}.ref: "a,b" cannot be an Akeyless sub-claim: it contains "," (got "a,b"): Akeyless splits sub-claim values on commas (any of the parts matches) and has no escape, so this value cannot be matched literally; use a value without ","`,
                `${API_GRANT}.environment: cannot be an Akeyless sub-claim: it contains a backtick (got "prod \`OR\` dev"): Akeyless reads \`AND\` and \`OR\` between backticks as operators in sub-claim values; use a value without backticks`,
            ]);
            // The map's rules refuse these first: the guard keeps Akeyless safe if they ever allow more.
            assert.deepEqual(edited((r) => (r.projects["platform/api"].grants.deploy.ref = "v?.0")), [
                `${API_GRANT}.ref: "?" is not allowed (got "v?.0"): Vault globs treat "?" as a literal character while AWS StringLike treats it as any one character, so the grant would mean different things on each target; use "*" or list the refs`,
            ]);
            assert.equal(checkConditions({ ...plannedGrant, refs: ["main", "release/*", "*"] }, findings), true);
        });

        it("the section: folder, auth method name, API URL, TTL bounds", () => {
            assert.deepEqual(
                edited((r) => Object.assign(r.akeyless, { folder: "gitlab-federation/dev/", authMethod: "projects", apiUrl: "http://api.akeyless.io", jwtTtl: 0 })),
                [
                    'gitlab-federation:akeyless.apiUrl: must use https (got "http://api.akeyless.io"): every request carries the admin token, so only TLS (or the loopback interface) is allowed',
                    'gitlab-federation:akeyless.authMethod: must be one folder segment of lowercase letters, digits, "_", "-" and "." other than "projects" (the grants\' roles live there), e.g. "gitlab", got "projects"',
                    'gitlab-federation:akeyless.folder: must be an Akeyless folder path of lowercase letters, digits, "_", "-" and "." segments after "/", e.g. "/gitlab-federation/prod" (got "gitlab-federation/dev/"); every auth method and role of the stack is created below it',
                    "gitlab-federation:akeyless.jwtTtl: must be at least 1, got 0. Minutes an Akeyless token from a CI login lives (the auth method's jwt-ttl), 1 to 1440. Default: 60.",
                ],
            );
        });

        it("an audience another target uses", () => {
            assert.deepEqual(edited((r) => (r.akeyless.audience = "https://vault.example.com")), [
                'gitlab-federation:akeyless.audience: "https://vault.example.com" is also gitlab-federation:vault.audience: a token a job requests for one target would be accepted by the other; give each target its own audience',
            ]);
        });

        it("the deployer: settings missing, its folder inside the stack's (and holding it), no acknowledgement", () => {
            assert.deepEqual(edited((r) => delete r.deployer.akeyless), [
                'gitlab-federation:deployer.akeyless: is required with an akeyless section: the pipeline\'s jobs log in to Akeyless through the deployer\'s own auth method, which an administrator creates outside akeyless.folder; set folder (e.g. "/gitlab-federation-admin/prod") and accessId (its access id), see the README\'s "The deployer in Akeyless"',
            ]);
            assert.deepEqual(edited((r) => Object.assign(r.deployer.akeyless, { folder: `${FOLDER}/admin`, acknowledgeRoles: undefined })), [
                `gitlab-federation:deployer.akeyless.acknowledgeRoles: is required with an akeyless section: the applier writes the grants' Akeyless roles (${FOLDER}/*) and their associations, and Akeyless cannot bound what they contain: a role it writes may give any item, and an association may admit any GitLab pipeline, its own included; give the reason this is acceptable (e.g. every map change is reviewed, and the applier job runs only reviewed code on a protected branch in a protected environment)`,
                `gitlab-federation:deployer.akeyless.folder: "${FOLDER}/admin" is inside akeyless.folder "${FOLDER}": the deployer's own auth method and roles must be beside the stack's folder, where the applier's rules (${FOLDER}/*) do not reach them; use e.g. "${FOLDER}-admin"`,
            ]);
            assert.deepEqual(edited((r) => (r.deployer.akeyless.folder = "/gitlab-federation")), [
                `gitlab-federation:deployer.akeyless.folder: "/gitlab-federation" holds akeyless.folder "${FOLDER}": the deployer's own auth method and roles must be beside the stack's folder, where the applier's rules (${FOLDER}/*) do not reach them; use e.g. "${FOLDER}-admin"`,
            ]);
            // The boundary: a sibling whose name extends the folder's is beside it.
            assert.deepEqual(edited((r) => (r.deployer.akeyless.folder = `${FOLDER}-admin`)), []);
        });
    });

    describe("evaluate: the planned auth method and association against the documented semantics", () => {
        const evaluate = akeyless.evaluator(plan.akeyless as AkeylessPlan, { url: GITLAB });
        const apiDeploy = plan.grants.find((g) => g.project === "platform/api" && g.grant === "deploy")!;
        const webDeploy = plan.grants.find((g) => g.project === "platform/web" && g.grant === "deploy")!;
        const job = (o: Partial<Parameters<typeof jobClaims>[0]> = {}) =>
            jobClaims({ gitlabUrl: GITLAB, projectPath: "platform/api", projectId: "42", ref: "main", refType: "branch", protected: true, environment: "production", aud: AUDIENCE, now: 1_700_000_000, ...o });
        const docs = (summary: AkeylessSummary, claims: Record<string, unknown>) =>
            docsVerdict(
                { issuer: GITLAB, audience: summary.audience, uniqueIdentifier: "project_id", subClaims: Object.fromEntries(Object.entries(summary.subClaims).map(([k, v]) => [k, v.join(",")])), caseSensitive: true },
                claims,
            );
        const cases: [string, typeof apiDeploy, Record<string, unknown>, "accepted" | "refused"][] = [
            ["the deploy job on protected main", apiDeploy, job(), "accepted"],
            ["a feature branch", apiDeploy, job({ ref: "feature/x", protected: false }), "refused"],
            ["a tag named main", apiDeploy, job({ refType: "tag" }), "refused"],
            ["main, unprotected", apiDeploy, job({ protected: false }), "refused"],
            ["a merge-request pipeline", apiDeploy, job({ ref: "feature/x", protected: false, pipelineSource: "merge_request_event" }), "refused"],
            ["a fork's merge request", apiDeploy, job({ projectId: "99", projectPath: "someone/api", protected: false, pipelineSource: "merge_request_event" }), "refused"],
            ["a job without environment", apiDeploy, job({ environment: undefined }), "refused"],
            ["another project", apiDeploy, job({ projectId: "57", projectPath: "platform/web" }), "refused"],
            ["a prefix-neighbour project path with another id", apiDeploy, job({ projectId: "4242", projectPath: "platform/api-internal" }), "refused"],
            ["a token for another audience", apiDeploy, job({ aud: "https://vault.example.com" }), "refused"],
            ["a protected release branch (a ref pattern)", webDeploy, job({ projectId: "57", projectPath: "platform/web", ref: "release/2.1" }), "accepted"],
            ["a release tag on the release pattern", webDeploy, job({ projectId: "57", projectPath: "platform/web", ref: "release/2.1", refType: "tag" }), "refused"],
            ["a case variant of the environment", webDeploy, job({ projectId: "57", projectPath: "platform/web", environment: "Production" }), "refused"],
        ];
        for (const [name, grant, claims, verdict] of cases) {
            it(`${name}: ${verdict}, as the independent reading says`, () => {
                const decision = evaluate(grant.akeyless!, grant, claims, { now: 1_700_000_100 });
                assert.equal(decision.accepted, verdict === "accepted");
                assert.equal(docs(grant.akeyless!, claims).verdict, verdict);
                assert.equal(decision.reasons.length > 0, verdict === "refused");
            });
        }

        it("reasons are exact, and what an accepted grant gives", () => {
            assert.deepEqual(evaluate(apiDeploy.akeyless!, apiDeploy, job({ ref: "feature/x", protected: false, aud: "https://vault.example.com" }), { now: 1_700_000_100 }), {
                accepted: false,
                reasons: [
                    `audience: the token's aud "https://vault.example.com" is not the auth method's audience "${AUDIENCE}"`,
                    'sub-claim "ref": the token\'s "feature/x" matches none of "main"',
                    'sub-claim "ref_protected": the token\'s "false" matches none of "true"',
                ],
                gives: ["read /platform/api/production and below (list /platform/api/production/)", "read /platform/api/shared and below (list /platform/api/shared/)"],
            });
        });

        it("an expired token is undetermined, never accepted; the deployer's identities are undetermined (an administrator's objects)", () => {
            assert.deepEqual(evaluate(apiDeploy.akeyless!, apiDeploy, job(), { now: 1_800_000_000 }).undetermined, [
                "UNVERIFIED: exp: the token expired at 1700003600 (now 1800000000); Akeyless presumably refuses it, but does not document checking exp",
            ]);
            const applier = plan.grants.find((g) => g.deployer === "applier")!;
            const decision = evaluate(applier.akeyless!, applier, job({ projectId: "7", projectPath: "platform/gitlab-federation", environment: "federation-dev" }), { now: 1_700_000_100 });
            assert.deepEqual(decision, {
                accepted: false,
                reasons: [],
                undetermined: [
                    "UNVERIFIED: the deployer's applier logs in through /gitlab-federation-admin/dev/gitlab-deployer, which an administrator made outside this stack; this assumes it is as the README's commands make it",
                ],
                gives: [`the deployer's rules on ${FOLDER}/*`],
            });
        });
    });

    describe("diff: every change reviewed", () => {
        it("a new read path widens the grant; a longer jwtTtl and dropped boundIps widen the section; the auth method's update is an administrator's", () => {
            const head = akeylessMap();
            head.projects["platform/api"].grants.deploy.akeyless.read.push("/platform/api/extra");
            head.akeyless.jwtTtl = 120;
            delete head.akeyless.boundIps;
            const diff = diffPlans(plan, planMap(head), { base: raw, head });
            assert.equal(diff.verdict, "widened");
            assert.deepEqual(diff.access, [{ project: "platform/api", projectId: "42", grant: "deploy", target: "akeyless", change: "widened", details: ["item path added: /platform/api/extra"] }]);
            assert.deepEqual(diff.fields, [
                { path: "gitlab-federation:akeyless.jwtTtl", class: "access", change: "widened", detail: "60 -> 120: Akeyless tokens from CI logins live 120 minutes" },
                { path: "gitlab-federation:akeyless.boundIps", class: "trust", change: "widened", detail: "removed (was 10.20.0.0/16): logins from any address" },
            ]);
            assert.deepEqual(
                diff.resources.map((r) => [r.type, r.name, r.op, r.changed, r.adminOnly !== undefined]),
                [
                    ["pulumi-nodejs:dynamic/akeyless:AuthMethod", "gitlab", "update", ["boundIps", "jwtTtl"], true],
                    ["pulumi-nodejs:dynamic/akeyless:Role", "42/deploy", "update", ["rules"], false],
                ],
            );
        });

        it("a renamed auth method is a hazard and a replacement of the protected anchor", () => {
            const head = akeylessMap();
            head.akeyless.authMethod = "gitlab-ci";
            const diff = diffPlans(plan, planMap(head), { base: raw, head });
            assert.deepEqual(diff.fields, [
                {
                    path: "gitlab-federation:akeyless.authMethod",
                    class: "hazard",
                    change: "hazard",
                    detail: '"gitlab" -> "gitlab-ci": pulumi up creates a new auth method (with a new access id jobs must be given) and deletes the old one (refused while it is protected)',
                },
            ]);
            const authMethod = diff.resources.find((r) => r.type.endsWith(":AuthMethod"))!;
            assert.deepEqual([authMethod.op, authMethod.protected], ["replace", true]);
        });
    });

    describe("contract and CI", () => {
        const contract = contractOf(plan);

        it("the contract: the auth method by name (its access id once deployed), each grant's role and paths; identities carry their auth method's access id", () => {
            assert.deepEqual(contract.akeyless, { apiUrl: API, folder: FOLDER, authMethodName: `${FOLDER}/gitlab`, audience: AUDIENCE });
            assert.deepEqual(contract.grants["platform/api"]!.deploy!.akeyless, {
                apiUrl: API,
                authMethodName: `${FOLDER}/gitlab`,
                audience: AUDIENCE,
                roleName: `${FOLDER}/projects/platform/api/deploy`,
                read: ["/platform/api/production", "/platform/api/shared"],
            });
            assert.equal(contract.grants["platform/gitlab-federation"]!.applier!.akeyless!.accessId, AKEYLESS_DEPLOYER.accessId);
        });

        it("a grant's CI job needs the deployed access id; with it, the login step and the token's audience", () => {
            const offline = akeyless.ci!.job(contract.akeyless!, contract.grants["platform/api"]!.deploy!.akeyless! as never, (_n, v) => v);
            assert.deepEqual(offline, {
                unavailable: `jobs log in with the access id of the Akeyless auth method ${FOLDER}/gitlab, which Akeyless assigns when it is created: run gitlab-federation ci with the deployed stack's contract (--contract), not the map`,
            });
            const deployed = akeyless.ci!.job(contract.akeyless!, { ...contract.grants["platform/api"]!.deploy!.akeyless!, accessId: "p-abc123" } as never, (_n, v) => v);
            assert.ok(!("unavailable" in deployed));
            assert.deepEqual(deployed.idToken, { variable: "AKEYLESS_ID_TOKEN", audience: AUDIENCE });
            assert.deepEqual(deployed.variables, { AKEYLESS_API_URL: API, AKEYLESS_ACCESS_ID: "p-abc123" });
            assert.deepEqual(akeyless.ci!.pipelineLogin!(contract.akeyless!, contract.grants["platform/gitlab-federation"]!.applier!.akeyless! as never), [
                '# Akeyless: the provider logs in itself with the job\'s ID token (and again when its token expires)\nunset AKEYLESS_TOKEN; export AKEYLESS_JWT="$AKEYLESS_ID_TOKEN"',
            ]);
        });
    });

    describe("the component under Pulumi mocks", () => {
        it("registers exactly the plan's Akeyless entries, with their options and dependencies, and no credential", async () => {
            const { resources } = await runWithMocks(() => {
                const { Federation } = require("../../../src/pulumi/federation") as typeof import("../../../src/pulumi/federation");
                return new Federation("test", { plan });
            });
            const ours = resources.filter((r) => r.custom && r.type.startsWith("pulumi-nodejs:dynamic/akeyless:"));
            const planned = planEntries(plan).filter((e) => e.resource.type.startsWith("pulumi-nodejs:dynamic/akeyless:"));
            assert.deepEqual(ours.map((r) => `${r.type} ${r.name}`).sort(), planned.map((e) => `${e.resource.type} ${e.resource.name}`).sort());
            for (const entry of planned) {
                const registered = ours.find((r) => r.type === entry.resource.type && r.name === entry.resource.name)!;
                const { __provider: serialized, ...inputs } = registered.inputs;
                const { resource, ...args } = entry as unknown as Record<string, unknown> & { resource: typeof entry.resource };
                assert.deepEqual(
                    Object.fromEntries(Object.entries(inputs).filter(([, v]) => v !== undefined)),
                    args,
                    `${resource.type} ${resource.name}`,
                );
                assert.equal(typeof serialized, "string");
                assert.ok(!/AKEYLESS_(ACCESS_KEY|JWT|TOKEN)=|p-deployer0dev/.test(serialized as string), "the serialized provider holds no credential");
                assert.equal(registered.protect, resource.protect);
                assert.equal(registered.deleteBeforeReplace, resource.deleteBeforeReplace === true);
            }
            const association = ours.find((r) => r.type.endsWith(":Association") && r.name === "42/deploy")!;
            const role = ours.find((r) => r.type.endsWith(":Role") && r.name === "42/deploy")!;
            const authMethod = ours.find((r) => r.type.endsWith(":AuthMethod"))!;
            assert.deepEqual([...association.dependencies].sort(), [authMethod.urn, role.urn].sort());
            assert.ok(role.aliases.some((urn) => urn.endsWith("::42/deploy") && !urn.includes("$")), "a root alias for pulumi state move");
        });

        it("the program publishes the deployed access id in the contract, and gitlab-federation ci writes the job from it", async () => {
            const { runProgram } = require("../../../src/pulumi/program") as typeof import("../../../src/pulumi/program");
            const { result } = await runWithMocks(() => runProgram(raw, { logWarnings: false }));
            const contract = (await valueOf(result.contract as never)) as Contract;
            const accessId = "p-mockgitlabfederationdevgitlab";
            assert.deepEqual(contract.akeyless, { apiUrl: API, folder: FOLDER, authMethodName: `${FOLDER}/gitlab`, audience: AUDIENCE, accessId });
            assert.equal(contract.grants["platform/api"]!.deploy!.akeyless!.accessId, accessId);
            assert.equal(contract.grants["platform/gitlab-federation"]!.applier!.akeyless!.accessId, AKEYLESS_DEPLOYER.accessId);
            const generated = generateCi(contract, { project: "platform/api", format: "yaml", source: "contract.json" });
            assert.ok("files" in generated, JSON.stringify(generated));
            const text = generated.files[0]!.text;
            assert.ok(text.includes(`AKEYLESS_ACCESS_ID: ${accessId}`) && text.includes(`aud: ${AUDIENCE}`), text);
        });
    });
});
