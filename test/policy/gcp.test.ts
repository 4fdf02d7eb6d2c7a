import { strict as assert } from "node:assert";
import fc from "fast-check";
import { celFacts } from "../../policy/lib/cel";
import { uniquePerRef } from "../../policy/lib/gcp";
import { verdict } from "./helpers";

const PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider";
const MAPPING = { "google.subject": "assertion.sub", "attribute.project_id": "assertion.project_id", "attribute.ref": "assertion.ref + ''" };
const EXAMPLE = `"assertion.project_id in ['42', '57']"`;
const SCOPE = { notApplicable: "applies to workload identity pool providers (OIDC) for a GitLab issuer" };

function provider(condition: string | undefined, options: { issuer?: string; mapping?: Record<string, string> } = {}): Record<string, unknown> {
    return {
        workloadIdentityPoolId: "gitlab",
        workloadIdentityPoolProviderId: "gitlab-com",
        attributeMapping: options.mapping ?? MAPPING,
        ...(condition === undefined ? {} : { attributeCondition: condition }),
        oidc: { issuerUri: options.issuer ?? "https://gitlab.com" },
    };
}

/** The claims an expression reads and binds, sorted, or its error. */
function facts(expression: string, mapping: Record<string, string> = MAPPING): { claims: string[]; readsToken: boolean; bound: string[] } | { error: string } {
    const f = celFacts(expression, mapping);
    return "error" in f ? f : { claims: [...f.claims].sort(), readsToken: f.readsToken, bound: [...f.bound].sort() };
}

describe("policy pack: GCP workload identity for GitLab", () => {
    describe("what a CEL expression reads and binds", () => {
        it("bound: == and in with literal strings, through && and ||, ternaries and exact attributes", () => {
            assert.deepEqual(facts("assertion.project_id == '42'"), { claims: ["project_id"], readsToken: true, bound: ["project_id"] });
            assert.deepEqual(facts("'42' == assertion['project_id']"), { claims: ["project_id"], readsToken: true, bound: ["project_id"] });
            assert.deepEqual(facts("assertion.project_id in ['7', '42'] && assertion.ref_protected == 'true'"), { claims: ["project_id", "ref_protected"], readsToken: true, bound: ["project_id", "ref_protected"] });
            assert.deepEqual(facts("attribute.project_id in ['42']"), { claims: ["project_id"], readsToken: true, bound: ["project_id"] });
            assert.deepEqual(facts("assertion.project_id == '1' || assertion.project_id == '2'"), { claims: ["project_id"], readsToken: true, bound: ["project_id"] });
            assert.deepEqual(facts("assertion.ref == 'main' ? assertion.project_id == '1' : false"), { claims: ["project_id", "ref"], readsToken: true, bound: ["project_id", "ref"] });
            assert.deepEqual(facts("has(assertion.environment) ? assertion.project_id == '1' : assertion.project_id in ['2']"), { claims: ["environment", "project_id"], readsToken: true, bound: ["project_id"] });
        });

        it("not bound: negation, !=, one side of ||, functions, non-literals, empty lists, mapped expressions", () => {
            assert.deepEqual(facts("assertion.project_id != '1'"), { claims: ["project_id"], readsToken: true, bound: [] });
            assert.deepEqual(facts("!(assertion.project_id == '1')"), { claims: ["project_id"], readsToken: true, bound: [] });
            assert.deepEqual(facts("assertion.project_id == '1' || assertion.ref == 'main'"), { claims: ["project_id", "ref"], readsToken: true, bound: [] });
            assert.deepEqual(facts("assertion.project_path.startsWith('platform/')"), { claims: ["project_path"], readsToken: true, bound: [] });
            assert.deepEqual(facts("assertion.project_id == assertion.namespace_id"), { claims: ["namespace_id", "project_id"], readsToken: true, bound: [] });
            assert.deepEqual(facts("assertion.project_id in []"), { claims: ["project_id"], readsToken: true, bound: [] });
            assert.deepEqual(facts("assertion.project_id in ['1', '']"), { claims: ["project_id"], readsToken: true, bound: [] });
            assert.deepEqual(facts("assertion.project_id == ''"), { claims: ["project_id"], readsToken: true, bound: [] });
            assert.deepEqual(facts("attribute.ref == 'main'"), { claims: ["ref"], readsToken: true, bound: [] });
            assert.deepEqual(facts("['1'].exists(p, assertion.project_id == p)"), { claims: ["project_id"], readsToken: true, bound: [] });
        });

        it("reading the token, or not; a parse error", () => {
            assert.deepEqual(facts("true"), { claims: [], readsToken: false, bound: [] });
            assert.deepEqual(facts("google.subject != ''"), { claims: ["sub"], readsToken: true, bound: [] });
            assert.deepEqual(facts("attribute.unmapped == 'x'"), { claims: [], readsToken: true, bound: [] });
            assert.deepEqual(facts("assertion.project_id =="), { error: "<input>:1:22: found = but expecting end of input" });
        });

        it("property: a list of project ids joined with any other condition by && binds project_id", () => {
            fc.assert(
                fc.property(fc.array(fc.stringMatching(/^[1-9][0-9]{0,7}$/), { minLength: 1, maxLength: 5 }), fc.constantFrom("true", "assertion.ref == 'main'", "assertion.ref_protected != 'false'", "!has(assertion.environment)"), (ids, other) => {
                    const list = `[${ids.map((id) => `'${id}'`).join(", ")}]`;
                    for (const expression of [`assertion.project_id in ${list} && ${other}`, `${other} && assertion.project_id in ${list}`]) {
                        const f = celFacts(expression, {});
                        assert.ok(!("error" in f) && f.bound.has("project_id"), expression);
                    }
                    const either = celFacts(`assertion.project_id in ${list} || ${other}`, {});
                    assert.ok(!("error" in either) && !either.bound.has("project_id"));
                }),
            );
        });
    });

    describe("which providers the rules read", () => {
        it("a GitLab issuer (gitlab.com by default, or configured), or a mapping or condition that reads GitLab-only claims", () => {
            const name = "gcp-gitlab-provider-condition";
            const github = { "google.subject": "assertion.sub", "attribute.repository": "assertion.repository" };
            assert.deepEqual(verdict(name, PROVIDER, provider(undefined, { issuer: "https://token.actions.githubusercontent.com", mapping: github })), SCOPE);
            assert.deepEqual(verdict(name, PROVIDER, provider(undefined, { issuer: "https://gitlab.example.com", mapping: { "google.subject": "assertion.sub" } })), SCOPE);
            // Claims other CI issuers also use do not say GitLab (Buildkite's tokens carry a job_id).
            assert.deepEqual(verdict(name, PROVIDER, provider(undefined, { issuer: "https://agent.buildkite.com", mapping: { "google.subject": "assertion.job_id", "attribute.ref": "assertion.ref" } })), SCOPE);
            const missing = (issuer: string) => [`has no attributeCondition: Google accepts every token ${issuer} signs; set one that names your projects, e.g. ${EXAMPLE}`];
            assert.deepEqual(verdict(name, PROVIDER, provider(undefined, { issuer: "https://gitlab.example.com/", mapping: { "google.subject": "assertion.sub" } }), { gitlabUrls: ["https://gitlab.example.com"] }), missing("https://gitlab.example.com/"));
            assert.deepEqual(verdict(name, PROVIDER, provider(undefined, { issuer: "https://gitlab.example.com" })), missing("https://gitlab.example.com"));
            assert.deepEqual(verdict(name, PROVIDER, { workloadIdentityPoolId: "p", aws: { accountId: "1" } }), SCOPE);
            assert.deepEqual(verdict(name, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool", provider(undefined)), { notApplicable: `applies to ${PROVIDER}` });
        });
    });

    describe("gcp-gitlab-provider-condition", () => {
        const name = "gcp-gitlab-provider-condition";
        it("refuses a missing, empty, unparseable or claim-less condition; accepts one that reads a claim", () => {
            const none = [`has no attributeCondition: Google accepts every token https://gitlab.com signs (on gitlab.com: anyone's); set one that names your projects, e.g. ${EXAMPLE}`];
            assert.deepEqual(verdict(name, PROVIDER, provider(undefined)), none);
            assert.deepEqual(verdict(name, PROVIDER, provider(" ")), none);
            assert.deepEqual(verdict(name, PROVIDER, provider("assertion.project_id ==")), [
                `attributeCondition "assertion.project_id ==" is not valid CEL (<input>:1:22: found = but expecting end of input); set one that names your projects, e.g. ${EXAMPLE}`,
            ]);
            for (const condition of ["true", "1 == 1"]) {
                assert.deepEqual(verdict(name, PROVIDER, provider(condition)), [
                    `attributeCondition ${JSON.stringify(condition)} reads no claim (assertion.*, attribute.*, google.*): it is the same for every token, so it admits every token https://gitlab.com signs or none; name your projects, e.g. ${EXAMPLE}`,
                ]);
            }
            assert.deepEqual(verdict(name, PROVIDER, provider("assertion.namespace_id == '7'")), []);
        });
    });

    describe("gcp-gitlab-provider-project", () => {
        const name = "gcp-gitlab-provider-project";
        const unbound = (condition: string, claims = "assertion.project_id or assertion.project_path") =>
            `attributeCondition ${JSON.stringify(condition)} does not require a project: no part of it that must hold compares ${claims} with literal strings (== or in [...]); add one, e.g. "assertion.project_id in ['42', '57'] && (${condition})"`;

        it("refuses a condition that does not bind project_id or project_path", () => {
            assert.deepEqual(verdict(name, PROVIDER, provider(undefined)), [
                `has no attributeCondition: Google accepts every token https://gitlab.com signs (on gitlab.com: anyone's), so it requires no project: require assertion.project_id or assertion.project_path to be one of your projects, e.g. ${EXAMPLE}`,
            ]);
            for (const condition of ["true", "assertion.namespace_id == '7'", "assertion.project_id != '1'", "assertion.project_id == '1' || assertion.ref == 'main'", "assertion.project_path.startsWith('platform/')"]) {
                assert.deepEqual(verdict(name, PROVIDER, provider(condition)), [unbound(condition)], condition);
            }
        });

        it("accepts a bound project id or path; projectClaims narrows or widens what counts", () => {
            assert.deepEqual(verdict(name, PROVIDER, provider("assertion.project_id in ['7', '42', '57']")), []);
            assert.deepEqual(verdict(name, PROVIDER, provider("attribute.project_id == '42' && assertion.ref_protected == 'true'")), []);
            assert.deepEqual(verdict(name, PROVIDER, provider("assertion.project_path == 'platform/api'")), []);
            assert.deepEqual(verdict(name, PROVIDER, provider("assertion.project_path == 'platform/api'"), { projectClaims: ["project_id"] }), [unbound("assertion.project_path == 'platform/api'", "assertion.project_id")]);
            assert.deepEqual(verdict(name, PROVIDER, provider("assertion.namespace_id == '7'"), { projectClaims: ["project_id", "namespace_id"] }), []);
        });
    });

    describe("gcp-gitlab-provider-subject", () => {
        const name = "gcp-gitlab-provider-subject";
        const withSubject = (subject: string) => provider("assertion.project_id == '42'", { mapping: { "google.subject": subject } });

        it("which claims tell every ref (or job) apart", () => {
            assert.equal(uniquePerRef(new Set(["sub"])), true);
            assert.equal(uniquePerRef(new Set(["project_id", "job_id"])), true);
            assert.equal(uniquePerRef(new Set(["project_id", "ref", "ref_type"])), true);
            assert.equal(uniquePerRef(new Set(["project_path", "ref_path"])), true);
            assert.equal(uniquePerRef(new Set(["project_id", "ref"])), false);
            assert.equal(uniquePerRef(new Set(["ref", "ref_type"])), false);
            assert.equal(uniquePerRef(new Set(["project_path"])), false);
        });

        it("refuses a subject shared by several refs; accepts sub, project and ref, or a job id", () => {
            for (const [subject, used] of [
                ["assertion.project_path", "project_path"],
                ["assertion.project_id + ':' + assertion.ref", "project_id, ref"],
                ["'ci'", "no claim"],
            ] as const) {
                assert.deepEqual(verdict(name, PROVIDER, withSubject(subject)), [
                    `attributeMapping google.subject ${JSON.stringify(subject)} can be equal for tokens of different refs (it reads ${used}; a value unique per ref needs sub, job_id, or the project with ref_path or with ref and ref_type): a principal://…/subject/<value> binding then admits every branch and tag of the project (any developer's push), and audit logs cannot tell the jobs apart; map it from assertion.sub, from project and ref ("assertion.project_id + ':' + assertion.ref_type + ':' + assertion.ref"), or per job ("'project_id:' + assertion.project_id + ':job_id:' + assertion.job_id")`,
                ]);
            }
            for (const subject of ["assertion.sub", "assertion.project_id + ':' + assertion.ref_type + ':' + assertion.ref", "'project_id:' + assertion.project_id + ':job_id:' + assertion.job_id"]) {
                assert.deepEqual(verdict(name, PROVIDER, withSubject(subject)), [], subject);
            }
        });
    });

    describe("gcp-workload-pool-wide-grant", () => {
        const name = "gcp-workload-pool-wide-grant";
        const POOL = "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/gitlab";
        const refused = (where: string, role: string) =>
            `${where} grants ${role} to ${POOL}/*, every identity of pool gitlab: every token any provider of the pool admits (any project the provider's condition lets in) gets it; grant it to one project's or ref's principal set instead (e.g. principalSet://iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/gitlab/attribute.project_id/<id>), or list ${role} in allowedRoles`;

        it("refuses a member, binding or policy that grants a role to the whole pool", () => {
            assert.deepEqual(verdict(name, "gcp:serviceaccount/iAMMember:IAMMember", { serviceAccountId: "projects/p/serviceAccounts/a@p.iam.gserviceaccount.com", role: "roles/iam.workloadIdentityUser", member: `${POOL}/*` }), [
                refused("member", "roles/iam.workloadIdentityUser"),
            ]);
            assert.deepEqual(verdict(name, "gcp:serviceaccount/iAMBinding:IAMBinding", { role: "roles/iam.workloadIdentityUser", members: ["user:a@example.com", `${POOL}/*`] }), [refused("members[1]", "roles/iam.workloadIdentityUser")]);
            assert.deepEqual(verdict(name, "gcp:projects/iAMMember:IAMMember", { project: "p", role: "roles/storage.admin", member: `${POOL}/*` }), [refused("member", "roles/storage.admin")]);
            assert.deepEqual(verdict(name, "gcp:storage/bucketIAMMember:BucketIAMMember", { bucket: "b", role: "roles/storage.objectViewer", member: `${POOL}/*` }), [refused("member", "roles/storage.objectViewer")]);
            const policyData = JSON.stringify({ bindings: [{ role: "roles/viewer", members: ["user:a@example.com"] }, { role: "roles/iam.workloadIdentityUser", members: [`${POOL}/*`] }] });
            assert.deepEqual(verdict(name, "gcp:serviceaccount/iAMPolicy:IAMPolicy", { policyData }), [refused("policyData bindings[1].members[0]", "roles/iam.workloadIdentityUser")]);
        });

        it("accepts principal sets narrower than the pool, and roles listed in allowedRoles; other grants are not applicable", () => {
            for (const member of [`${POOL}/group/42:branch:protected:ref:main`, `${POOL}/attribute.project_id/42`, "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gitlab/subject/x"]) {
                assert.deepEqual(verdict(name, "gcp:serviceaccount/iAMMember:IAMMember", { role: "roles/iam.workloadIdentityUser", member }), [], member);
            }
            assert.deepEqual(verdict(name, "gcp:projects/iAMMember:IAMMember", { role: "roles/logging.viewer", member: `${POOL}/*` }, { allowedRoles: ["roles/logging.viewer"] }), []);
            const scope = { notApplicable: "applies to IAM grants to workload identity federation principals" };
            assert.deepEqual(verdict(name, "gcp:projects/iAMMember:IAMMember", { role: "roles/viewer", member: "user:a@example.com" }), scope);
            assert.deepEqual(verdict(name, "gcp:serviceaccount/iAMPolicy:IAMPolicy", { policyData: "{" }), scope);
            assert.deepEqual(verdict(name, "gcp:serviceaccount/account:Account", { accountId: "a" }), {
                notApplicable: "applies to GCP IAM member, binding and policy resources (gcp:*:*IAMMember, *IamBinding, *IamPolicy, ...)",
            });
        });
    });
});
