import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { planMap } from "../../../src/features";
import { iamStringLike } from "../../../components/aws/evaluate";
import { assertTrustPolicy, policyLength, trustPolicy, withFederatedPrincipal } from "../../../components/aws/trust";
import type { TrustPolicyDocument } from "../../../components/aws/plan-schema";
import { problems, warnings } from "../../helpers/check";
import { AWS, GITLAB, map, oneGrant } from "../../helpers/maps";
import { awsAccepts, gitlabToken } from "../../helpers/tokens";

const SECTIONS = { aws: AWS };
const sha8 = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 8);
const PROVIDER = "arn:aws:iam::111111111111:oidc-provider/gitlab.example.com";

function awsPlan(raw: Record<string, unknown>) {
    const plan = planMap(raw).aws;
    assert.ok(plan);
    return plan;
}

function trust(grant: Record<string, unknown>): TrustPolicyDocument {
    return awsPlan(oneGrant({ ...grant, aws: { ...((grant.aws as object) ?? {}) } }, { sections: SECTIONS })).roles[0]!.assumeRolePolicy;
}

function statement(condition: Record<string, unknown>) {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity", Condition: condition }],
    };
}

describe("AWS plan", () => {
    describe("trust policies", () => {
        it("an exact branch: aud and sub with StringEquals", () => {
            assert.deepEqual(
                trust({ ref: "main" }),
                statement({
                    StringEquals: { "gitlab.example.com:aud": "sts.amazonaws.com", "gitlab.example.com:sub": "project_path:platform/api:ref_type:branch:ref:main" },
                }),
            );
        });

        it("a pattern: aud with StringEquals, sub with StringLike", () => {
            assert.deepEqual(
                trust({ ref: "release/*", protected: false }),
                statement({
                    StringEquals: { "gitlab.example.com:aud": "sts.amazonaws.com" },
                    StringLike: { "gitlab.example.com:sub": "project_path:platform/api:ref_type:branch:ref:release/*" },
                    StringNotLike: { "gitlab.example.com:sub": "project_path:*:ref_type:*:ref:*:*" },
                }),
            );
        });

        it("exact tags, listed", () => {
            assert.deepEqual(
                trust({ ref: ["v1.0.0", "v1.0.1"], refType: "tag" }),
                statement({
                    StringEquals: {
                        "gitlab.example.com:aud": "sts.amazonaws.com",
                        "gitlab.example.com:sub": ["project_path:platform/api:ref_type:tag:ref:v1.0.0", "project_path:platform/api:ref_type:tag:ref:v1.0.1"],
                    },
                }),
            );
        });

        it("a list with one pattern puts every sub under StringLike (operators are ANDed)", () => {
            assert.deepEqual(
                trust({ ref: ["main", "hotfix/*"], aws: { acknowledge: { protected: "hotfix branches are protected by a wildcard rule" } } }),
                statement({
                    StringEquals: { "gitlab.example.com:aud": "sts.amazonaws.com" },
                    StringLike: { "gitlab.example.com:sub": ["project_path:platform/api:ref_type:branch:ref:hotfix/*", "project_path:platform/api:ref_type:branch:ref:main"] },
                    StringNotLike: { "gitlab.example.com:sub": "project_path:*:ref_type:*:ref:*:*" },
                }),
            );
        });

        it("a GitLab URL with a path keys conditions on host and path", () => {
            const raw = { ...oneGrant({ ref: "main", aws: {} }, { sections: SECTIONS }), gitlab: { url: "https://example.com/gitlab" } };
            const plan = awsPlan(raw);
            assert.deepEqual(Object.keys(plan.roles[0]!.assumeRolePolicy.Statement[0].Condition.StringEquals), ["example.com/gitlab:aud", "example.com/gitlab:sub"]);
            assert.equal(plan.providerArn, "arn:aws:iam::111111111111:oidc-provider/example.com/gitlab");
        });

        it("the program substitutes the provider ARN output, nothing else", () => {
            const document = trust({ ref: "main" });
            assert.deepEqual(withFederatedPrincipal(document, "arn:aws:iam::222222222222:oidc-provider/gitlab.example.com"), {
                ...document,
                Statement: [{ ...document.Statement[0], Principal: { Federated: "arn:aws:iam::222222222222:oidc-provider/gitlab.example.com" } }],
            });
        });
    });

    describe("patterns never reach outside the project", () => {
        const host = "gitlab.example.com";
        const document = trust({ ref: "release/*", protected: false });
        const accepts = (options: Parameters<typeof gitlabToken>[0]) => awsAccepts(document, gitlabToken({ aud: "sts.amazonaws.com", ...options }), host);

        it("matches the project's own release branches", () => {
            assert.equal(accepts({ ref: "release/1.0" }), true);
            assert.equal(accepts({ ref: "release/a/b" }), true);
        });

        it("not a project whose path extends this one", () => {
            assert.equal(accepts({ projectPath: "platform/api-evil", ref: "release/1.0" }), false);
            assert.equal(accepts({ projectPath: "platform/api/sub", ref: "release/1.0" }), false);
            assert.equal(accepts({ projectPath: "platform/apix", ref: "release/1.0" }), false);
        });

        it("not another project's release branches, nor tags, nor other refs", () => {
            assert.equal(accepts({ projectPath: "platform/web", projectId: "57", ref: "release/1.0" }), false);
            assert.equal(accepts({ ref: "release/1.0", refType: "tag" }), false);
            assert.equal(accepts({ ref: "release" }), false);
            assert.equal(accepts({ ref: "hotfix/release/1" }), false);
        });

        it("not a sub with more components than GitLab's default (a project that customised ci_id_token_sub_claim_components)", () => {
            const tier = trust({ ref: "*production", protected: false });
            const custom = (sub: string) => ({ ...gitlabToken({ aud: "sts.amazonaws.com", ref: "main" }), sub });
            // StringLike's "*" crosses ":": without the StringNotLike this sub would match "ref:*production".
            const extra = "project_path:platform/api:ref_type:branch:ref:main:deployment_tier:production";
            assert.equal(iamStringLike("project_path:platform/api:ref_type:branch:ref:*production", extra), true);
            assert.equal(awsAccepts(tier, custom(extra), host), false);
            assert.equal(awsAccepts(document, custom("project_path:platform/api:ref_type:branch:ref:release/1:ref_protected:false"), host), false);
            assert.equal(awsAccepts(tier, custom("project_path:platform/api:ref_type:branch:ref:pre-production"), host), true, "the default form still matches");
        });

        it("not a token for another audience", () => {
            assert.equal(awsAccepts(document, gitlabToken({ ref: "release/1.0", aud: "https://vault.example.com" }), host), false);
        });

        it("\"?\" is refused, because IAM would read it as a wildcard", () => {
            assert.equal(iamStringLike("release-?", "release-1"), true);
            assert.deepEqual(problems(oneGrant({ ref: "release-?", aws: {} }, { sections: SECTIONS })), [
                'gitlab-federation:projects["platform/api"].grants.deploy.ref: "?" is not allowed (got "release-?"): Vault globs treat "?" as a literal character while AWS StringLike treats it as any one character, so the grant would mean different things on each target; use "*" or list the refs',
            ]);
        });

        it("the guardrail rejects a policy that reaches outside its project or lacks aud", () => {
            const good = trustPolicy(PROVIDER, GITLAB.url, "sts.amazonaws.com", "platform/api", "branch", ["main"]);
            assert.doesNotThrow(() => assertTrustPolicy(good, GITLAB.url, "sts.amazonaws.com", "platform/api"));
            const broad = trustPolicy(PROVIDER, GITLAB.url, "sts.amazonaws.com", "platform/*", "branch", ["main"]);
            assert.throws(() => assertTrustPolicy(broad, GITLAB.url, "sts.amazonaws.com", "platform/*"), /has a sub outside its project: project_path:platform\/\*:ref_type:branch:ref:main/);
            const other = trustPolicy(PROVIDER, GITLAB.url, "sts.amazonaws.com", "platform/web", "branch", ["main"]);
            assert.throws(() => assertTrustPolicy(other, GITLAB.url, "sts.amazonaws.com", "platform/api"), /has a sub outside its project/);
            const noAud = { ...good, Statement: [{ ...good.Statement[0], Condition: { StringEquals: { "gitlab.example.com:sub": "project_path:platform/api:ref_type:branch:ref:main" } } }] } as TrustPolicyDocument;
            assert.throws(() => assertTrustPolicy(noAud, GITLAB.url, "sts.amazonaws.com", "platform/api"), /has no exact aud condition/);
            const noSub = { ...good, Statement: [{ ...good.Statement[0], Condition: { StringEquals: { "gitlab.example.com:aud": "sts.amazonaws.com" } } }] } as TrustPolicyDocument;
            assert.throws(() => assertTrustPolicy(noSub, GITLAB.url, "sts.amazonaws.com", "platform/api"), /must have exactly one sub condition/);
        });
    });

    describe("what AWS cannot check", () => {
        it("the enforcement matrix per grant", () => {
            const raw = map(
                {
                    "platform/api": {
                        id: 42,
                        grants: {
                            deploy: { ref: "main", environment: "production", aws: {} },
                            review: { ref: "*", protected: false, aws: {} },
                        },
                    },
                },
                SECTIONS,
            );
            const plan = planMap(raw);
            assert.deepEqual(
                plan.aws!.roles.map((r) => [r.resource.name, r.enforcement]),
                [
                    ["42/deploy", { enforced: ["audience", "projectPath", "ref", "refType"], notEnforced: ["projectId", "protected", "environment"] }],
                    ["42/review", { enforced: ["audience", "projectPath", "ref", "refType"], notEnforced: ["projectId"] }],
                ],
            );
            assert.deepEqual(plan.grants.map((g) => g.aws!.enforcement), plan.aws!.roles.map((r) => r.enforcement));
        });

        it("a protected pattern must be acknowledged", () => {
            assert.deepEqual(problems(oneGrant({ ref: "release/*", aws: {} }, { sections: SECTIONS })), [
                'gitlab-federation:projects["platform/api"].grants.deploy.aws: ref "release/*" is a pattern and the grant requires a protected ref, but AWS sees only sub and aud and cannot check ref_protected: a push to any branch or tag matching "release/*", protected or not, could assume this role. Use exact refs, or set aws.acknowledge.protected with a reason (e.g. only maintainers may create such branches)',
            ]);
            const acknowledged = oneGrant({ ref: "v*", refType: "tag", aws: { acknowledge: { protected: "only maintainers may create v* tags" } } }, { sections: SECTIONS });
            assert.deepEqual(problems(acknowledged), []);
            assert.ok(warnings(acknowledged).includes('gitlab-federation:projects["platform/api"].grants.deploy.aws.acknowledge.protected: AWS does not check that the ref is protected: "only maintainers may create v* tags"'));
        });

        it("environments are flagged, and acknowledgements that change nothing too", () => {
            assert.deepEqual(warnings(oneGrant({ ref: "main", environment: "production", aws: { acknowledge: { protected: "not needed for an exact ref" } } }, { sections: SECTIONS })), [
                "gitlab-federation:aws: AWS binds projects by path (in sub), not by id: platform/api. After a rename or transfer their roles stop matching, and a new project created at an old path would match them: update the map and run pulumi up when a project moves",
                'gitlab-federation:aws: AWS cannot check ref_protected, so these grants, which require a protected ref, admit any pipeline on the same ref name, protected or not: platform/api deploy. They rely on GitLab: a protection rule covering each ref (branches: allowed to push and merge, maintainers only; tags: allowed to create, maintainers only), never removed, and no unprotected branch or tag of that name pushed first (see the README, "What AWS relies on")',
                'gitlab-federation:projects["platform/api"].grants.deploy.aws: the role gets no permissions (no managedPolicyArns, no inlinePolicy): pipelines can assume it but do nothing with it',
                'gitlab-federation:projects["platform/api"].grants.deploy.aws.acknowledge.environment: AWS cannot check environment "production": any job on a matching ref can assume this role, not only jobs of that environment. Set aws.acknowledge.environment with a reason to record that this is intended',
                "gitlab-federation:projects[\"platform/api\"].grants.deploy.aws.acknowledge.protected: has no effect: the grant has no ref pattern that requires protection; remove it",
            ]);
        });

        it("the path-binding warning names up to ten projects and counts the rest", () => {
            const projects = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`group/p${String(i).padStart(2, "0")}`, { id: i + 1, grants: { ci: { ref: "main", aws: {} } } }]));
            const warning = warnings(map(projects, SECTIONS)).find((w) => w.startsWith("gitlab-federation:aws: "));
            assert.equal(
                warning,
                "gitlab-federation:aws: AWS binds projects by path (in sub), not by id: group/p00, group/p01, group/p02, group/p03, group/p04, group/p05, group/p06, group/p07, group/p08, group/p09 and 2 more. After a rename or transfer their roles stop matching, and a new project created at an old path would match them: update the map and run pulumi up when a project moves",
            );
        });

        it("an unprotected pattern needs no acknowledgement", () => {
            assert.deepEqual(problems(oneGrant({ ref: "*", protected: false, aws: {} }, { sections: SECTIONS })), []);
        });
    });

    describe("limits", () => {
        const withRef = (ref: string) => oneGrant({ ref, aws: {} }, { sections: SECTIONS });
        const lengthFor = (ref: string) => policyLength(awsPlan(withRef(ref)).roles[0]!.assumeRolePolicy);
        const atLimit = "x".repeat(2048 - lengthFor("x") + 1);

        it("trust policy size: 2048 passes, 2049 fails", () => {
            assert.equal(lengthFor(atLimit), 2048);
            assert.equal(JSON.stringify(awsPlan(withRef(atLimit)).roles[0]!.assumeRolePolicy).length, 2048);
            assert.deepEqual(problems(withRef(`${atLimit}x`)), [
                'gitlab-federation:projects["platform/api"].grants.deploy.aws: the trust policy of role "gitlab-platform-api--deploy" is 2049 characters, above the IAM quota of 2048 (aws.trustPolicyMaxLength): list fewer refs or use a pattern, split the grant, or raise the quota in Service Quotas (up to 4096) and set aws.trustPolicyMaxLength',
            ]);
            assert.deepEqual(problems(oneGrant({ ref: `${atLimit}x`, aws: {} }, { sections: { aws: { ...AWS, trustPolicyMaxLength: 4096 } } })), []);
        });

        it("with a pattern, the size counts the StringNotLike too: at the quota passes, one over fails", () => {
            const pattern = (ref: string) => oneGrant({ ref, protected: false, aws: {} }, { sections: SECTIONS });
            const length = (ref: string) => policyLength(awsPlan(pattern(ref)).roles[0]!.assumeRolePolicy);
            const fits = `${"x".repeat(2048 - length("x*") + 1)}*`;
            assert.equal(length(fits), 2048);
            assert.ok(JSON.stringify(awsPlan(pattern(fits)).roles[0]!.assumeRolePolicy).includes('"StringNotLike"'));
            assert.deepEqual(problems(pattern(fits)), []);
            assert.deepEqual(problems(pattern(`x${fits}`)), [
                'gitlab-federation:projects["platform/api"].grants.deploy.aws: the trust policy of role "gitlab-platform-api--deploy" is 2049 characters, above the IAM quota of 2048 (aws.trustPolicyMaxLength): list fewer refs or use a pattern, split the grant, or raise the quota in Service Quotas (up to 4096) and set aws.trustPolicyMaxLength',
            ]);
        });

        it("an unknown account is a 12-character placeholder, so the size is exact either way", () => {
            const plan = awsPlan(oneGrant({ ref: "main", aws: {} }, { sections: { aws: { audience: "sts.amazonaws.com" } } }));
            assert.equal(plan.providerArn, "arn:aws:iam::<account-id>:oidc-provider/gitlab.example.com");
            assert.equal(policyLength(plan.roles[0]!.assumeRolePolicy), policyLength(trust({ ref: "main" })));
        });

        it("maxSessionDuration: 1h and 12h pass, just outside fails", () => {
            const session = (value: string | number) => problems(oneGrant({ ref: "main", aws: { maxSessionDuration: value } }, { sections: SECTIONS }));
            assert.deepEqual(session("1h"), []);
            assert.deepEqual(session("12h"), []);
            assert.deepEqual(session("59m59s"), ['gitlab-federation:projects["platform/api"].grants.deploy.aws.maxSessionDuration: must be between 1h and 12h (IAM MaxSessionDuration), got "59m59s" (59m59s)']);
            assert.deepEqual(session(43201), ['gitlab-federation:projects["platform/api"].grants.deploy.aws.maxSessionDuration: must be between 1h and 12h (IAM MaxSessionDuration), got 43201 (12h1s)']);
        });

        it("role names: 64 characters pass, 65 fail; derived names are shortened with a hash", () => {
            const name = (roleName: string) => problems(oneGrant({ ref: "main", aws: { roleName } }, { sections: SECTIONS }));
            assert.deepEqual(name("r".repeat(64)), []);
            assert.deepEqual(name("r".repeat(65)), [`gitlab-federation:projects["platform/api"].grants.deploy.aws.roleName: must be 1-64 characters of letters, digits and _+=,.@- (IAM role names), got "${"r".repeat(65)}"`]);
            const long = awsPlan(oneGrant({ ref: "main", aws: {} }, { path: `platform/${"a".repeat(60)}`, sections: SECTIONS })).roles[0]!.name;
            assert.equal(long.length, 64);
        });

        it("role names collide regardless of case", () => {
            const raw = map(
                {
                    "platform/api": { id: 1, grants: { deploy: { ref: "main", aws: { roleName: "CI-Deploy" } } } },
                    "platform/web": { id: 2, grants: { deploy: { ref: "main", aws: { roleName: "ci-deploy" } } } },
                },
                SECTIONS,
            );
            assert.deepEqual(problems(raw), [
                'gitlab-federation:projects["platform/web"].grants.deploy.aws: IAM role name "ci-deploy" is also the role name of gitlab-federation:projects["platform/api"].grants.deploy (IAM role names are unique regardless of case): set aws.roleName on one of them',
            ]);
        });

        it("role descriptions must be printable Latin-1 (IAM's set)", () => {
            assert.deepEqual(problems(oneGrant({ ref: "main", description: "Déploiement vers la production", aws: {} }, { sections: SECTIONS })), []);
            assert.deepEqual(problems(oneGrant({ ref: "main", description: "Deploy 🚀 to production", aws: {} }, { sections: SECTIONS })), [
                'gitlab-federation:projects["platform/api"].grants.deploy.description: becomes the IAM role\'s description, which accepts only printable Latin-1 characters (got "Deploy 🚀 to production"...); remove the others or set aws.description',
            ]);
        });

        it("a GitLab URL with a port cannot be an IAM provider", () => {
            assert.deepEqual(problems({ ...oneGrant({ ref: "main", aws: {} }, { sections: SECTIONS }), gitlab: { url: "https://gitlab.example.com:8443" } }), [
                "gitlab-federation:gitlab.url: carries a port (8443), which an IAM OIDC provider URL cannot; serve GitLab's issuer on 443 to use AWS",
            ]);
        });
    });

    describe("permissions", () => {
        it("managed policies become attachments keyed by ARN; inline policy as given", () => {
            const inlinePolicy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::artifacts/*" }] };
            const plan = awsPlan(
                oneGrant(
                    { ref: "main", aws: { managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::111111111111:policy/deploy"], inlinePolicy, maxSessionDuration: "2h" } },
                    { sections: SECTIONS },
                ),
            );
            assert.deepEqual(plan.rolePolicyAttachments, [
                {
                    resource: { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: `42/deploy/deploy-${sha8("arn:aws:iam::111111111111:policy/deploy")}`, protect: false, aliases: [`platform/api/deploy/deploy-${sha8("arn:aws:iam::111111111111:policy/deploy")}`], rootAlias: true, grant: "42/deploy" },
                    role: "gitlab-platform-api--deploy",
                    policyArn: "arn:aws:iam::111111111111:policy/deploy",
                },
                {
                    resource: { type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name: `42/deploy/ReadOnlyAccess-${sha8("arn:aws:iam::aws:policy/ReadOnlyAccess")}`, protect: false, aliases: [`platform/api/deploy/ReadOnlyAccess-${sha8("arn:aws:iam::aws:policy/ReadOnlyAccess")}`], rootAlias: true, grant: "42/deploy" },
                    role: "gitlab-platform-api--deploy",
                    policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
                },
            ]);
            assert.deepEqual(plan.rolePolicies, [
                { resource: { type: "aws:iam/rolePolicy:RolePolicy", name: "42/deploy", protect: false, aliases: ["platform/api/deploy"], rootAlias: true, grant: "42/deploy" }, role: "gitlab-platform-api--deploy", name: "gitlab-federation", policy: inlinePolicy },
            ]);
            const role = plan.roles[0]!;
            assert.deepEqual(
                { name: role.name, path: role.path, maxSessionDuration: role.maxSessionDuration, tags: role.tags, managedPolicyArns: role.managedPolicyArns },
                {
                    name: "gitlab-platform-api--deploy",
                    path: "/",
                    maxSessionDuration: 7200,
                    tags: { "managed-by": "gitlab-federation", "gitlab-project": "platform/api", "gitlab-project-id": "42", "gitlab-grant": "deploy" },
                    managedPolicyArns: ["arn:aws:iam::111111111111:policy/deploy", "arn:aws:iam::aws:policy/ReadOnlyAccess"],
                },
            );
        });

        it("administrator-level access needs allowBroad", () => {
            const grant = (aws: Record<string, unknown>) => oneGrant({ ref: "main", aws }, { sections: SECTIONS });
            assert.deepEqual(problems(grant({ managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] })), [
                'gitlab-federation:projects["platform/api"].grants.deploy.aws.managedPolicyArns[0]: "arn:aws:iam::aws:policy/AdministratorAccess" gives administrator-level access to any pipeline that matches this grant: attach a narrower policy, or set aws.allowBroad with a reason',
            ]);
            assert.deepEqual(problems(grant({ inlinePolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] } })), [
                `gitlab-federation:projects["platform/api"].grants.deploy.aws.inlinePolicy: allows actions that let the role raise its own or others' permissions ("*" (iam:AttachRolePolicy, iam:AttachUserPolicy, ...)) to any pipeline that matches this grant: list the actions it needs, narrow iam:PassRole and sts:AssumeRole to named roles, or set aws.allowBroad with a reason`,
            ]);
            assert.deepEqual(problems(grant({ managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"], allowBroad: "break-glass account bootstrap pipeline" })), []);
        });

        it("AdministratorAccess-<service> variants are administrator-level too", () => {
            const grant = (arn: string) => problems(oneGrant({ ref: "main", aws: { managedPolicyArns: [arn] } }, { sections: SECTIONS }));
            assert.equal(grant("arn:aws:iam::aws:policy/AdministratorAccess-Amplify").length, 1);
            assert.equal(grant("arn:aws:iam::aws:policy/AdministratorAccess-AWSElasticBeanstalk").length, 1);
            assert.deepEqual(grant("arn:aws:iam::aws:policy/ReadOnlyAccess"), []);
            assert.deepEqual(grant("arn:aws:iam::111111111111:policy/AdministratorAccessReview"), []);
        });

        describe("inline policies that let the role raise its own permissions", () => {
            const broad = (statement: Record<string, unknown>) =>
                problems(oneGrant({ ref: "main", aws: { inlinePolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Resource: "*", ...statement }] } } }, { sections: SECTIONS })).map((line) =>
                    line.replace(/^.*permissions \((.*)\) to any pipeline.*$/, "$1"),
                );
            it("are found whatever the case, and through wildcards inside a service", () => {
                assert.deepEqual(broad({ Action: "IAM:*" }), ['"IAM:*" (iam:AttachRolePolicy, iam:AttachUserPolicy, ...)']);
                assert.deepEqual(broad({ Action: "Sts:*" }), ['"Sts:*" (sts:AssumeRole)']);
                assert.deepEqual(broad({ Action: "iam:Put*" }), ['"iam:Put*" (iam:PutRolePolicy, iam:PutUserPolicy, ...)']);
                assert.deepEqual(broad({ Action: ["s3:GetObject", "iam:attach*"] }), ['"iam:attach*" (iam:AttachRolePolicy, iam:AttachUserPolicy, ...)']);
                assert.deepEqual(broad({ Action: "iam:CreatePolicyVersion" }), ['"iam:CreatePolicyVersion"']);
                assert.deepEqual(broad({ Action: "iam:?ttachRolePolicy" }), ['"iam:?ttachRolePolicy" (iam:AttachRolePolicy)']);
                assert.deepEqual(broad({ NotAction: "s3:*" }), ["NotAction (allows every action but those listed)"]);
            });
            it("iam:PassRole and sts:AssumeRole only with a wildcard resource", () => {
                assert.deepEqual(broad({ Action: "iam:PassRole" }), ['"iam:PassRole"']);
                assert.deepEqual(broad({ Action: "iam:PassRole", Resource: "arn:aws:iam::111111111111:role/*" }), ['"iam:PassRole"']);
                assert.deepEqual(broad({ Action: "iam:PassRole", Resource: "arn:aws:iam::111111111111:role/lambda-runner" }), []);
                assert.deepEqual(broad({ Action: "sts:AssumeRole", Resource: "arn:aws:iam::111111111111:role/deployer" }), []);
            });
            it("read-only IAM, Deny statements and other services pass", () => {
                assert.deepEqual(broad({ Action: ["iam:Get*", "iam:List*", "s3:*", "ec2:Describe*"] }), []);
                assert.deepEqual(broad({ Effect: "Deny", Action: "*" }), []);
            });
        });

        it("a malformed inline policy", () => {
            assert.deepEqual(problems(oneGrant({ ref: "main", aws: { inlinePolicy: { Version: "2008-10-17", Statement: [{ Effect: "allow", Action: "s3:*" }], Foo: 1 } } }, { sections: SECTIONS })), [
                'gitlab-federation:projects["platform/api"].grants.deploy.aws.inlinePolicy.Foo: is not a field of an IAM policy document; allowed: Version, Id, Statement',
                'gitlab-federation:projects["platform/api"].grants.deploy.aws.inlinePolicy.Statement[0]: must have exactly one of Resource and NotResource',
                'gitlab-federation:projects["platform/api"].grants.deploy.aws.inlinePolicy.Statement[0].Effect: must be "Allow" or "Deny", got "allow"',
                'gitlab-federation:projects["platform/api"].grants.deploy.aws.inlinePolicy.Version: must be "2012-10-17", got "2008-10-17": older versions do not support policy variables',
            ]);
        });
    });

    describe("the OIDC provider", () => {
        it("one per stack, protected, audience as client ID, thumbprints lowercased", () => {
            const plan = awsPlan(oneGrant({ ref: "main", aws: {} }, { sections: { aws: { ...AWS, thumbprints: ["ABCDEF0123456789ABCDEF0123456789ABCDEF01"] } } }));
            assert.deepEqual(plan.oidcProviders, [
                {
                    resource: { type: "aws:iam/openIdConnectProvider:OpenIdConnectProvider", name: "gitlab", protect: true, aliases: ["gitlab.example.com"] },
                    url: "https://gitlab.example.com",
                    clientIdLists: ["sts.amazonaws.com"],
                    thumbprintLists: ["abcdef0123456789abcdef0123456789abcdef01"],
                    tags: { "managed-by": "gitlab-federation" },
                },
            ]);
        });

        it("six thumbprints are too many", () => {
            assert.deepEqual(problems(oneGrant({ ref: "main", aws: {} }, { sections: { aws: { ...AWS, thumbprints: Array(6).fill("a".repeat(40)) } } })), [
                "gitlab-federation:aws.thumbprints: must list at most 5 entries, got 6. Optional CA thumbprints (at most 5). AWS validates publicly trusted certificates itself; thumbprints matter only for private CAs.",
            ]);
        });

        it("an existing provider: none created, roles trust the given ARN", () => {
            const existing = "arn:aws:iam::333333333333:oidc-provider/gitlab.example.com";
            const plan = awsPlan(oneGrant({ ref: "main", aws: {} }, { sections: { aws: { audience: "sts.amazonaws.com", existingProviderArn: existing } } }));
            assert.deepEqual(plan.oidcProviders, []);
            assert.equal(plan.roles[0]!.assumeRolePolicy.Statement[0].Principal.Federated, existing);
            assert.equal(planMap(oneGrant({ ref: "main", aws: {} }, { sections: { aws: { audience: "sts.amazonaws.com", existingProviderArn: existing } } })).grants[0]!.aws!.roleArn, "arn:aws:iam::333333333333:role/gitlab-platform-api--deploy");
            assert.deepEqual(problems(oneGrant({ ref: "main", aws: {} }, { sections: { aws: { existingProviderArn: "arn:aws:iam::333333333333:oidc-provider/other.example.com" } } })), [
                'gitlab-federation:aws.existingProviderArn: names a provider for another URL (got "arn:aws:iam::333333333333:oidc-provider/other.example.com"); it must end in ":oidc-provider/gitlab.example.com" to trust https://gitlab.example.com',
            ]);
        });
    });
});

describe("AWS quotas", () => {
    const many = (n: number, quota?: number) =>
        map(
            Object.fromEntries(Array.from({ length: n }, (_, i) => [`group/p${i}`, { id: 1000 + i, grants: { ci: { ref: "main", aws: {} } } }])),
            { aws: { ...AWS, ...(quota !== undefined ? { quotas: { roles: quota } } : {}) } },
        );

    it("IAM roles per account: the quota passes, one more fails; 80% of it is a warning; at most AWS's 5,000", () => {
        assert.deepEqual(problems(many(1000)), []);
        assert.deepEqual(problems(many(1001)), [
            "gitlab-federation:aws.quotas.roles: the map plans 1001 IAM roles in account 111111111111, above its quota of 1000 roles (roles outside this stack count too): raise the quota in Service Quotas (at most 5,000) and set aws.quotas.roles, or move some projects to a stack in another account",
        ]);
        assert.deepEqual(problems(many(1001, 2000)), []);
        assert.ok(warnings(many(801)).includes("gitlab-federation:aws.quotas.roles: the map plans 801 IAM roles, more than 80% of the account's quota of 1000 (roles outside this stack count too)"));
        assert.deepEqual(problems(many(1, 5001)), ["gitlab-federation:aws.quotas.roles: must be at most 5000, got 5001. IAM roles per account: AWS's default quota is 1,000, raisable to 5,000 (Service Quotas). Set it to your account's value after a raise."]);
    });
});
