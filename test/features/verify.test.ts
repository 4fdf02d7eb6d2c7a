/**
 * verify's judge: the committed dev map's plan against GitLab facts given directly (no I/O), with
 * the exact findings each broken guarantee gives; GitLab's rule matching as RefMatcher does it.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { planMap } from "../../src/features";
import { AZURE_TESTKIT } from "../components/azure/testkit";
import { Fetched, ProjectFacts, judge, needs, ruleMatches } from "../../src/features/verify";
import { branchRule, environmentRule, tagRule } from "../helpers/fake-gitlab";
import { devMap } from "../helpers/maps";

const PLAN = planMap(devMap());
const DEFAULT_SUB = ["project_path", "ref_type", "ref"];
const ok = <T>(value: T): Fetched<T> => ({ value });
const project = (id: number, path: string, extra: Record<string, unknown> = {}) =>
    ok({ id, path_with_namespace: path, visibility: "private", ci_allow_fork_pipelines_to_run_in_parent_project: false, ci_id_token_sub_claim_components: DEFAULT_SUB, ...extra });
const branches = (...rules: Record<string, unknown>[]) => ok(rules.map((r) => ({ ...(r as { name: string }), push_access_levels: r.push_access_levels as [], merge_access_levels: r.merge_access_levels as [], allow_force_push: r.allow_force_push as boolean })));
const tags = (...rules: Record<string, unknown>[]) => ok(rules as { name: string; create_access_levels: [] }[]);
const environments = (...rules: Record<string, unknown>[]) => ok(rules as { name: string; deploy_access_levels: [] }[]);

/** What a GitLab that keeps every guarantee of the dev map says. */
function good(): Map<string, ProjectFacts> {
    return new Map<string, ProjectFacts>([
        ["7", { project: project(7, "platform/gitlab-federation"), branches: branches(branchRule("main")), environments: environments(environmentRule("federation-dev")) }],
        ["42", { project: project(42, "platform/api"), branches: branches(branchRule("main")), tags: tags(tagRule("v*")), environments: environments(environmentRule("production")) }],
        ["57", { project: project(57, "platform/web"), branches: branches(branchRule("main"), branchRule("release/*")), environments: environments(environmentRule("production")) }],
    ]);
}

function withFacts(id: string, change: Partial<ProjectFacts>): Map<string, ProjectFacts> {
    const facts = good();
    facts.set(id, { ...facts.get(id)!, ...change });
    return facts;
}

const lines = (facts: Map<string, ProjectFacts>) => judge(PLAN, facts).map((f) => `${f.check} ${f.path}: ${f.message}`);

describe("verify: the judge", () => {
    it("what it reads of each project: the project; protected branches or tags where a protected grant needs them; environments a target checks", () => {
        assert.deepEqual(
            needs(PLAN).map((n) => ({ project: n.project, id: n.projectId, at: n.at, grants: n.grants.map((g) => g.grant), branches: n.branches, tags: n.tags, environments: n.environments })),
            [
                { project: "platform/api", id: "42", at: ["projects", "platform/api", "id"], grants: ["deploy", "release", "review"], branches: true, tags: true, environments: true },
                { project: "platform/gitlab-federation", id: "7", at: ["deployer", "id"], grants: ["applier", "planner"], branches: true, tags: false, environments: true },
                { project: "platform/web", id: "57", at: ["projects", "platform/web", "id"], grants: ["deploy"], branches: true, tags: false, environments: true },
            ],
        );
    });

    it("a GitLab that keeps every guarantee: no findings", () => {
        assert.deepEqual(judge(PLAN, good()), []);
    });

    it("a project GitLab does not show: one finding, nothing else read of it", () => {
        assert.deepEqual(lines(withFacts("42", { project: { missing: { status: 404, message: "404 Project Not Found" } }, branches: undefined })), [
            'project gitlab-federation:projects["platform/api"].id: GitLab shows no project 42 to the token (HTTP 404: 404 Project Not Found): a deleted project, a wrong id, or a token without access; check the id in GitLab (Settings > General) and give the token\'s user the Maintainer role on the project',
        ]);
    });

    it("a renamed project: a target that trusts the path admits a new project at the old one; one that binds the id keeps working", () => {
        assert.deepEqual(lines(withFacts("42", { project: project(42, "platform/api-v2") })), [
            'path gitlab-federation:projects["platform/api"].id: project 42 is "platform/api-v2" in GitLab, not "platform/api": AWS trusts the path, so the project\'s logins there fail and a new project created at "platform/api" would be admitted; rename the key to "platform/api-v2" with renamedFrom: platform/api (its names stay)',
        ]);
        assert.deepEqual(lines(withFacts("57", { project: project(57, "web/site") })), [
            'path gitlab-federation:projects["platform/web"].id: project 57 is "web/site" in GitLab, not "platform/web": the map\'s names and secret folders follow the key; rename the key to "web/site" with renamedFrom: platform/web (its names stay)',
        ]);
        assert.deepEqual(lines(withFacts("7", { project: project(7, "ops/federation") })), [
            'path gitlab-federation:deployer.id: project 7 is "ops/federation" in GitLab, not "platform/gitlab-federation": AWS trusts the path, so the project\'s logins there fail and a new project created at "platform/gitlab-federation" would be admitted; set deployer.project to "ops/federation"',
        ]);
    });

    it("the sub claim components for Azure too: its credentials' subjects are GitLab's default sub", () => {
        const raw = devMap() as Record<string, any>;
        raw.azure = AZURE_TESTKIT.section;
        delete raw.deployer; // Azure's deployer needs its own settings; the grant is what matters here
        raw.projects["platform/web"].grants.push = { ref: "main", azure: { roles: [{ role: "AcrPush", scope: { resourceGroup: "app" } }] } };
        const plan = planMap(raw);
        const facts = withFacts("57", { project: project(57, "platform/web", { ci_id_token_sub_claim_components: ["project_path", "ref"] }) });
        assert.deepEqual(
            judge(plan, facts).filter((f) => f.check === "sub-claim").map((f) => `${f.path}: ${f.message}`),
            [
                'gitlab-federation:projects["platform/web"].id: project 57\'s ci_id_token_sub_claim_components is ["project_path","ref"], and Azure\'s trust is written for ["project_path","ref_type","ref"]: the tokens\' sub no longer matches, so Azure refuses the grants push; set it back to ["project_path","ref_type","ref"] (PUT /projects/57 with ci_id_token_sub_claim_components)',
            ],
        );
    });

    it("the sub claim components: only projects with AWS grants; a changed order, or the field hidden from a non-Maintainer", () => {
        assert.deepEqual(lines(withFacts("57", { project: project(57, "platform/web", { ci_id_token_sub_claim_components: ["project_path", "ref"] }) })), [], "platform/web has no AWS grant");
        assert.deepEqual(lines(withFacts("42", { project: project(42, "platform/api", { ci_id_token_sub_claim_components: ["project_path", "ref", "ref_type"] }) })), [
            'sub-claim gitlab-federation:projects["platform/api"].id: project 42\'s ci_id_token_sub_claim_components is ["project_path","ref","ref_type"], and AWS\'s trust is written for ["project_path","ref_type","ref"]: the tokens\' sub no longer matches, so AWS refuses the grants deploy, release; set it back to ["project_path","ref_type","ref"] (PUT /projects/42 with ci_id_token_sub_claim_components)',
        ]);
        const hidden = project(7, "platform/gitlab-federation", { ci_id_token_sub_claim_components: undefined, ci_allow_fork_pipelines_to_run_in_parent_project: undefined });
        assert.deepEqual(lines(withFacts("7", { project: hidden })), [
            'sub-claim gitlab-federation:deployer.id: GitLab does not show project 7\'s ci_id_token_sub_claim_components to the token (only to a Maintainer): AWS\'s trust is written for ["project_path","ref_type","ref"]; run verify with a token whose user is a Maintainer of the project',
        ]);
    });

    it("fork pipelines in the parent project: found where a target checks no protection (AWS), not elsewhere", () => {
        assert.deepEqual(lines(withFacts("42", { project: project(42, "platform/api", { ci_allow_fork_pipelines_to_run_in_parent_project: true, visibility: "public" }) })), [
            'fork-pipelines gitlab-federation:projects["platform/api"].id: project 42 (visibility public) lets members run fork merge-request pipelines in it (ci_allow_fork_pipelines_to_run_in_parent_project: true): a fork\'s code then runs in this project\'s pipelines, and AWS checks no protection; turn it off (Settings > CI/CD > General pipelines)',
        ]);
        assert.deepEqual(lines(withFacts("57", { project: project(57, "platform/web", { ci_allow_fork_pipelines_to_run_in_parent_project: true }) })), [], "Vault and GCP check ref_protected");
    });

    it("a protected ref no rule covers: AWS admits any pipeline (open), Vault and GCP refuse the jobs (closed)", () => {
        assert.deepEqual(lines(withFacts("42", { branches: branches(branchRule("develop")), tags: tags(tagRule("v1.*")) })), [
            'protection gitlab-federation:projects["platform/api"].grants.deploy.ref: no protected-branch rule of project 42 covers "main" (its rules: "develop"): AWS admits any pipeline on a branch "main", protected or not; Vault and GCP refuse its jobs (ref_protected is "false"); protect "main" (Settings > Repository > Protected branches: allowed to push and merge: Maintainers, force push off)',
            'protection gitlab-federation:projects["platform/api"].grants.release.ref: no protected-tag rule of project 42 covers "v*" (its rules: "v1.*"): AWS admits any pipeline on a tag "v*", protected or not; Vault refuses its jobs (ref_protected is "false"); protect "v*" (Settings > Repository > Protected tags: allowed to create: Maintainers)',
        ]);
        assert.deepEqual(lines(withFacts("57", { branches: branches(branchRule("*")) })), [], "a wildcard rule * covers main and release/*");
    });

    it("a rule that lets Developers push, merge or create, or allows force push: every rule that applies, the most permissive controlling", () => {
        const weak = withFacts("57", { branches: branches(branchRule("main"), branchRule("release/*"), branchRule("release/1.x", { push: 30, merge: 30 }), branchRule("*", { forcePush: true })) });
        assert.deepEqual(lines(weak), [
            'protection gitlab-federation:projects["platform/web"].grants.deploy.ref: the protected-branch rule "*" of project 57 allows force push: whoever may push can rewrite the history of "main", which the grant\'s Vault and GCP access trusts; allow only Maintainers to push and merge, force push off',
            'protection gitlab-federation:projects["platform/web"].grants.deploy.ref: the protected-branch rule "*" of project 57 allows force push: whoever may push can rewrite the history of "release/*", which the grant\'s Vault and GCP access trusts; allow only Maintainers to push and merge, force push off',
            'protection gitlab-federation:projects["platform/web"].grants.deploy.ref: the protected-branch rule "release/1.x" of project 57 lets Developers push and merge: pipelines on "release/*" are protected without being a Maintainer\'s, and the grant\'s Vault and GCP access admits them; allow only Maintainers to push and merge, force push off',
        ]);
        assert.deepEqual(lines(withFacts("42", { tags: tags(tagRule("v*", 30)) })), [
            'protection gitlab-federation:projects["platform/api"].grants.release.ref: the protected-tag rule "v*" of project 42 lets Developers create tags: pipelines on "v*" are protected without being a Maintainer\'s, and the grant\'s Vault and AWS access admits them; allow only Maintainers to create',
        ]);
    });

    it("protection GitLab does not show: one finding per list, the grants' refs unjudged", () => {
        assert.deepEqual(lines(withFacts("7", { branches: { missing: { status: 403, message: "403 Forbidden" } } })), [
            "protection gitlab-federation:deployer.id: GitLab does not show project 7's protected branches to the token (HTTP 403: 403 Forbidden): the grants' protection is unverified; give the token's user the Maintainer role on the project",
        ]);
    });

    it("environments: one a target checks must be protected, Maintainers deploying; GitLab Free shows none", () => {
        assert.deepEqual(lines(withFacts("7", { environments: environments(environmentRule("federation-prod")) })), [
            'environment gitlab-federation:deployer.applier.environment: "federation-dev" is not a protected environment of project 7: anyone who runs a pipeline on the grant\'s refs can deploy to it, so for Vault and GCP it restricts nothing; protect it (Settings > CI/CD > Protected environments, allowed to deploy: Maintainers)',
        ]);
        assert.deepEqual(lines(withFacts("42", { environments: environments(environmentRule("production", 30)) })), [
            'environment gitlab-federation:projects["platform/api"].grants.deploy.environment: the protected environment "production" of project 42 lets Developers deploy: for Vault and GCP it restricts the grant to Developers, not Maintainers; allow only Maintainers to deploy',
        ]);
        assert.deepEqual(lines(withFacts("57", { environments: { missing: { status: 404, message: "404 Not Found" } } })), [
            "environment gitlab-federation:projects[\"platform/web\"].id: GitLab does not show project 57's protected environments to the token (HTTP 404: 404 Not Found): protected environments need GitLab Premium and a Maintainer's token; without them an environment restricts nothing",
        ]);
    });

    describe("GitLab's rule matching (RefMatcher)", () => {
        it("boundary pairs: exact names, * across / and the empty string, case, regex characters literal", () => {
            const pairs: [string, string, boolean][] = [
                ["main", "main", true],
                ["main", "Main", false],
                ["main", "main2", false],
                ["release/*", "release/1.0", true],
                ["release/*", "release/", true],
                ["release/*", "release", false],
                ["*-stable", "production-stable", true],
                ["*gitlab*", "master/gitlab/production", true],
                ["v1.*", "v1x2", false],
                ["v1.*", "v1.2", true],
                ["v*", "v*", true],
                ["v1.*", "v*", false],
                ["*", "release/*", true],
                ["release/*", "*", false],
                ["a+b", "aab", false],
                ["a+b", "a+b", true],
            ];
            assert.deepEqual(
                pairs.map(([rule, ref]) => ruleMatches(rule, ref)),
                pairs.map(([, , expected]) => expected),
            );
        });

        it("property: a rule covers every ref its own name matches once each * is replaced by any text", () => {
            const part = fc.stringMatching(/^[a-z0-9./_-]{0,4}$/);
            fc.assert(
                fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), fc.array(part, { minLength: 3, maxLength: 3 }), (parts, fills) => {
                    const rule = parts.join("*");
                    const ref = parts.reduce((out, p, i) => (i === 0 ? p : `${out}${fills[i % 3]}${p}`), "");
                    return ruleMatches(rule, ref) && ruleMatches(rule, rule);
                }),
            );
        });
    });
});
