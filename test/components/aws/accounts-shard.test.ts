/**
 * Several AWS accounts in a sharded map: the foundation registers each account's OIDC provider
 * once, the shards trust it by ARN; every stack registers the Pulumi provider of each account it
 * has resources in; quotas count the whole map per account; moves between shards and between
 * accounts; `shard --json`.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { planMap } from "../../../src/features";
import { diffPlans } from "../../../src/features/diff";
import { resourceChanges } from "../../../src/features/lifecycle";
import type { Plan } from "../../../src/features/plan-schema";
import { targetEntries } from "../../../src/features/resources";
import { foundationPlan, shardMoves, shardPlan, shardSummaries, urnOf } from "../../../src/features/shard";
import { runProgram } from "../../../src/pulumi/program";
import { problems } from "../../helpers/check";
import { cli, directoryWith } from "../../helpers/cli";
import { GITLAB, clone } from "../../helpers/maps";
import { runWithMocks } from "../../helpers/mocks";
import { assertRegistersExactly } from "../../helpers/registered";

type Json = Record<string, any>;

const READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess";
const PROD_ADMIN = "arn:aws:iam::222222222222:role/federation-admin";
const OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider";
const ROLE = "aws:iam/role:Role";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const PROVIDER = "pulumi:providers:aws";

const grant = (account: string) => ({ ref: "main", aws: { account, managedPolicyArns: [READ_ONLY] } });

/** platform/api (id 42) falls in shard 0 of 2, platform/web (id 57) in shard 1 (rendezvous hashing of the id). */
function accountsMap(shards?: number): Json {
    return {
        gitlab: GITLAB,
        ...(shards !== undefined ? { sharding: { shards } } : {}),
        aws: {
            audience: "sts.amazonaws.com",
            rolePath: "/gitlab/",
            accounts: {
                main: { id: "111111111111" },
                prod: { id: "222222222222", assumeRole: { roleArn: PROD_ADMIN } },
                sandbox: { id: "333333333333", profile: "sandbox-admin", region: "eu-west-1" },
            },
        },
        projects: {
            "platform/api": { id: 42, grants: { build: grant("main"), deploy: grant("prod"), review: grant("sandbox") } },
            "platform/web": { id: 57, grants: { deploy: grant("prod") } },
        },
    };
}

const names = (plan: Plan) => targetEntries(plan).map(({ entry }) => `${entry.resource.type} ${entry.resource.name}`);
const key = (index: number) => ({ of: "dev", index });

describe("AWS accounts in a sharded map", () => {
    const plan = planMap(accountsMap(2));

    it("the foundation registers each account's OIDC provider once and every provider; a shard its grants' roles and the providers of their accounts", () => {
        assert.deepEqual(problems(accountsMap(2)), []);
        assert.deepEqual(names(foundationPlan(plan)), [`${PROVIDER} prod`, `${PROVIDER} sandbox`, `${OIDC} gitlab`, `${OIDC} prod:gitlab`, `${OIDC} sandbox:gitlab`]);
        assert.deepEqual(names(shardPlan(plan, key(0))), [
            `${PROVIDER} prod`,
            `${PROVIDER} sandbox`,
            `${ROLE} 42/build`,
            `${ROLE} prod:42/deploy`,
            `${ROLE} sandbox:42/review`,
            `${ATTACHMENT} 42/build/ReadOnlyAccess-2a3bda39`,
            `${ATTACHMENT} prod:42/deploy/ReadOnlyAccess-2a3bda39`,
            `${ATTACHMENT} sandbox:42/review/ReadOnlyAccess-2a3bda39`,
        ]);
        assert.deepEqual(names(shardPlan(plan, key(1))), [`${PROVIDER} prod`, `${ROLE} prod:57/deploy`, `${ATTACHMENT} prod:57/deploy/ReadOnlyAccess-2a3bda39`]);
        // A shard's provider is the foundation's, argument for argument (state move finds it equal).
        const whole = plan.aws!.providers!;
        assert.deepEqual(shardPlan(plan, key(1)).aws!.providers, [whole[0]]);
        assert.deepEqual(shardPlan(plan, key(0)).aws!.providers, whole);
    });

    it("a shard trusts each account's OIDC provider by its ARN, which the plan knows from the account's id", () => {
        const shard = shardPlan(plan, key(0)).aws!;
        assert.deepEqual(shard.oidcProviders, []);
        assert.deepEqual(
            shard.accounts!.map((a) => [a.key, a.providerArn]),
            [
                ["main", "arn:aws:iam::111111111111:oidc-provider/gitlab.example.com"],
                ["prod", "arn:aws:iam::222222222222:oidc-provider/gitlab.example.com"],
                ["sandbox", "arn:aws:iam::333333333333:oidc-provider/gitlab.example.com"],
            ],
        );
        assert.deepEqual(
            shard.roles.map((r) => [r.resource.name, r.assumeRolePolicy.Statement[0].Principal.Federated]),
            [
                ["42/build", "arn:aws:iam::111111111111:oidc-provider/gitlab.example.com"],
                ["prod:42/deploy", "arn:aws:iam::222222222222:oidc-provider/gitlab.example.com"],
                ["sandbox:42/review", "arn:aws:iam::333333333333:oidc-provider/gitlab.example.com"],
            ],
        );
    });

    it("an account that trusts an existing OIDC provider (existingProviderArn): the foundation creates none for it, its roles in every shard trust that ARN", () => {
        const existing = "arn:aws:iam::333333333333:oidc-provider/gitlab.example.com";
        const raw = accountsMap(2);
        raw.aws.accounts.sandbox.existingProviderArn = existing;
        const whole = planMap(raw);
        assert.deepEqual(names(foundationPlan(whole)), [`${PROVIDER} prod`, `${PROVIDER} sandbox`, `${OIDC} gitlab`, `${OIDC} prod:gitlab`]);
        assert.deepEqual(
            shardPlan(whole, key(0)).aws!.roles.filter((r) => r.account === "sandbox").map((r) => [r.resource.name, r.assumeRolePolicy.Statement[0].Principal.Federated]),
            [["sandbox:42/review", existing]],
        );
    });

    it("every entry but the providers is registered by exactly one stack; a provider by the foundation and by every shard with a resource of its account (1 to 4 shards)", () => {
        for (let shards = 1; shards <= 4; shards++) {
            const whole = planMap(accountsMap(shards));
            const parts = [foundationPlan(whole), ...Array.from({ length: shards }, (_, i) => shardPlan(whole, key(i)))];
            const seen = parts.flatMap((p) => names(p).filter((n) => !n.startsWith(PROVIDER)));
            assert.deepEqual(seen.sort(), names(whole).filter((n) => !n.startsWith(PROVIDER)).sort());
            for (const part of parts) {
                const accounts = new Set(targetEntries(part).flatMap(({ entry }) => (entry.resource.type !== PROVIDER ? [(entry as { account?: string }).account] : [])));
                const expected = part === parts[0] ? ["prod", "sandbox"] : ["prod", "sandbox"].filter((a) => accounts.has(a));
                assert.deepEqual(part.aws!.providers?.map((p) => p.account) ?? [], expected, `${shards} shards`);
            }
        }
    });

    it("each stack registers exactly its part under Pulumi mocks: the shard's roles with their account's provider, no OIDC provider", async () => {
        const foundation = await runWithMocks(() => runProgram(accountsMap(2), { logWarnings: false }));
        assertRegistersExactly(foundationPlan(plan), foundation.resources);
        const { resources } = await runWithMocks(() => runProgram(accountsMap(2), { logWarnings: false, shard: key(0) }));
        assertRegistersExactly(shardPlan(plan, key(0)), resources);
        const providers = new Map(resources.filter((r) => r.type === PROVIDER).map((p) => [p.name, p.urn]));
        assert.deepEqual(
            resources.filter((r) => r.type === ROLE).map((r) => [r.name, r.provider === "" ? "" : r.provider.slice(0, r.provider.lastIndexOf("::"))]),
            [
                ["42/build", ""],
                ["prod:42/deploy", providers.get("prod")],
                ["sandbox:42/review", providers.get("sandbox")],
            ],
        );
        assert.deepEqual(
            resources.filter((r) => r.type === ROLE).map((r) => JSON.parse(r.inputs.assumeRolePolicy).Statement[0].Principal.Federated),
            ["arn:aws:iam::111111111111:oidc-provider/gitlab.example.com", "arn:aws:iam::222222222222:oidc-provider/gitlab.example.com", "arn:aws:iam::333333333333:oidc-provider/gitlab.example.com"],
        );
    });

    it("an account's roles quota counts its roles in every shard (boundary)", () => {
        const at = (roles: number) => {
            const raw = accountsMap(2);
            raw.aws.accounts.prod.quotas = { roles };
            return problems(raw);
        };
        // prod has platform/api's deploy in shard 0 and platform/web's in shard 1.
        assert.deepEqual(at(2), []);
        assert.deepEqual(at(1), [
            "gitlab-federation:aws.accounts.prod.quotas.roles: the map plans 2 IAM roles in account 222222222222, above its quota of 1 roles (roles outside this stack count too): raise the quota in Service Quotas (at most 5,000) and set aws.quotas.roles, or move some projects to a stack in another account",
        ]);
    });

    describe("moves", () => {
        it("turning sharding on moves each project's resources, account prefix and all, to its shard; the providers stay the foundation's and each shard registers its own", () => {
            const [base, head] = [planMap(accountsMap()), plan];
            const moves = shardMoves(base, head, "dev");
            assert.deepEqual(
                moves.map((m) => [m.project, m.from, m.to, m.resources.map((r) => r.name)]),
                [
                    ["platform/api", "dev", "dev-shard-0", ["42/build", "prod:42/deploy", "sandbox:42/review", "42/build/ReadOnlyAccess-2a3bda39", "prod:42/deploy/ReadOnlyAccess-2a3bda39", "sandbox:42/review/ReadOnlyAccess-2a3bda39"]],
                    ["platform/web", "dev", "dev-shard-1", ["prod:57/deploy", "prod:57/deploy/ReadOnlyAccess-2a3bda39"]],
                ],
            );
            assert.equal(
                urnOf("dev", "gitlab-federation", "aws", { resource: moves[1]!.resources[0]! }),
                "urn:pulumi:dev::gitlab-federation::gitlab-federation:index:Federation$gitlab-federation:aws:OidcFederation$aws:iam/role:Role::prod:57/deploy",
            );
            // The diff of the whole map: every grant resource moves (pulumi state move copies its provider along), the providers and OIDC providers stay the foundation's.
            const changes = diffPlans(base, head).resources;
            assert.deepEqual(changes.map((c) => `${c.op} ${c.name}`).sort(), moves.flatMap((m) => m.resources.map((r) => `move ${r.name}`)).sort());
        });

        it("moving a grant to another account in a sharded map: its shard creates the role in the new account and deletes the old one, nothing moves between stacks", () => {
            const raw = accountsMap(2);
            const head = clone(raw);
            head.projects["platform/web"].grants.deploy.aws.account = "sandbox";
            const [before, after] = [planMap(raw), planMap(head)];
            assert.deepEqual(shardMoves(before, after, "dev"), []);
            assert.deepEqual(
                resourceChanges(shardPlan(before, key(1)), shardPlan(after, key(1))).map((c) => [c.op, c.type, c.name, c.physical, c.hazard]),
                [
                    ["create", PROVIDER, "sandbox", "account=sandbox allowedAccountIds=333333333333", undefined],
                    ["create", ROLE, "sandbox:57/deploy", "account=sandbox name=gitlab-platform-web--deploy", undefined],
                    ["create", ATTACHMENT, "sandbox:57/deploy/ReadOnlyAccess-2a3bda39", `account=sandbox role=gitlab-platform-web--deploy policyArn=${READ_ONLY}`, undefined],
                    ["delete", PROVIDER, "prod", "account=prod allowedAccountIds=222222222222", undefined],
                    ["delete", ROLE, "prod:57/deploy", "account=prod name=gitlab-platform-web--deploy", undefined],
                    ["delete", ATTACHMENT, "prod:57/deploy/ReadOnlyAccess-2a3bda39", `account=prod role=gitlab-platform-web--deploy policyArn=${READ_ONLY}`, undefined],
                ],
            );
            // The foundation does not change: its providers and OIDC providers are every account's.
            assert.deepEqual(resourceChanges(foundationPlan(before), foundationPlan(after)), []);
        });
    });

    it("shard --json: per stack its projects, grants and resources, the providers counted in every stack that registers them; with --base the moves and their URNs", () => {
        const stackFile = (raw: Json) => dump({ config: { "aws:region": "eu-west-1", ...Object.fromEntries(Object.entries(raw).map(([k, v]) => [`gitlab-federation:${k}`, v])) } }, { lineWidth: -1 });
        const dir = directoryWith({ "Pulumi.yaml": readFileSync("Pulumi.yaml", "utf8"), "Pulumi.dev.yaml": stackFile(accountsMap(2)), "base.yaml": stackFile(accountsMap()) });
        const run = cli(["shard", "-C", dir, "--stack", "dev", "--base", "base.yaml", "--json"]);
        assert.equal(run.status, 0, run.stderr);
        const out = JSON.parse(run.stdout);
        assert.deepEqual(out.shards, [
            { name: "dev", role: "foundation", projects: [], grants: 0, resources: 5 },
            { name: "dev-shard-0", role: "shard", index: 0, projects: ["platform/api"], grants: 3, resources: 8 },
            { name: "dev-shard-1", role: "shard", index: 1, projects: ["platform/web"], grants: 1, resources: 3 },
        ]);
        assert.deepEqual(shardSummaries(plan, "dev"), out.shards);
        assert.deepEqual(out.moves[1], {
            project: "platform/web",
            projectId: "57",
            from: "dev",
            to: "dev-shard-1",
            resources: [
                { type: ROLE, name: "prod:57/deploy", urn: "urn:pulumi:dev::gitlab-federation::gitlab-federation:index:Federation$gitlab-federation:aws:OidcFederation$aws:iam/role:Role::prod:57/deploy" },
                {
                    type: ATTACHMENT,
                    name: "prod:57/deploy/ReadOnlyAccess-2a3bda39",
                    urn: "urn:pulumi:dev::gitlab-federation::gitlab-federation:index:Federation$gitlab-federation:aws:OidcFederation$aws:iam/rolePolicyAttachment:RolePolicyAttachment::prod:57/deploy/ReadOnlyAccess-2a3bda39",
                },
            ],
        });
    });
});
