import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { planMap } from "../../../src/features";
import { exchange as gcpExchange } from "../../../components/gcp/evaluate";
import { LIMITS, attributeCondition, attributeMappingProblems, groupsExpression, mappedBytes } from "../../../components/gcp/provider";
import { problems, warnings } from "../../helpers/check";
import { GCP, map, oneGrant } from "../../helpers/maps";
import { TokenOptions, gitlabToken } from "../../helpers/tokens";

const SECTIONS = { gcp: GCP };
const POOL = "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/gitlab/group/";
const patternSelector = (pattern: string) => `pattern:${createHash("sha256").update(pattern).digest("hex").slice(0, 12)}`;

function gcpPlan(raw: Record<string, unknown>) {
    const plan = planMap(raw);
    assert.ok(plan.gcp);
    return plan;
}

describe("GCP plan", () => {
    const raw = map(
        {
            "platform/api": {
                id: 42,
                grants: {
                    deploy: { ref: "main", environment: "production", gcp: { roles: ["roles/storage.objectAdmin"] } },
                    release: { ref: "v*", refType: "tag", gcp: {} },
                    review: { ref: "*", protected: false, gcp: {} },
                },
            },
            "platform/web": { id: 57, grants: { deploy: { ref: ["main", "release/*"], environment: "production", gcp: { roles: ["roles/run.developer"] } } } },
        },
        SECTIONS,
    );
    const plan = gcpPlan(raw);
    const provider = plan.gcp!.providers[0]!;

    describe("pool and provider", () => {
        it("pool and provider, both protected; issuer and audience exact", () => {
            assert.deepEqual(plan.gcp!.pools, [
                {
                    resource: { type: "gcp:iam/workloadIdentityPool:WorkloadIdentityPool", name: "pool", protect: true, aliases: ["gitlab"] },
                    workloadIdentityPoolId: "gitlab",
                    project: "acme-ci",
                    displayName: "GitLab CI",
                    description: "GitLab CI ID tokens from https://gitlab.example.com (managed by gitlab-federation)",
                },
            ]);
            assert.deepEqual(provider.resource, { type: "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider", name: "provider", protect: true, aliases: ["gitlab-example-com"] });
            assert.deepEqual(provider.oidc, {
                issuerUri: "https://gitlab.example.com",
                allowedAudiences: ["https://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com"],
            });
            assert.equal(plan.gcp!.providerResourceName, "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com");
        });

        it("the condition admits only the map's projects, by id", () => {
            assert.equal(provider.attributeCondition, "assertion.project_id in ['42', '57']");
        });

        it("the mapping: subject from ids, gates in google.groups, string claims only", () => {
            const any = patternSelector("*");
            const r = patternSelector("release/*");
            const v = patternSelector("v*");
            const selectors = `(['ref:' + assertion.ref] + [['${any}', '^.*$'], ['${r}', '^release/.*$'], ['${v}', '^v.*$']].filter(p, assertion.ref.matches(p[1])).map(p, p[0]))`;
            const base = "assertion.project_id + ':' + assertion.ref_type + ':' + (assertion.ref_protected == 'true' ? 'protected' : 'unprotected') + ':' + s";
            assert.deepEqual(provider.attributeMapping, {
                "google.subject": "'project_id:' + assertion.project_id + ':job_id:' + assertion.job_id",
                "google.groups": `${selectors}.map(s, ${base}) + (has(assertion.environment) && type(assertion.environment) == string ? ${selectors}.map(s, ${base} + ':environment:' + assertion.environment) : [])`,
                "attribute.project_id": "assertion.project_id",
                "attribute.ref_type": "assertion.ref_type",
                "attribute.ref_protected": "assertion.ref_protected",
            });
            assert.deepEqual(attributeMappingProblems(provider.attributeMapping), []);
        });

        it("without environments or patterns the mapping stays minimal", () => {
            const simple = gcpPlan(oneGrant({ ref: "main", gcp: {} }, { sections: SECTIONS })).gcp!.providers[0]!;
            assert.equal(
                simple.attributeMapping["google.groups"],
                "['ref:' + assertion.ref].map(s, assertion.project_id + ':' + assertion.ref_type + ':' + (assertion.ref_protected == 'true' ? 'protected' : 'unprotected') + ':' + s)",
            );
        });
    });

    describe("service accounts and bindings", () => {
        it("one account per grant; workloadIdentityUser on that account for the grant's principalSets; roles on the project", () => {
            assert.deepEqual(
                plan.gcp!.serviceAccounts.map((a) => [a.resource.name, a.accountId, a.project, a.displayName]),
                [
                    ["42/deploy", "gl-platform-api--deploy", "acme-ci", "GitLab CI platform/api deploy"],
                    ["42/release", "gl-platform-api--release", "acme-ci", "GitLab CI platform/api release"],
                    ["42/review", "gl-platform-api--review", "acme-ci", "GitLab CI platform/api review"],
                    ["57/deploy", "gl-platform-web--deploy", "acme-ci", "GitLab CI platform/web deploy"],
                ],
            );
            const account = (id: string) => `projects/acme-ci/serviceAccounts/${id}@acme-ci.iam.gserviceaccount.com`;
            assert.deepEqual(
                plan.gcp!.iamMembers.map((m) => ("serviceAccountId" in m ? [m.serviceAccountId, m.role, m.member] : ["project" in m ? m.project : "?", m.role, m.member])),
                [
                    [account("gl-platform-api--deploy"), "roles/iam.workloadIdentityUser", `${POOL}42:branch:protected:ref:main:environment:production`],
                    ["acme-ci", "roles/storage.objectAdmin", "serviceAccount:gl-platform-api--deploy@acme-ci.iam.gserviceaccount.com"],
                    [account("gl-platform-api--release"), "roles/iam.workloadIdentityUser", `${POOL}42:tag:protected:${patternSelector("v*")}`],
                    [account("gl-platform-api--review"), "roles/iam.workloadIdentityUser", `${POOL}42:branch:protected:${patternSelector("*")}`],
                    [account("gl-platform-api--review"), "roles/iam.workloadIdentityUser", `${POOL}42:branch:unprotected:${patternSelector("*")}`],
                    [account("gl-platform-web--deploy"), "roles/iam.workloadIdentityUser", `${POOL}57:branch:protected:ref:main:environment:production`],
                    [account("gl-platform-web--deploy"), "roles/iam.workloadIdentityUser", `${POOL}57:branch:protected:${patternSelector("release/*")}:environment:production`],
                    ["acme-ci", "roles/run.developer", "serviceAccount:gl-platform-web--deploy@acme-ci.iam.gserviceaccount.com"],
                ],
            );
            assert.ok(plan.gcp!.iamMembers.every((m) => !m.member.includes("*")), "no wildcard reaches a principal identifier");
        });

        it("GCP checks every condition of a grant", () => {
            assert.deepEqual(
                plan.grants.map((g) => [g.project, g.grant, g.gcp!.enforcement]),
                [
                    ["platform/api", "deploy", { enforced: ["audience", "projectId", "ref", "refType", "protected", "environment"], notEnforced: [] }],
                    ["platform/api", "release", { enforced: ["audience", "projectId", "ref", "refType", "protected"], notEnforced: [] }],
                    ["platform/api", "review", { enforced: ["audience", "projectId", "ref", "refType"], notEnforced: [] }],
                    ["platform/web", "deploy", { enforced: ["audience", "projectId", "ref", "refType", "protected", "environment"], notEnforced: [] }],
                ],
            );
        });
    });

    describe("which principalSet a token lands in (CEL evaluated with @bufbuild/cel)", () => {
        const landsIn = (options: TokenOptions) => {
            const exchange = gcpExchange(provider, gitlabToken({ aud: plan.gcp!.audience, ...options }));
            return plan.grants.filter((g) => g.gcp!.members.some((m) => exchange.groups.includes(m.slice(POOL.length)))).map((g) => `${g.project}/${g.grant}`);
        };
        const cases: [string, TokenOptions, string[]][] = [
            ["deploy job on protected main", { environment: "production" }, ["platform/api/deploy", "platform/api/review"]],
            ["job without environment on protected main", {}, ["platform/api/review"]],
            ["deploy job on main that is not protected", { protected: false, environment: "production" }, ["platform/api/review"]],
            ["another environment", { environment: "staging" }, ["platform/api/review"]],
            ["protected tag v1.2.0", { ref: "v1.2.0", refType: "tag" }, ["platform/api/release"]],
            ["unprotected tag v1.2.0", { ref: "v1.2.0", refType: "tag", protected: false }, []],
            ["a branch named v1.2.0 (wrong ref type)", { ref: "v1.2.0" }, ["platform/api/review"]],
            ["unprotected feature branch", { ref: "feature/x", protected: false }, ["platform/api/review"]],
            ["web: protected release branch with environment", { projectId: "57", projectPath: "platform/web", ref: "release/2.0", environment: "production" }, ["platform/web/deploy"]],
            ["web: a branch named release", { projectId: "57", projectPath: "platform/web", ref: "release", environment: "production" }, []],
            ["web: hotfix/release/2.0", { projectId: "57", projectPath: "platform/web", ref: "hotfix/release/2.0", environment: "production" }, []],
            ["MR from a fork (the fork's project id)", { projectId: "99", projectPath: "alice/api", protected: false, pipelineSource: "merge_request_event" }, []],
            ["a path that extends the project's path, another id", { projectId: "43", projectPath: "platform/api-evil", environment: "production" }, []],
        ];
        for (const [what, options, grants] of cases) {
            it(what, () => assert.deepEqual(landsIn(options), grants));
        }

        it("a ref spelled exactly like a pattern's selector does not get the pattern's grant", () => {
            // "pattern:<hash>" cannot be a Git ref (no ":"), and even as a claim its gate is "ref:pattern:<hash>".
            assert.deepEqual(landsIn({ ref: patternSelector("v*"), refType: "tag" }), []);
            const exchange = gcpExchange(provider, gitlabToken({ ref: "main", refType: "tag", protected: true }));
            assert.ok(exchange.groups.every((g) => /^42:tag:protected:(ref:main|pattern:[0-9a-f]{12})$/.test(g)), exchange.groups.join(" "));
        });

        it("tokens of projects outside the map are refused by the condition", () => {
            assert.deepEqual(gcpExchange(provider, gitlabToken({ projectId: "99" })), { accepted: false, groups: [], reasons: ["the attribute condition is false for this token: assertion.project_id in ['42', '57']"] });
        });

        it("the subject is built from ids, far below 127 bytes", () => {
            const exchange = gcpExchange(provider, { ...gitlabToken({ ref: `feature/${"x".repeat(240)}` }), project_id: "9".repeat(20), job_id: "9".repeat(20) });
            assert.equal(exchange.accepted, false); // project not in the map, but the mapping evaluated:
            const own = gcpExchange(provider, gitlabToken({ ref: `feature/${"x".repeat(240)}`, protected: false }));
            assert.equal(own.subject, "project_id:42:job_id:987654321");
            assert.ok(`project_id:${"9".repeat(20)}:job_id:${"9".repeat(20)}`.length <= LIMITS.subjectBytes);
        });

        it("fails closed: a token without ref_protected is refused", () => {
            const claims = gitlabToken({ environment: "production" });
            delete claims.ref_protected;
            const exchange = gcpExchange(provider, claims);
            assert.equal(exchange.accepted, false);
            assert.match(exchange.reasons.join(" "), /ref_protected/);
        });

        it("fails closed: a token without project_id is refused", () => {
            const claims = gitlabToken();
            delete claims.project_id;
            assert.equal(gcpExchange(provider, claims).accepted, false);
        });

        it("an environment claim that is null gets no environment gates", () => {
            const exchange = gcpExchange(provider, { ...gitlabToken(), environment: null });
            assert.equal(exchange.accepted, true);
            assert.ok(exchange.groups.every((g) => !g.includes(":environment:")));
        });
    });

    describe("limits", () => {
        it("service accounts per project: the quota passes, one more fails; 80% of it is a warning", () => {
            const many = (n: number, quota?: number) =>
                map(
                    Object.fromEntries(Array.from({ length: n }, (_, i) => [`group/p${i}`, { id: 1000 + i, grants: { ci: { ref: "main", gcp: {} } } }])),
                    { ...SECTIONS, gcp: { ...(SECTIONS as Record<string, any>).gcp, ...(quota !== undefined ? { quotas: { serviceAccounts: quota } } : {}) } },
                );
            assert.deepEqual(problems(many(100)), []);
            assert.deepEqual(problems(many(101)), [
                "gitlab-federation:gcp.quotas.serviceAccounts: the map plans 101 service accounts in project acme-ci, above its quota of 100 (accounts outside this stack count too): request a quota increase and set gcp.quotas.serviceAccounts, or move some projects' GCP grants to a stack with its own GCP project",
            ]);
            assert.deepEqual(problems(many(101, 101)), []);
            assert.ok(warnings(many(81)).includes("gitlab-federation:gcp.quotas.serviceAccounts: the map plans 81 service accounts in project acme-ci, more than 80% of its quota of 100"));
            assert.ok(!warnings(many(80)).some((w) => w.includes("quotas")));
            // A first apply of 301 accounts and their 301 bindings goes past ten minutes of GCP's workload identity write rate.
            const rate = (n: number) => warnings(many(n, n)).filter((w) => w.startsWith("gitlab-federation:gcp: a first pulumi up"));
            assert.deepEqual(rate(300), []);
            assert.deepEqual(rate(301), [
                "gitlab-federation:gcp: a first pulumi up writes 301 service accounts and 301 IAM bindings to acme-ci; GCP rate-limits IAM writes per project and minute (workload identity resources: 60 per minute), so expect a slow first apply with retried throttling errors, or apply in steps (shards)",
            ]);
        });

        it("the condition: 4096 characters pass, 4097 fail", () => {
            const ids = (n: number, wide = false) => Array.from({ length: n }, (_, i) => String((wide && i === n - 1 ? 10000 : 1000) + i));
            assert.equal(attributeCondition(ids(509)).length, 4096);
            assert.equal(attributeCondition(ids(509, true)).length, 4097);
            // (a quota raised for the 509 service accounts: the provider's condition is the limit under test)
            const sections = { ...SECTIONS, gcp: { ...(SECTIONS as Record<string, any>).gcp, quotas: { serviceAccounts: 1000 } } };
            const projects = (list: string[]) => map(Object.fromEntries(list.map((id) => [`group/p${id}`, { id: Number(id), grants: { ci: { ref: "main", gcp: {} } } }])), sections);
            assert.deepEqual(problems(projects(ids(509))), []);
            assert.deepEqual(problems(projects(ids(509, true))), [
                "gitlab-federation:gcp: 509 projects have GCP grants; the attribute condition that admits them is 4097 characters, above GCP's limit of 4096 for one provider: move some projects to a stack with its own provider (gcp.providerId)",
            ]);
        });

        it("ref patterns: as many as fit in 2048 characters pass, one more fails", () => {
            const patterns = (n: number) => Array.from({ length: n }, (_, i) => `p${i}/*`).sort();
            let fit = 0;
            while (groupsExpression(patterns(fit + 1), undefined).length <= LIMITS.mappingExpression) {
                fit++;
            }
            const withPatterns = (n: number) => oneGrant({ ref: patterns(n), gcp: {} }, { sections: SECTIONS });
            assert.deepEqual(problems(withPatterns(fit)), []);
            const lines = problems(withPatterns(fit + 1));
            assert.equal(lines.length, 2);
            assert.match(lines[0]!, new RegExp(`^gitlab-federation:gcp: the GCP grants use ${fit + 1} distinct ref patterns \\(p0/\\*, .*\\); the google.groups mapping that checks them is \\d+ characters, above GCP's limit of 2048 for one provider: use fewer distinct patterns`));
            assert.match(lines[1]!, /^gitlab-federation:gcp: the attribute mapping the expression for google.groups is \d+ characters; GCP allows at most 2048$/);
        });

        it("custom attributes: 50 pass, 51 fail; names [a-z0-9_]", () => {
            const attributes = (n: number) => ({ "google.subject": "assertion.sub", ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`attribute.a${i}`, "assertion.sub"])) });
            assert.deepEqual(attributeMappingProblems(attributes(50)), []);
            assert.deepEqual(attributeMappingProblems(attributes(51)), ["maps 51 custom attributes; GCP allows at most 50"]);
            assert.deepEqual(attributeMappingProblems({ "google.subject": "x", "attribute.Ref-Name": "x" }), ['custom attribute name "Ref-Name" must be 1-100 characters of [a-z0-9_]']);
            assert.deepEqual(attributeMappingProblems({ "attribute.x": "x" }), ["must map google.subject"]);
        });

        it("mapped bytes: warns when long refs matching many patterns would exceed 8 KB", () => {
            assert.equal(mappedBytes(0, undefined, 4, 0) < LIMITS.mappedBytes, true);
            const many = oneGrant({ ref: Array.from({ length: 12 }, (_, i) => `p${i}/*`), environment: "production", gcp: {} }, { sections: SECTIONS });
            const warning = warnings(many).find((w) => w.startsWith("gitlab-federation:gcp: "));
            assert.match(warning ?? "", /^gitlab-federation:gcp: with 12 ref patterns, a token whose ref matches all of them maps up to \d+ bytes of attributes, above GCP's 8192: such a job's token exchange is refused \(fails closed\)\. Refs up to \d+ characters stay within the limit$/);
        });

        it("service account IDs: derived IDs collide with a clear message; explicit IDs are checked", () => {
            const raw = map(
                {
                    "a/b.c": { id: 1, grants: { ci: { ref: "main", gcp: {} } } },
                    "a/b_c": { id: 2, grants: { ci: { ref: "main", gcp: {} } } },
                },
                SECTIONS,
            );
            assert.deepEqual(problems(raw), [
                'gitlab-federation:projects["a/b_c"].grants.ci.gcp: service account ID "gl-a-b-c--ci" is also the ID of gitlab-federation:projects["a/b.c"].grants.ci (derived IDs lowercase the path and turn "/", "." and "_" into "-"): set gcp.accountId on one of them',
            ]);
            assert.deepEqual(problems(oneGrant({ ref: "main", gcp: { accountId: "short" } }, { sections: SECTIONS })), [
                'gitlab-federation:projects["platform/api"].grants.deploy.gcp.accountId: must be 6-30 lowercase letters, digits and "-", starting with a letter and not ending with "-" (got "short", 5 characters)',
            ]);
        });

        it("pool IDs and the project number are checked", () => {
            assert.deepEqual(problems(oneGrant({ ref: "main", gcp: {} }, { sections: { gcp: { ...GCP, poolId: "gcp-gitlab", projectNumber: "acme" } } })), [
                'gitlab-federation:gcp.poolId: must not start with "gcp-", which Google reserves (got "gcp-gitlab")',
                'gitlab-federation:gcp.projectNumber: must be the numeric GCP project number, e.g. "123456789012", got "acme"',
            ]);
        });
    });

    describe("guardrails", () => {
        it("privileged roles need allowBroad", () => {
            assert.deepEqual(problems(oneGrant({ ref: "main", gcp: { roles: ["roles/owner", "roles/iam.serviceAccountTokenCreator"] } }, { sections: SECTIONS })), [
                'gitlab-federation:projects["platform/api"].grants.deploy.gcp.roles[0]: "roles/owner" on the whole project makes any pipeline that matches this grant an administrator or lets it act as other service accounts: grant a narrower role, or set gcp.allowBroad with a reason',
                'gitlab-federation:projects["platform/api"].grants.deploy.gcp.roles[1]: "roles/iam.serviceAccountTokenCreator" on the whole project makes any pipeline that matches this grant an administrator or lets it act as other service accounts: grant a narrower role, or set gcp.allowBroad with a reason',
            ]);
            assert.deepEqual(problems(oneGrant({ ref: "main", gcp: { roles: ["roles/editor"], allowBroad: "sandbox project that CI owns entirely" } }, { sections: SECTIONS })), []);
        });

        it("never binds workloadIdentityUser project-wide", () => {
            assert.ok(plan.gcp!.iamMembers.every((m) => m.role !== "roles/iam.workloadIdentityUser" || "serviceAccountId" in m));
        });
    });
});
