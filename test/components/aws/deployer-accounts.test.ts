/**
 * The deployer with aws.accounts reached through their own provider: its planner and applier
 * roles in each account (exact policies and trust), the permission table evaluated per account
 * (helpers/iam.ts), the refusals, the contract, the provider of each account per job identity
 * (pure, and under Pulumi mocks), and the pipeline's jobs that name the identity.
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { CORE_SCHEMA, load } from "js-yaml";
import { planMap } from "../../../src/features";
import { contractOf } from "../../../src/features/contract";
import { resourceChanges } from "../../../src/features/lifecycle";
import { generatePipeline } from "../../../src/features/pipeline";
import type { Plan } from "../../../src/features/plan-schema";
import { runProgram } from "../../../src/pulumi/program";
import { AWS_IDENTITY_VARIABLE, jobIdentity, providerArgsFor } from "../../../components/aws/job-identity";
import { IAM_ACTIONS, IamAction, PROVIDER_CALLS, changes } from "../../../components/aws/permissions";
import { problems, warnings } from "../../helpers/check";
import { schemaErrors } from "../../helpers/gitlab-ci-local";
import { Caller, Decision, Policy, decide, roleSession } from "../../helpers/iam";
import { GITLAB, clone } from "../../helpers/maps";
import { runWithMocks } from "../../helpers/mocks";
import { assertRegistersExactly } from "../../helpers/registered";
import { READINGS, contextOf } from "./iam-context";

type Json = Record<string, any>;

const PROD_ADMIN = "arn:aws:iam::222222222222:role/federation-admin";
const MAIN_BOUNDARY = "arn:aws:iam::111111111111:policy/ci-boundary";
const PROD_BOUNDARY = "arn:aws:iam::222222222222:policy/ci-boundary";
const AWS_MANAGED_BOUNDARY = "arn:aws:iam::aws:policy/PowerUserAccess";
const SANDBOX_PROVIDER = "arn:aws:iam::333333333333:oidc-provider/gitlab.example.com";

/** main: the stack's own provider, its own boundary; prod: assumeRole, its own boundary; sandbox: profile, its own path, an existing OIDC provider, the section's AWS managed boundary. */
function deployerMap(): Json {
    return {
        gitlab: GITLAB,
        aws: {
            audience: "sts.amazonaws.com",
            rolePath: "/gitlab/",
            permissionsBoundary: AWS_MANAGED_BOUNDARY,
            accounts: {
                main: { id: "111111111111", permissionsBoundary: MAIN_BOUNDARY },
                prod: { id: "222222222222", assumeRole: { roleArn: PROD_ADMIN }, permissionsBoundary: PROD_BOUNDARY },
                sandbox: { id: "333333333333", profile: "sandbox-admin", rolePath: "/ci/", existingProviderArn: SANDBOX_PROVIDER },
            },
        },
        deployer: {
            project: "platform/gitlab-federation",
            id: 7,
            applier: { environment: "federation" },
            aws: { acknowledge: "every job on main is reviewed", state: { bucket: "acme-state", region: "eu-west-1" } },
        },
        projects: { "platform/api": { id: 42, grants: { deploy: { ref: "main", aws: { account: "prod", managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] } } } } },
    };
}

const ROLE_NAME = { planner: "gitlab-platform-gitlab-federation--planner", applier: "gitlab-platform-gitlab-federation--applier" } as const;
const ACCOUNTS = {
    main: { id: "111111111111", path: "/gitlab/", boundary: MAIN_BOUNDARY, provider: "arn:aws:iam::111111111111:oidc-provider/gitlab.example.com" as string | undefined },
    prod: { id: "222222222222", path: "/gitlab/", boundary: PROD_BOUNDARY, provider: "arn:aws:iam::222222222222:oidc-provider/gitlab.example.com" as string | undefined },
    sandbox: { id: "333333333333", path: "/ci/", boundary: AWS_MANAGED_BOUNDARY, provider: undefined as string | undefined },
};
type Key = keyof typeof ACCOUNTS;
const KEYS = Object.keys(ACCOUNTS) as Key[];
const arnOf = (key: Key, role: "planner" | "applier") => `arn:aws:iam::${ACCOUNTS[key].id}:role${ACCOUNTS[key].path}${ROLE_NAME[role]}`;
/** The logical name of a deployer role: the stack account keeps a single-account map's name. */
const nameOf = (key: Key, role: "planner" | "applier") => (key === "main" ? `7/${role}` : `${key}:7/${role}`);

function policyOf(plan: Plan, key: Key, role: "planner" | "applier"): Policy {
    return plan.aws!.rolePolicies.find((p) => p.resource.name === nameOf(key, role))!.policy as unknown as Policy;
}

const ROLE_WRITES = [
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
];
const OIDC_MANAGE = [
    "iam:AddClientIDToOpenIDConnectProvider",
    "iam:CreateOpenIDConnectProvider",
    "iam:GetOpenIDConnectProvider",
    "iam:ListOpenIDConnectProviderTags",
    "iam:RemoveClientIDFromOpenIDConnectProvider",
    "iam:TagOpenIDConnectProvider",
    "iam:UntagOpenIDConnectProvider",
    "iam:UpdateOpenIDConnectProviderThumbprint",
];

/** The applier's role statements in one account, exactly: the same table, scoped to the account. */
function applierRoleStatements(account: string, path: string, boundary: string): Json[] {
    const roles = `arn:aws:iam::${account}:role${path}*`;
    return [
        { Sid: "ReadGrantRoles", Effect: "Allow", Action: ["iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:ListRolePolicies", "iam:ListRoleTags"], Resource: roles },
        { Sid: "ManageGrantRoles", Effect: "Allow", Action: ["iam:DeleteRole", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription"], Resource: roles },
        {
            Sid: "ManageGrantRolesWithBoundary",
            Effect: "Allow",
            Action: ["iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"],
            Resource: roles,
            Condition: { StringEquals: { "iam:PermissionsBoundary": boundary } },
        },
        { Sid: "KeepPermissionsBoundaries", Effect: "Deny", Action: ["iam:DeleteRolePermissionsBoundary"], Resource: `arn:aws:iam::${account}:role/*` },
        {
            Sid: "NotTheDeployerItself",
            Effect: "Deny",
            Action: ROLE_WRITES,
            Resource: [`arn:aws:iam::${account}:role${path}${ROLE_NAME.applier}`, `arn:aws:iam::${account}:role${path}${ROLE_NAME.planner}`],
        },
    ];
}

const LIST_STATE = { Sid: "ListState", Effect: "Allow", Action: ["s3:ListBucket"], Resource: "arn:aws:s3:::acme-state", Condition: { StringLikeIfExists: { "s3:prefix": ".pulumi/*" } } };

describe("the AWS deployer in several accounts", () => {
    const plan = planMap(deployerMap());

    describe("plan", () => {
        it("no problem: the map's only warnings are the usual ones", () => {
            assert.deepEqual(problems(deployerMap()), []);
            assert.ok(warnings(deployerMap()).includes(`gitlab-federation:deployer.aws.acknowledge: AWS does not check the applier's environment or protection: "every job on main is reviewed"`));
        });

        it("planner and applier in every account, with the stack account's names, under each account's path and boundary", () => {
            const roles = plan.aws!.roles.filter((r) => r.name.includes("gitlab-federation"));
            assert.deepEqual(
                roles.map((r) => [r.resource.name, r.account, r.name, r.path, r.permissionsBoundary]),
                [
                    ["7/applier", "main", ROLE_NAME.applier, "/gitlab/", MAIN_BOUNDARY],
                    ["prod:7/applier", "prod", ROLE_NAME.applier, "/gitlab/", PROD_BOUNDARY],
                    ["sandbox:7/applier", "sandbox", ROLE_NAME.applier, "/ci/", AWS_MANAGED_BOUNDARY],
                    ["7/planner", "main", ROLE_NAME.planner, "/gitlab/", MAIN_BOUNDARY],
                    ["prod:7/planner", "prod", ROLE_NAME.planner, "/gitlab/", PROD_BOUNDARY],
                    ["sandbox:7/planner", "sandbox", ROLE_NAME.planner, "/ci/", AWS_MANAGED_BOUNDARY],
                ],
            );
            assert.deepEqual(
                plan.aws!.rolePolicies.filter((p) => p.role.includes("gitlab-federation")).map((p) => [p.resource.name, p.account]),
                [
                    ["7/applier", "main"],
                    ["prod:7/applier", "prod"],
                    ["sandbox:7/applier", "sandbox"],
                    ["7/planner", "main"],
                    ["prod:7/planner", "prod"],
                    ["sandbox:7/planner", "sandbox"],
                ],
            );
        });

        it("trust: each account's own OIDC provider, the deployer project's exact sub and the shared aud", () => {
            for (const key of KEYS) {
                const provider = key === "sandbox" ? SANDBOX_PROVIDER : ACCOUNTS[key].provider!;
                const trust = (role: "planner" | "applier") => plan.aws!.roles.find((r) => r.resource.name === nameOf(key, role))!.assumeRolePolicy;
                assert.deepEqual(trust("applier"), {
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Effect: "Allow",
                            Principal: { Federated: provider },
                            Action: "sts:AssumeRoleWithWebIdentity",
                            Condition: { StringEquals: { "gitlab.example.com:aud": "sts.amazonaws.com", "gitlab.example.com:sub": "project_path:platform/gitlab-federation:ref_type:branch:ref:main" } },
                        },
                    ],
                });
                assert.deepEqual(trust("planner"), {
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Effect: "Allow",
                            Principal: { Federated: provider },
                            Action: "sts:AssumeRoleWithWebIdentity",
                            Condition: {
                                StringEquals: { "gitlab.example.com:aud": "sts.amazonaws.com" },
                                StringLike: { "gitlab.example.com:sub": "project_path:platform/gitlab-federation:ref_type:branch:ref:*" },
                                StringNotLike: { "gitlab.example.com:sub": "project_path:*:ref_type:*:ref:*:*" },
                            },
                        },
                    ],
                });
            }
        });

        it("the applier's policy per account exactly: the account's id, path, boundary and OIDC provider; the state only in the stack account's", () => {
            const manageOidc = (arn: string) => ({ Sid: "ManageOidcProvider", Effect: "Allow", Action: OIDC_MANAGE, Resource: arn });
            assert.deepEqual(policyOf(plan, "main", "applier"), {
                Version: "2012-10-17",
                Statement: [
                    ...applierRoleStatements("111111111111", "/gitlab/", MAIN_BOUNDARY),
                    manageOidc(ACCOUNTS.main.provider!),
                    LIST_STATE,
                    { Sid: "ReadWriteState", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: "arn:aws:s3:::acme-state/.pulumi/*" },
                ],
            });
            assert.deepEqual(policyOf(plan, "prod", "applier"), { Version: "2012-10-17", Statement: [...applierRoleStatements("222222222222", "/gitlab/", PROD_BOUNDARY), manageOidc(ACCOUNTS.prod.provider!)] });
            // sandbox trusts an existing OIDC provider: no provider statement.
            assert.deepEqual(policyOf(plan, "sandbox", "applier"), { Version: "2012-10-17", Statement: applierRoleStatements("333333333333", "/ci/", AWS_MANAGED_BOUNDARY) });
        });

        it("the planner's policy per account exactly: reads of the account's roles and provider; the state only in the stack account's", () => {
            const reads = (account: string, path: string) => ({ Sid: "ReadGrantRoles", Effect: "Allow", Action: ["iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies"], Resource: `arn:aws:iam::${account}:role${path}*` });
            const readOidc = (arn: string) => ({ Sid: "ReadOidcProvider", Effect: "Allow", Action: ["iam:GetOpenIDConnectProvider"], Resource: arn });
            assert.deepEqual(policyOf(plan, "main", "planner"), {
                Version: "2012-10-17",
                Statement: [reads("111111111111", "/gitlab/"), readOidc(ACCOUNTS.main.provider!), LIST_STATE, { Sid: "ReadState", Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::acme-state/.pulumi/*" }],
            });
            assert.deepEqual(policyOf(plan, "prod", "planner"), { Version: "2012-10-17", Statement: [reads("222222222222", "/gitlab/"), readOidc(ACCOUNTS.prod.provider!)] });
            assert.deepEqual(policyOf(plan, "sandbox", "planner"), { Version: "2012-10-17", Statement: [reads("333333333333", "/ci/")] });
        });

        it("the plan's accounts name the deployer's roles of each account reached through its own provider; the contract lists them on the identities", () => {
            assert.deepEqual(
                plan.aws!.accounts!.map((a) => [a.key, a.deployerRoleArns]),
                [
                    ["main", undefined],
                    ["prod", { applier: arnOf("prod", "applier"), planner: arnOf("prod", "planner") }],
                    ["sandbox", { applier: arnOf("sandbox", "applier"), planner: arnOf("sandbox", "planner") }],
                ],
            );
            const contract = contractOf(plan);
            for (const role of ["planner", "applier"] as const) {
                const aws = contract.grants["platform/gitlab-federation"]![role]!.aws!;
                assert.equal(aws.roleArn, arnOf("main", role));
                assert.deepEqual(aws.accountRoles, [
                    { account: "prod", roleArn: arnOf("prod", role) },
                    { account: "sandbox", roleArn: arnOf("sandbox", role) },
                ]);
            }
            assert.equal(contract.grants["platform/api"]!.deploy!.aws!.accountRoles, undefined);
        });

        it("without an account reached through the stack's own provider: the first account's roles are the job's, and deployer.aws.state is refused", () => {
            const raw = deployerMap();
            delete raw.aws.accounts.main;
            assert.deepEqual(problems(raw), [
                "gitlab-federation:deployer.aws.state: is set, and every account of aws.accounts is reached through its own provider (prod, sandbox): the pipeline's jobs reach the S3 state with the deployer's roles in the account the stack's own provider reaches, the only roles given the state's permissions; list that account under aws.accounts without assumeRole or profile, or remove deployer.aws.state",
            ]);
            delete raw.deployer.aws.state;
            assert.deepEqual(problems(raw), []);
            const stateless = planMap(raw);
            const applier = contractOf(stateless).grants["platform/gitlab-federation"]!.applier!.aws!;
            assert.equal(applier.roleArn, arnOf("prod", "applier"));
            assert.deepEqual(applier.accountRoles, [{ account: "sandbox", roleArn: arnOf("sandbox", "applier") }]);
            // Each account's provider assumes its own role in a job: prod's too.
            assert.deepEqual(stateless.aws!.accounts!.find((a) => a.key === "prod")!.deployerRoleArns, { applier: arnOf("prod", "applier"), planner: arnOf("prod", "planner") });
            assert.deepEqual(policyOf(stateless, "prod", "applier").Statement.map((s) => s.Sid), ["ReadGrantRoles", "ManageGrantRoles", "ManageGrantRolesWithBoundary", "KeepPermissionsBoundaries", "NotTheDeployerItself", "ManageOidcProvider"]);
        });
    });

    describe("permissions, evaluated per account (helpers/iam.ts against the provider-call table)", () => {
        const GRANT = "gitlab-platform-api--deploy";
        const grantRole = (key: Key) => `arn:aws:iam::${ACCOUNTS[key].id}:role${ACCOUNTS[key].path}${GRANT}`;
        const caller = (key: Key, role: "planner" | "applier"): Caller => roleSession(arnOf(key, role), "gitlab-7-1001");
        const resourceOf = (key: Key, action: IamAction, role: string) => (IAM_ACTIONS[action].resource === "role" ? role : (ACCOUNTS[key].provider ?? SANDBOX_PROVIDER));
        const decision = (key: Key, role: "planner" | "applier", action: IamAction, options: { on?: string; resourceKey?: Key; boundary?: string; reading?: "conservative" | "wider" } = {}): Decision =>
            decide(
                { caller: caller(key, role), action, resource: resourceOf(options.resourceKey ?? key, action, options.on ?? grantRole(key)), context: contextOf(action, options.boundary, options.reading ?? "conservative") },
                { identity: [policyOf(plan, key, role)] },
            );

        it("the applier of each account may make every call of every row on a grant role of its account, with its boundary, under both readings", () => {
            for (const key of KEYS) {
                for (const call of PROVIDER_CALLS) {
                    const oidcOfExisting = key === "sandbox" && call.resource === "oidcProvider";
                    // Every OIDC provider here is protected (aws.protect): the applier never deletes it.
                    const expected: Decision = call.when === "never" ? "explicit deny" : call.when === "unprotected" || oidcOfExisting ? "implicit deny" : "allow";
                    for (const action of call.actions) {
                        for (const reading of READINGS) {
                            assert.equal(decision(key, "applier", action, { boundary: ACCOUNTS[key].boundary, reading }), expected, `${key}: ${call.resource} ${call.operation} ${action} (${reading})`);
                        }
                    }
                }
            }
        });

        it("no escalation: another boundary or none is refused, its own roles are never written, another account's roles and paths are out of reach", () => {
            const bounded = ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy"] as const;
            for (const key of KEYS) {
                for (const action of bounded) {
                    for (const boundary of [undefined, ...KEYS.filter((k) => k !== key).map((k) => ACCOUNTS[k].boundary)]) {
                        assert.equal(decision(key, "applier", action, { boundary }), "implicit deny", `${key}: ${action} with boundary ${boundary}`);
                    }
                }
                for (const role of ["planner", "applier"] as const) {
                    for (const action of ROLE_WRITES as IamAction[]) {
                        for (const reading of READINGS) {
                            assert.equal(decision(key, "applier", action, { on: arnOf(key, role), boundary: ACCOUNTS[key].boundary, reading }), "explicit deny", `${key}: ${action} on its own ${role}`);
                        }
                    }
                }
                for (const other of KEYS.filter((k) => k !== key)) {
                    for (const action of Object.keys(IAM_ACTIONS) as IamAction[]) {
                        const on = IAM_ACTIONS[action].resource === "role" ? grantRole(other) : (ACCOUNTS[other].provider ?? SANDBOX_PROVIDER);
                        assert.notEqual(
                            decide({ caller: caller(key, "applier"), action, resource: on, context: contextOf(action, ACCOUNTS[other].boundary, "conservative") }, { identity: [policyOf(plan, key, "applier")] }),
                            "allow",
                            `${key}'s applier: ${action} in ${other}`,
                        );
                    }
                }
                const outside = `arn:aws:iam::${ACCOUNTS[key].id}:role/admin`;
                for (const action of (Object.keys(IAM_ACTIONS) as IamAction[]).filter((a) => IAM_ACTIONS[a].resource === "role")) {
                    assert.notEqual(decision(key, "applier", action, { on: outside, boundary: ACCOUNTS[key].boundary }), "allow", `${key}: ${action} outside its path`);
                }
            }
        });

        it("the planner of each account reads every row's reads in its account and writes nothing", () => {
            for (const key of KEYS) {
                for (const call of PROVIDER_CALLS.filter((c) => c.operation === "read")) {
                    const expected: Decision = key === "sandbox" && call.resource === "oidcProvider" ? "implicit deny" : "allow";
                    for (const action of call.actions) {
                        for (const on of [grantRole(key), arnOf(key, "planner"), arnOf(key, "applier")]) {
                            assert.equal(decision(key, "planner", action, { on, boundary: ACCOUNTS[key].boundary }), expected, `${key}: ${action} on ${on}`);
                        }
                    }
                }
                for (const action of (Object.keys(IAM_ACTIONS) as IamAction[]).filter(changes)) {
                    for (const boundary of [ACCOUNTS[key].boundary, undefined]) {
                        assert.equal(decision(key, "planner", action, { boundary }), "implicit deny", `${key}: ${action}`);
                    }
                }
            }
        });
    });

    describe("lifecycle", () => {
        it("the deployer's roles in an account added to the map are an administrator's change (the applier never changes itself), the account's provider included", () => {
            const base = deployerMap();
            delete base.aws.accounts.sandbox;
            const changes = resourceChanges(planMap(base), plan);
            assert.deepEqual(
                changes.map((c) => [c.op, c.type, c.name, c.adminOnly]),
                [
                    ["create", "pulumi:providers:aws", "sandbox", undefined],
                    ["create", "aws:iam/role:Role", "sandbox:7/applier", "the deployer's own identity (7/applier): the applier never changes itself, so an administrator runs pulumi up for this change"],
                    ["create", "aws:iam/role:Role", "sandbox:7/planner", "the deployer's own identity (7/planner): the applier never changes itself, so an administrator runs pulumi up for this change"],
                    ["create", "aws:iam/rolePolicy:RolePolicy", "sandbox:7/applier", "the deployer's own identity (7/applier): the applier never changes itself, so an administrator runs pulumi up for this change"],
                    ["create", "aws:iam/rolePolicy:RolePolicy", "sandbox:7/planner", "the deployer's own identity (7/planner): the applier never changes itself, so an administrator runs pulumi up for this change"],
                ],
            );
        });
    });

    describe("refusals", () => {
        it("a permissions boundary of another account, inherited or the account's own: one problem each, with a fix in the account; AWS managed policies pass", () => {
            const raw = deployerMap();
            raw.aws.permissionsBoundary = MAIN_BOUNDARY;
            raw.aws.accounts.prod.permissionsBoundary = "arn:aws:iam::333333333333:policy/ci-boundary";
            assert.deepEqual(problems(raw), [
                'gitlab-federation:aws.accounts.prod.permissionsBoundary: "arn:aws:iam::333333333333:policy/ci-boundary" is a policy of account 333333333333, and the roles of aws.accounts.prod are in account 222222222222: a role\'s permissions boundary is a managed policy of its own account or an AWS managed one; set aws.accounts.prod.permissionsBoundary to a policy of account 222222222222, e.g. "arn:aws:iam::222222222222:policy/ci-boundary"',
                'gitlab-federation:aws.permissionsBoundary: "arn:aws:iam::111111111111:policy/ci-boundary" is a policy of account 111111111111, and the roles of aws.accounts.sandbox are in account 333333333333: a role\'s permissions boundary is a managed policy of its own account or an AWS managed one; set aws.accounts.sandbox.permissionsBoundary to a policy of account 333333333333, e.g. "arn:aws:iam::333333333333:policy/ci-boundary"',
            ]);
            raw.aws.accounts.prod.permissionsBoundary = PROD_BOUNDARY;
            raw.aws.accounts.sandbox.permissionsBoundary = "arn:aws:iam::333333333333:policy/ci-boundary";
            assert.deepEqual(problems(raw), [], "the fixes the messages give");
        });

        it("a map without aws.accounts: a boundary of another account than aws.accountId is refused, the boundary of its own account passes", () => {
            const raw: Json = { gitlab: GITLAB, aws: { audience: "sts.amazonaws.com", accountId: "111111111111", permissionsBoundary: PROD_BOUNDARY }, projects: { "platform/api": { id: 42, grants: { deploy: { ref: "main", aws: {} } } } } };
            assert.deepEqual(problems(raw), [
                'gitlab-federation:aws.permissionsBoundary: "arn:aws:iam::222222222222:policy/ci-boundary" is a policy of account 222222222222, and the stack\'s roles (aws.accountId) are in account 111111111111: a role\'s permissions boundary is a managed policy of its own account or an AWS managed one; set aws.permissionsBoundary to a policy of account 111111111111, e.g. "arn:aws:iam::111111111111:policy/ci-boundary"',
            ]);
            raw.aws.permissionsBoundary = MAIN_BOUNDARY;
            assert.deepEqual(problems(raw), []);
        });

        it("per account: a rolePath of / named where it is written, once; roles without a boundary in any account need a reason", () => {
            const raw = deployerMap();
            delete raw.aws.permissionsBoundary;
            delete raw.aws.accounts.sandbox.rolePath;
            raw.aws.rolePath = "/";
            raw.aws.accounts.main.rolePath = "/gitlab/";
            assert.deepEqual(problems(raw), [
                'gitlab-federation:aws.rolePath: is "/" and the deployer\'s applier may write every role under aws.rolePath, which would be every role in the account: give this stack a path of its own, e.g. "/gitlab-federation/" (a new path replaces the roles, delete-first)',
                "gitlab-federation:deployer.aws.allowUnboundedRoles: is required while aws.permissionsBoundary is unset: the applier creates IAM roles, and without a boundary it could create one with any permission and assume it. Set aws.permissionsBoundary (every role then carries it, and the applier may write only such roles), or give the reason here",
            ]);
            raw.aws.rolePath = "/gitlab/";
            raw.aws.accounts.sandbox.rolePath = "/";
            raw.deployer.aws.allowUnboundedRoles = "sandbox holds nothing else";
            assert.deepEqual(problems(raw), [
                'gitlab-federation:aws.accounts.sandbox.rolePath: is "/" and the deployer\'s applier may write every role under aws.accounts.sandbox.rolePath, which would be every role in the account: give this stack a path of its own, e.g. "/gitlab-federation/" (a new path replaces the roles, delete-first)',
            ]);
            assert.ok(warnings(raw).includes('gitlab-federation:deployer.aws.allowUnboundedRoles: the applier can create IAM roles with any permission: "sandbox holds nothing else"'));
            raw.aws.accounts.sandbox.rolePath = "/ci/";
            raw.aws.permissionsBoundary = AWS_MANAGED_BOUNDARY;
            assert.deepEqual(problems(raw), []);
            assert.ok(warnings(raw).includes("gitlab-federation:deployer.aws.allowUnboundedRoles: has no effect: aws.permissionsBoundary bounds every role the applier writes; remove it"));
        });
    });

    describe("each account's provider per job identity", () => {
        const PROD_ARGS = { allowedAccountIds: ["222222222222"], assumeRoles: [{ roleArn: PROD_ADMIN }] };
        const PROD = { key: "prod", deployerRoleArns: { planner: arnOf("prod", "planner"), applier: arnOf("prod", "applier") } };
        const JOB = { [AWS_IDENTITY_VARIABLE]: "planner", AWS_WEB_IDENTITY_TOKEN_FILE: "/tmp/gitlab-federation.abc", AWS_ROLE_SESSION_NAME: "gitlab-7-1001" };

        it("the variable unset (or empty): an administrator's run keeps the map's assumeRole or profile", () => {
            assert.equal(jobIdentity({}), undefined);
            assert.equal(jobIdentity({ [AWS_IDENTITY_VARIABLE]: "", AWS_WEB_IDENTITY_TOKEN_FILE: "/tmp/x" }), undefined);
            assert.deepEqual(providerArgsFor(PROD_ARGS, PROD, undefined), PROD_ARGS);
        });

        it("planner or applier: the account's role of that identity with the job's token file and session name, in place of assumeRoles and profile", () => {
            for (const role of ["planner", "applier"] as const) {
                const identity = jobIdentity({ ...JOB, [AWS_IDENTITY_VARIABLE]: role });
                assert.deepEqual(identity, { role, tokenFile: "/tmp/gitlab-federation.abc", sessionName: "gitlab-7-1001" });
                assert.deepEqual(providerArgsFor(PROD_ARGS, PROD, identity), {
                    allowedAccountIds: ["222222222222"],
                    assumeRoleWithWebIdentity: { roleArn: arnOf("prod", role), webIdentityTokenFile: "/tmp/gitlab-federation.abc", sessionName: "gitlab-7-1001" },
                });
                const sandbox = { key: "sandbox", deployerRoleArns: { planner: arnOf("sandbox", "planner"), applier: arnOf("sandbox", "applier") } };
                assert.deepEqual(providerArgsFor({ allowedAccountIds: ["333333333333"], profile: "sandbox-admin", region: "eu-west-1" }, sandbox, jobIdentity({ [AWS_IDENTITY_VARIABLE]: role, AWS_WEB_IDENTITY_TOKEN_FILE: "/t" })), {
                    allowedAccountIds: ["333333333333"],
                    region: "eu-west-1",
                    assumeRoleWithWebIdentity: { roleArn: arnOf("sandbox", role), webIdentityTokenFile: "/t" },
                });
            }
        });

        it("refused, one line each: another value, no token file, a map without the deployer's role in the account", () => {
            assert.throws(() => jobIdentity({ ...JOB, [AWS_IDENTITY_VARIABLE]: "admin" }), {
                message: `GITLAB_FEDERATION_AWS_IDENTITY: is "admin"; allowed: planner, applier (the generated pipeline's preview and up jobs set it); unset it for an administrator's run`,
            });
            assert.throws(() => jobIdentity({ [AWS_IDENTITY_VARIABLE]: "applier" }), {
                message:
                    "AWS_WEB_IDENTITY_TOKEN_FILE: is unset, and GITLAB_FEDERATION_AWS_IDENTITY is applier: each account's provider assumes the deployer's applier role there with the job's GitLab ID token from that file; run the job's before_script (it writes the file), or unset GITLAB_FEDERATION_AWS_IDENTITY for an administrator's run",
            });
            assert.throws(() => providerArgsFor(PROD_ARGS, { key: "prod" }, jobIdentity(JOB)), {
                message: "GITLAB_FEDERATION_AWS_IDENTITY: is planner, and the map plans no deployer planner role in aws.accounts.prod: only the pipeline of a map with gitlab-federation:deployer sets it; unset it for an administrator's run",
            });
        });

        const registered: string[][] = [];
        async function providersUnder(env: Record<string, string | undefined>): Promise<Json[]> {
            const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
            Object.assign(process.env, env);
            for (const [k, v] of Object.entries(env)) {
                if (v === undefined) delete process.env[k];
            }
            try {
                const { resources } = await runWithMocks(() => runProgram(deployerMap(), { logWarnings: false }));
                if (env[AWS_IDENTITY_VARIABLE] === undefined) {
                    assertRegistersExactly(plan, resources);
                }
                registered.push(resources.map((r) => r.urn));
                // The SDK adds its own defaults (skipRegionValidation, ...): the arguments that say how the provider gets in.
                const ways = ["allowedAccountIds", "assumeRoles", "profile", "assumeRoleWithWebIdentity"];
                return resources.filter((r) => r.type === "pulumi:providers:aws").map((p) => ({ name: p.name, ...Object.fromEntries(ways.filter((k) => p.inputs[k] !== undefined).map((k) => [k, p.inputs[k]])) }));
            } finally {
                for (const [k, v] of Object.entries(saved)) {
                    if (v === undefined) delete process.env[k];
                    else process.env[k] = v;
                }
            }
        }

        it("the program (Pulumi mocks): unset, the map's way in; set, each account's role of the identity; every resource as planned either way", async () => {
            const unset = { [AWS_IDENTITY_VARIABLE]: undefined, AWS_WEB_IDENTITY_TOKEN_FILE: undefined, AWS_ROLE_SESSION_NAME: undefined };
            assert.deepEqual(await providersUnder(unset), [
                { name: "prod", allowedAccountIds: '["222222222222"]', assumeRoles: JSON.stringify([{ roleArn: PROD_ADMIN }]) },
                { name: "sandbox", allowedAccountIds: '["333333333333"]', profile: "sandbox-admin" },
            ]);
            for (const role of ["planner", "applier"] as const) {
                assert.deepEqual(await providersUnder({ ...JOB, [AWS_IDENTITY_VARIABLE]: role }), [
                    { name: "prod", allowedAccountIds: '["222222222222"]', assumeRoleWithWebIdentity: JSON.stringify({ roleArn: arnOf("prod", role), webIdentityTokenFile: "/tmp/gitlab-federation.abc", sessionName: "gitlab-7-1001" }) },
                    { name: "sandbox", allowedAccountIds: '["333333333333"]', assumeRoleWithWebIdentity: JSON.stringify({ roleArn: arnOf("sandbox", role), webIdentityTokenFile: "/tmp/gitlab-federation.abc", sessionName: "gitlab-7-1001" }) },
                ]);
            }
            // The same resources, under the same URNs, whoever runs it: only the providers' arguments differ.
            assert.equal(registered.length, 3);
            assert.deepEqual(registered[1], registered[0]);
            assert.deepEqual(registered[2], registered[0]);
        });
    });

    describe("the generated pipeline", () => {
        const pipeline = () => generatePipeline([{ name: "dev", file: "Pulumi.dev.yaml", plan }]);

        it("preview runs as the planner and up as the applier, each telling the program so after the template's AWS setup; GitLab's schema accepts it", () => {
            const text = pipeline();
            const document = load(text, { schema: CORE_SCHEMA }) as Json;
            for (const [job, role] of [["preview:dev", "planner"], ["up:dev", "applier"]] as const) {
                const lines = document[job].before_script as string[];
                const line = `# AWS: each account's provider assumes the deployer's ${role} role there (prod, sandbox) with this job's token\nexport GITLAB_FEDERATION_AWS_IDENTITY=${role}`;
                assert.ok(lines.includes(line), `${job}: ${JSON.stringify(lines)}`);
                const setup = lines.findIndex((l) => l.includes("export AWS_WEB_IDENTITY_TOKEN_FILE="));
                assert.ok(setup >= 0 && setup < lines.indexOf(line), job);
                // The job's shell: the variable is set for the script that follows (pulumi preview / up).
                assert.equal(execFileSync("sh", ["-c", `${line}\nprintf '%s' "$GITLAB_FEDERATION_AWS_IDENTITY"`], { encoding: "utf8", env: { PATH: process.env.PATH } }), role);
                assert.equal(document[job].variables.AWS_ROLE_ARN, arnOf("main", role));
            }
            assert.equal(schemaErrors({ ".gitlab-ci.yml": text }), undefined);
        });

        it("a map without accounts reached through their own provider: no such line", () => {
            const raw = clone(deployerMap());
            delete raw.aws.accounts.prod;
            delete raw.aws.accounts.sandbox;
            delete raw.projects;
            raw.projects = {};
            const single = generatePipeline([{ name: "dev", file: "Pulumi.dev.yaml", plan: planMap(raw) }]);
            assert.ok(!single.includes(AWS_IDENTITY_VARIABLE));
            assert.ok(single.includes("export AWS_WEB_IDENTITY_TOKEN_FILE="));
        });
    });
});
