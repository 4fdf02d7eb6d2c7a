/**
 * Several AWS accounts (aws.accounts): names, providers, per-account rules, the contract, CI,
 * explain, access and diff, with exact expected values.
 */
import { strict as assert } from "node:assert";
import { planMap } from "../../../src/features";
import { accessMatrix } from "../../../src/features/access";
import { generateCi } from "../../../src/features/ci";
import { contractOf } from "../../../src/features/contract";
import { diffPlans } from "../../../src/features/diff";
import { Explainer } from "../../../src/features/explain";
import { runProgram } from "../../../src/pulumi/program";
import { renderAws } from "../../../components/aws/render";
import { problems, warnings } from "../../helpers/check";
import { GITLAB, Raw, clone } from "../../helpers/maps";
import { runWithMocks, urnOf } from "../../helpers/mocks";
import { assertRegistersExactly } from "../../helpers/registered";
import { gitlabToken } from "../../helpers/tokens";

type Json = Record<string, any>;

const PROD_ADMIN = "arn:aws:iam::222222222222:role/federation-admin";

const SECTION = {
    audience: "sts.amazonaws.com",
    rolePath: "/gitlab/",
    accounts: {
        main: { id: "111111111111" },
        prod: { id: "222222222222", assumeRole: { roleArn: PROD_ADMIN } },
        sandbox: { id: "333333333333", profile: "sandbox-admin", region: "eu-west-1", rolePath: "/ci/" },
    },
};

const READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess";

/** One project, three grants, one in each account. */
function accountsMap(section: Raw = SECTION, grants: Raw = {}): Json {
    return {
        gitlab: GITLAB,
        aws: section,
        projects: {
            "platform/api": {
                id: 42,
                grants: {
                    build: { ref: "main", aws: { account: "main", managedPolicyArns: [READ_ONLY] } },
                    deploy: { ref: "main", aws: { account: "prod", managedPolicyArns: [READ_ONLY] } },
                    review: { ref: "main", aws: { account: "sandbox", inlinePolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::review/*" }] } } },
                    ...grants,
                },
            },
        },
    };
}

const names = (entries: readonly { resource: { name: string } }[]) => entries.map((e) => e.resource.name);

describe("AWS accounts", () => {
    describe("plan", () => {
        const plan = planMap(accountsMap()).aws!;

        it("one Pulumi provider per account with assumeRole or profile, pinned to the account's id; none for the stack's own account", () => {
            assert.deepEqual(plan.providers, [
                { resource: { type: "pulumi:providers:aws", name: "prod", protect: false }, account: "prod", allowedAccountIds: ["222222222222"], assumeRoles: [{ roleArn: PROD_ADMIN }] },
                { resource: { type: "pulumi:providers:aws", name: "sandbox", protect: false }, account: "sandbox", allowedAccountIds: ["333333333333"], profile: "sandbox-admin", region: "eu-west-1" },
            ]);
            assert.deepEqual(plan.accounts, [
                { key: "main", id: "111111111111", providerArn: "arn:aws:iam::111111111111:oidc-provider/gitlab.example.com", via: "stack" },
                { key: "prod", id: "222222222222", providerArn: "arn:aws:iam::222222222222:oidc-provider/gitlab.example.com", via: "assumeRole" },
                { key: "sandbox", id: "333333333333", providerArn: "arn:aws:iam::333333333333:oidc-provider/gitlab.example.com", via: "profile" },
            ]);
        });

        it("names: the stack's own account keeps a single-account map's names, another account's carry its key (<key>:<name>)", () => {
            assert.deepEqual(names(plan.oidcProviders), ["gitlab", "prod:gitlab", "sandbox:gitlab"]);
            assert.deepEqual(
                plan.oidcProviders.map((p) => p.resource.aliases),
                [["gitlab.example.com"], ["prod:gitlab.example.com"], ["sandbox:gitlab.example.com"]],
            );
            assert.deepEqual(names(plan.roles), ["42/build", "prod:42/deploy", "sandbox:42/review"]);
            assert.deepEqual(
                plan.roles.map((r) => r.resource.aliases),
                [["platform/api/build"], ["prod:platform/api/deploy"], ["sandbox:platform/api/review"]],
            );
            assert.deepEqual(names(plan.rolePolicyAttachments), ["42/build/ReadOnlyAccess-" + plan.rolePolicyAttachments[0]!.resource.name.split("-").pop(), `prod:42/deploy/ReadOnlyAccess-${plan.rolePolicyAttachments[1]!.resource.name.split("-").pop()}`]);
            assert.deepEqual(names(plan.rolePolicies), ["sandbox:42/review"]);
            assert.deepEqual(
                [...plan.oidcProviders, ...plan.roles, ...plan.rolePolicyAttachments, ...plan.rolePolicies].map((e) => e.account),
                ["main", "prod", "sandbox", "main", "prod", "sandbox", "main", "prod", "sandbox"],
            );
        });

        it("each role trusts its own account's OIDC provider, under its account's path; summaries name the account", () => {
            assert.deepEqual(
                plan.roles.map((r) => [r.path, r.assumeRolePolicy.Statement[0]!.Principal.Federated]),
                [
                    ["/gitlab/", "arn:aws:iam::111111111111:oidc-provider/gitlab.example.com"],
                    ["/gitlab/", "arn:aws:iam::222222222222:oidc-provider/gitlab.example.com"],
                    ["/ci/", "arn:aws:iam::333333333333:oidc-provider/gitlab.example.com"],
                ],
            );
            const grants = planMap(accountsMap()).grants.map((g) => [g.grant, g.aws?.account, g.aws?.roleArn]);
            assert.deepEqual(grants, [
                ["build", "main", "arn:aws:iam::111111111111:role/gitlab/gitlab-platform-api--build"],
                ["deploy", "prod", "arn:aws:iam::222222222222:role/gitlab/gitlab-platform-api--deploy"],
                ["review", "sandbox", "arn:aws:iam::333333333333:role/ci/gitlab-platform-api--review"],
            ]);
        });

        it("the human plan lists the accounts and each grant's account", () => {
            const full = planMap(accountsMap());
            const section = renderAws(full.aws!, full.grants.filter((g) => g.aws !== undefined).map((g) => ({ ...g, summary: g.aws! })));
            assert.equal(
                section.heading,
                "AWS: accounts main (111111111111, the stack's provider, OIDC provider arn:aws:iam::111111111111:oidc-provider/gitlab.example.com); prod (222222222222, assumeRole, OIDC provider arn:aws:iam::222222222222:oidc-provider/gitlab.example.com); sandbox (333333333333, profile, OIDC provider arn:aws:iam::333333333333:oidc-provider/gitlab.example.com), audience sts.amazonaws.com",
            );
            assert.deepEqual(section.header, ["PROJECT", "GRANT", "ACCOUNT", "ROLE", "SUB", "NOT CHECKED BY AWS"]);
            assert.deepEqual(section.rows.map((r) => r.slice(1, 4)), [
                ["build", "main", "gitlab-platform-api--build"],
                ["deploy", "prod", "gitlab-platform-api--deploy"],
                ["review", "sandbox", "gitlab-platform-api--review"],
            ]);
        });

        it("the same role name in two accounts is two roles; in one account it is refused", () => {
            const twice = accountsMap(SECTION, {
                one: { ref: "main", aws: { account: "prod", roleName: "ci", managedPolicyArns: [READ_ONLY] } },
                two: { ref: "main", aws: { account: "sandbox", roleName: "ci", managedPolicyArns: [READ_ONLY] } },
            });
            assert.deepEqual(problems(twice), []);
            const same = accountsMap(SECTION, {
                one: { ref: "main", aws: { account: "prod", roleName: "ci", managedPolicyArns: [READ_ONLY] } },
                two: { ref: "main", aws: { account: "prod", roleName: "CI", managedPolicyArns: [READ_ONLY] } },
            });
            assert.deepEqual(problems(same), [
                'gitlab-federation:projects["platform/api"].grants.two.aws: IAM role name "CI" is also the role name of gitlab-federation:projects["platform/api"].grants.one (IAM role names are unique regardless of case): set aws.roleName on one of them',
            ]);
        });

        it("one account in aws.accounts, without assumeRole or profile, plans the resources of aws.accountId under the same names (moving to accounts replaces nothing)", () => {
            const grant = { ref: "main", aws: { managedPolicyArns: [READ_ONLY] } };
            const single = planMap({ gitlab: GITLAB, aws: { accountId: "111111111111" }, projects: { "platform/api": { id: 42, grants: { deploy: grant } } } }).aws!;
            const listed = planMap({ gitlab: GITLAB, aws: { accounts: { main: { id: "111111111111" } } }, projects: { "platform/api": { id: 42, grants: { deploy: grant } } } }).aws!;
            const strip = (entries: readonly Json[]) => entries.map(({ account: _, ...rest }) => rest);
            assert.deepEqual(strip(listed.oidcProviders), strip(single.oidcProviders));
            assert.deepEqual(strip(listed.roles), strip(single.roles));
            assert.deepEqual(strip(listed.rolePolicyAttachments), strip(single.rolePolicyAttachments));
            assert.equal(listed.providers, undefined);
        });
    });

    describe("refusals and per-account rules", () => {
        const at = 'gitlab-federation:projects["platform/api"].grants';

        it("a grant without aws.account when there are several; an unknown account; aws.account without aws.accounts", () => {
            const raw = accountsMap(SECTION, { other: { ref: "main", aws: { managedPolicyArns: [READ_ONLY] } }, typo: { ref: "main", aws: { account: "prd", managedPolicyArns: [READ_ONLY] } } });
            assert.deepEqual(problems(raw), [
                `${at}.other.aws: names no account, and aws.accounts lists 3 (main, prod, sandbox): set aws.account to one of them`,
                `${at}.typo.aws.account: "prd" is not an account of aws.accounts; allowed: main, prod, sandbox`,
            ]);
            const legacy = { gitlab: GITLAB, aws: { accountId: "111111111111" }, projects: { "platform/api": { id: 42, grants: { deploy: { ref: "main", aws: { account: "prod", managedPolicyArns: [READ_ONLY] } } } } } };
            assert.deepEqual(problems(legacy), [`${at}.deploy.aws.account: "prod" names an account, but the map has no aws.accounts: remove aws.account, or list the accounts under aws.accounts`]);
        });

        it("the only account is the default: a grant needs no aws.account", () => {
            const raw = { gitlab: GITLAB, aws: { accounts: { prod: SECTION.accounts.prod } }, projects: { "platform/api": { id: 42, grants: { deploy: { ref: "main", aws: { managedPolicyArns: [READ_ONLY] } } } } } };
            assert.deepEqual(problems(raw), []);
            assert.deepEqual(names(planMap(raw).aws!.roles), ["prod:42/deploy"]);
        });

        it("one-account settings of the section, two ways to reach an account, a role of another account, two stack accounts, an id twice, no account", () => {
            const section = {
                accountId: "111111111111",
                existingProviderArn: "arn:aws:iam::111111111111:oidc-provider/gitlab.example.com",
                accounts: {
                    main: { id: "111111111111" },
                    other: { id: "444444444444" },
                    prod: { id: "222222222222", assumeRole: { roleArn: "arn:aws:iam::999999999999:role/admin" }, profile: "prod" },
                    again: { id: "222222222222", profile: "again" },
                },
            };
            const raw = accountsMap(section, {});
            delete raw.projects["platform/api"].grants.review;
            raw.projects["platform/api"].grants.build.aws.account = "main";
            assert.deepEqual(problems(raw).filter((p) => p.startsWith("gitlab-federation:aws")), [
                "gitlab-federation:aws.accountId: names one account, and aws.accounts lists the accounts: move it to aws.accounts.<key>.id",
                'gitlab-federation:aws.accounts.again.id: "222222222222" is also the id of aws.accounts.prod: list each account once',
                "gitlab-federation:aws.accounts.other: has neither assumeRole nor profile, like aws.accounts.main: the stack's own AWS provider reaches one account; give this one assumeRole or profile",
                "gitlab-federation:aws.accounts.prod: sets both assumeRole and profile: Pulumi reaches an account one way; keep one of them",
                "gitlab-federation:aws.accounts.prod.assumeRole.roleArn: is a role of account 999999999999, not of this account (id 222222222222): the provider manages the account its credentials are in; assume a role of account 222222222222",
                "gitlab-federation:aws.existingProviderArn: names one account, and aws.accounts lists the accounts: move it to aws.accounts.<key>.existingProviderArn",
            ]);
            assert.deepEqual(problems(accountsMap({ accounts: {} }, {})).filter((p) => p.startsWith("gitlab-federation:aws.accounts:")), ["gitlab-federation:aws.accounts: lists no account: list at least one, or remove aws.accounts"]);
        });

        it("an account id listed twice", () => {
            const section = { accounts: { a: { id: "222222222222", profile: "a" }, b: { id: "222222222222", profile: "b" } } };
            const raw = { gitlab: GITLAB, aws: section, projects: { "platform/api": { id: 42, grants: { deploy: { ref: "main", aws: { account: "a", managedPolicyArns: [READ_ONLY] } } } } } };
            assert.deepEqual(problems(raw), ['gitlab-federation:aws.accounts.b.id: "222222222222" is also the id of aws.accounts.a: list each account once']);
        });

        it("quotas per account: the account's own quota, at its own path", () => {
            const section = clone(SECTION) as Json;
            section.accounts.prod.quotas = { roles: 1 };
            const raw = accountsMap(section, { more: { ref: "main", aws: { account: "prod", managedPolicyArns: [READ_ONLY] } } });
            assert.deepEqual(problems(raw), [
                "gitlab-federation:aws.accounts.prod.quotas.roles: the map plans 2 IAM roles in account 222222222222, above its quota of 1 roles (roles outside this stack count too): raise the quota in Service Quotas (at most 5,000) and set aws.quotas.roles, or move some projects to a stack in another account",
            ]);
        });

        it("an account's protect false warns at the account; an inherited one once, at the section", () => {
            const own = clone(SECTION) as Json;
            own.accounts.prod.protect = false;
            assert.deepEqual(
                warnings(accountsMap(own)).filter((w) => w.includes(".protect:")),
                ["gitlab-federation:aws.accounts.prod.protect: false: the OIDC provider can be deleted by pulumi destroy or a removed section, which breaks every pipeline's AWS access at once"],
            );
            const inherited = { ...SECTION, protect: false };
            assert.deepEqual(
                warnings(accountsMap(inherited)).filter((w) => w.includes(".protect:")),
                ["gitlab-federation:aws.protect: false: the OIDC provider can be deleted by pulumi destroy or a removed section, which breaks every pipeline's AWS access at once"],
            );
        });
    });

    describe("program (Pulumi mocks)", () => {
        it("registers each account's resources with its own provider, the stack account's with the default provider, exactly as planned", async () => {
            const raw = accountsMap();
            const { resources } = await runWithMocks(() => runProgram(raw, { logWarnings: false }));
            assertRegistersExactly(planMap(raw), resources);
            const providers = resources.filter((r) => r.type === "pulumi:providers:aws");
            assert.deepEqual(
                providers.map((p) => [p.name, p.inputs.allowedAccountIds, p.inputs.assumeRoles, p.inputs.profile]),
                [
                    ["prod", '["222222222222"]', JSON.stringify([{ roleArn: PROD_ADMIN }]), undefined],
                    ["sandbox", '["333333333333"]', undefined, "sandbox-admin"],
                ],
            );
            const providerOf = (name: string) => providers.find((p) => p.name === name)!.urn;
            const aws = resources.filter((r) => r.custom && r.type.startsWith("aws:"));
            assert.ok(aws.length > 0);
            for (const r of aws) {
                const account = r.name.startsWith("prod:") ? "prod" : r.name.startsWith("sandbox:") ? "sandbox" : undefined;
                if (account === undefined) {
                    assert.equal(r.provider, "", `${r.name} uses the stack's default provider`);
                } else {
                    assert.ok(r.provider.startsWith(`${providerOf(account)}::`), `${r.name} uses the provider of ${account}: ${r.provider}`);
                }
            }
            const component = resources.find((r) => r.type === "gitlab-federation:aws:OidcFederation")!.urn;
            assert.equal(providerOf("prod"), urnOf(component, "pulumi:providers:aws", "prod"));
            // The mock computes every ARN in one account; what shows a role trusts its own account's provider is the dependency on it.
            const urn = (type: string, name: string) => resources.find((r) => r.type === type && r.name === name)!.urn;
            const role = (name: string) => resources.find((r) => r.type === "aws:iam/role:Role" && r.name === name)!;
            const oidc = "aws:iam/openIdConnectProvider:OpenIdConnectProvider";
            assert.ok(role("prod:42/deploy").dependencies.includes(urn(oidc, "prod:gitlab")));
            assert.ok(!role("prod:42/deploy").dependencies.includes(urn(oidc, "gitlab")));
            assert.ok(role("42/build").dependencies.includes(urn(oidc, "gitlab")));
            assert.ok(role("sandbox:42/review").dependencies.includes(urn(oidc, "sandbox:gitlab")));
        });
    });

    describe("contract, ci, explain, access", () => {
        const plan = planMap(accountsMap());

        it("the contract names each grant's account and its role ARN there; ci sets that role per grant", () => {
            const contract = contractOf(plan);
            const grants = (contract.grants as Json)["platform/api"];
            assert.deepEqual(
                Object.fromEntries(Object.entries(grants).map(([g, c]: [string, any]) => [g, [c.aws.account, c.aws.roleArn]])),
                {
                    build: ["main", "arn:aws:iam::111111111111:role/gitlab/gitlab-platform-api--build"],
                    deploy: ["prod", "arn:aws:iam::222222222222:role/gitlab/gitlab-platform-api--deploy"],
                    review: ["sandbox", "arn:aws:iam::333333333333:role/ci/gitlab-platform-api--review"],
                },
            );
            const result = generateCi(contract, { project: "platform/api", format: "yaml", source: "test" });
            assert.ok("files" in result);
            const text = result.files[0]!.text;
            for (const arn of ["arn:aws:iam::111111111111:role/gitlab/gitlab-platform-api--build", "arn:aws:iam::222222222222:role/gitlab/gitlab-platform-api--deploy", "arn:aws:iam::333333333333:role/ci/gitlab-platform-api--review"]) {
                assert.ok(text.includes(`AWS_ROLE_ARN: ${arn}`), `${arn} in\n${text}`);
            }
        });

        it("explain and access show the account", () => {
            const explanation = new Explainer(plan).explain(gitlabToken({ aud: "sts.amazonaws.com" }), { now: 1764000100, verified: true });
            assert.deepEqual(
                explanation.targets.aws!.accepted.map((v) => [v.grant, v.gives[0]]),
                [
                    ["build", "assume arn:aws:iam::111111111111:role/gitlab/gitlab-platform-api--build (account main)"],
                    ["deploy", "assume arn:aws:iam::222222222222:role/gitlab/gitlab-platform-api--deploy (account prod)"],
                    ["review", "assume arn:aws:iam::333333333333:role/ci/gitlab-platform-api--review (account sandbox)"],
                ],
            );
            assert.deepEqual(
                accessMatrix(plan).filter((r) => r.target === "aws").map((r) => [r.grant, r.gives[0]]),
                [
                    ["build", "in account main"],
                    ["deploy", "in account prod"],
                    ["review", "in account sandbox"],
                ],
            );
        });
    });

    describe("diff: moving a grant to another account", () => {
        it("is a replacement in another provider: the field says so, the old role is deleted and a new one created", () => {
            const base = accountsMap();
            const head = clone(base);
            head.projects["platform/api"].grants.review.aws.account = "prod";
            const result = diffPlans(planMap(base), planMap(head), { base, head });
            assert.deepEqual(result.fields, [
                {
                    path: 'gitlab-federation:projects["platform/api"].grants.review.aws.account',
                    class: "access",
                    change: "widened",
                    detail: '"sandbox" -> "prod": the grant\'s role moves to another account, a replacement: pulumi up creates it in "prod" through that account\'s provider and deletes the one in "sandbox"; its ARN changes, so regenerate the CI that assumes it (jobs fail until then)',
                },
            ]);
            assert.deepEqual(
                result.resources.map((r) => [r.op, r.type, r.name, r.physical, r.hazard]),
                [
                    ["create", "aws:iam/role:Role", "prod:42/review", "account=prod name=gitlab-platform-api--review", undefined],
                    ["create", "aws:iam/rolePolicy:RolePolicy", "prod:42/review", "account=prod role=gitlab-platform-api--review name=gitlab-federation", undefined],
                    ["delete", "aws:iam/role:Role", "sandbox:42/review", "account=sandbox name=gitlab-platform-api--review", undefined],
                    ["delete", "aws:iam/rolePolicy:RolePolicy", "sandbox:42/review", "account=sandbox role=gitlab-platform-api--review name=gitlab-federation", undefined],
                ],
            );
            assert.equal(result.verdict, "widened");
        });

        it("naming the only account explicitly changes nothing", () => {
            const one = { accounts: { prod: SECTION.accounts.prod } };
            const base = { gitlab: GITLAB, aws: one, projects: { "platform/api": { id: 42, grants: { deploy: { ref: "main", aws: { managedPolicyArns: [READ_ONLY] } } } } } } as Json;
            const head = clone(base);
            head.projects["platform/api"].grants.deploy.aws.account = "prod";
            const result = diffPlans(planMap(base), planMap(head), { base, head });
            assert.deepEqual([result.fields, result.resources, result.verdict], [[], [], "unchanged"]);
        });
    });
});
