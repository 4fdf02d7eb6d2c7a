/**
 * The deployer's AWS policies, evaluated (helpers/iam.ts, written from AWS's documentation) for
 * every call of the provider-call table (components/aws/permissions.ts) with the request context
 * IAM gives that call, under the conservative reading of iam:PermissionsBoundary and under the
 * current SAR's wider one; and for the state backend's calls per Pulumi command.
 */
import { strict as assert } from "node:assert";
import { planMap } from "../../../src/features";
import { IAM_ACTIONS, IamAction, PROVIDER_CALLS, ProviderCall, changes } from "../../../components/aws/permissions";
import { AWS_INFORMATIONAL, AWS_ROLE_INFORMATIONAL, OidcProviderEntrySchema, RoleEntrySchema, RolePolicyAttachmentEntrySchema, RolePolicyEntrySchema } from "../../../components/aws/plan-schema";
import { Caller, Decision, Policy, Request, decide, roleSession } from "../../helpers/iam";
import { READINGS, Reading, contextOf } from "./iam-context";
import { clone, devMap } from "../../helpers/maps";

type Json = Record<string, any>;
const DEV = devMap() as Json;
const BOUNDARY = "arn:aws:iam::111111111111:policy/gitlab-federation-boundary";
const OTHER_BOUNDARY = "arn:aws:iam::111111111111:policy/wider";
const GRANT_ROLE = "arn:aws:iam::111111111111:role/gitlab-federation/gitlab-platform-api--deploy";
const OWN_ROLES = ["arn:aws:iam::111111111111:role/gitlab-federation/gitlab-platform-gitlab-federation--applier", "arn:aws:iam::111111111111:role/gitlab-federation/gitlab-platform-gitlab-federation--planner"];
const PROVIDER = "arn:aws:iam::111111111111:oidc-provider/gitlab.example.com";
const APPLIER = roleSession(OWN_ROLES[0]!, "gitlab-7-1001");
const PLANNER = roleSession(OWN_ROLES[1]!, "gitlab-7-1002");

function policyOf(raw: Json, role: "applier" | "planner"): Policy {
    return planMap(raw).aws!.rolePolicies.find((p) => p.role === `gitlab-platform-gitlab-federation--${role}`)!.policy as unknown as Policy;
}

function resourceOf(action: IamAction, role: string): string {
    return IAM_ACTIONS[action].resource === "role" ? role : PROVIDER;
}

function decision(policy: Policy, caller: Caller, action: IamAction, options: { role?: string; boundary?: string; reading?: Reading } = {}): Decision {
    const request: Request = { caller, action, resource: resourceOf(action, options.role ?? GRANT_ROLE), context: contextOf(action, options.boundary, options.reading ?? "conservative") };
    return decide(request, { identity: [policy] });
}

const ALL_ACTIONS = Object.keys(IAM_ACTIONS) as IamAction[];
const WRITES = ALL_ACTIONS.filter(changes);
const describeCall = (call: ProviderCall, action: IamAction, reading: Reading) => `${call.resource} ${call.operation}${call.arguments ? ` ${call.arguments.join(",")}` : ""}: ${action} (${reading}; ${call.source})`;

describe("the deployer's AWS permissions, evaluated", () => {
    describe("the provider-call table", () => {
        it("covers every argument the plan sets: an update row, or a replacement", () => {
            const entries = { role: RoleEntrySchema, rolePolicy: RolePolicyEntrySchema, rolePolicyAttachment: RolePolicyAttachmentEntrySchema, oidcProvider: OidcProviderEntrySchema } as const;
            for (const [resource, schema] of Object.entries(entries)) {
                const informational: readonly string[] = resource === "role" ? AWS_ROLE_INFORMATIONAL : AWS_INFORMATIONAL;
                const args = Object.keys(schema.shape).filter((key) => key !== "resource" && !informational.includes(key));
                const covered = PROVIDER_CALLS.filter((c) => c.resource === resource && (c.operation === "update" || c.operation === "replace")).flatMap((c) => c.arguments ?? []);
                assert.deepEqual([...new Set(covered)].sort(), args.sort(), resource);
                for (const operation of ["read", "create", "delete"]) {
                    assert.ok(PROVIDER_CALLS.some((c) => c.resource === resource && c.operation === operation), `${resource} ${operation}`);
                }
            }
        });

        it("reads change nothing, and only the seven agreed actions carry iam:PermissionsBoundary", () => {
            for (const call of PROVIDER_CALLS.filter((c) => c.operation === "read")) {
                assert.deepEqual(call.actions.filter(changes), [], call.source);
            }
            assert.deepEqual(ALL_ACTIONS.filter((a) => (IAM_ACTIONS[a].keys as readonly string[]).includes("iam:PermissionsBoundary")).sort(), [
                "iam:AttachRolePolicy",
                "iam:CreateRole",
                "iam:DeleteRolePermissionsBoundary",
                "iam:DeleteRolePolicy",
                "iam:DetachRolePolicy",
                "iam:PutRolePermissionsBoundary",
                "iam:PutRolePolicy",
            ]);
        });
    });

    describe("the applier", () => {
        const variants = [
            { name: "with a boundary, provider protected", raw: DEV, boundary: BOUNDARY as string | undefined, protect: true },
            { name: "without a boundary, provider unprotected", raw: unbounded(), boundary: undefined, protect: false },
        ];
        for (const variant of variants) {
            it(`may make every call of every row on a grant role, with the context IAM gives it, under both readings (${variant.name})`, () => {
                const policy = policyOf(variant.raw, "applier");
                for (const call of PROVIDER_CALLS) {
                    const expected: Decision =
                        call.when === "never" ? "explicit deny" : (call.when === "boundary" && variant.boundary === undefined) || (call.when === "unprotected" && variant.protect) ? "implicit deny" : "allow";
                    for (const action of call.actions) {
                        for (const reading of READINGS) {
                            assert.equal(decision(policy, APPLIER, action, { boundary: variant.boundary, reading }), expected, describeCall(call, action, reading));
                        }
                    }
                }
            });
        }

        it("never writes the deployer's own roles, whatever their boundary and the reading", () => {
            for (const raw of [DEV, unbounded()]) {
                const policy = policyOf(raw, "applier");
                for (const role of OWN_ROLES) {
                    for (const action of WRITES.filter((a) => IAM_ACTIONS[a].resource === "role")) {
                        for (const boundary of [BOUNDARY, OTHER_BOUNDARY, undefined]) {
                            for (const reading of READINGS) {
                                assert.equal(decision(policy, APPLIER, action, { role, boundary, reading }), "explicit deny", `${action} on ${role} (boundary ${boundary}, ${reading})`);
                            }
                        }
                    }
                }
            }
        });

        it("with a boundary: creates, bounds, and puts or attaches policies on roles with that boundary only; removes no boundary anywhere", () => {
            const policy = policyOf(DEV, "applier");
            for (const action of ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy"] as const) {
                for (const boundary of [OTHER_BOUNDARY, undefined]) {
                    assert.equal(decision(policy, APPLIER, action, { boundary }), "implicit deny", `${action} with boundary ${boundary}`);
                }
                assert.equal(decision(policy, APPLIER, action, { boundary: BOUNDARY }), "allow", action);
            }
            for (const role of [GRANT_ROLE, "arn:aws:iam::111111111111:role/admin", "arn:aws:iam::111111111111:role/other/x"]) {
                for (const boundary of [BOUNDARY, OTHER_BOUNDARY, undefined]) {
                    assert.equal(decision(policy, APPLIER, "iam:DeleteRolePermissionsBoundary", { role, boundary }), "explicit deny", `${role} ${boundary}`);
                }
            }
            assert.equal(decision(unboundedApplier(), APPLIER, "iam:DeleteRolePermissionsBoundary", { boundary: BOUNDARY }), "explicit deny", "without aws.permissionsBoundary too");
        });

        it("nothing outside aws.rolePath, and nothing the provider does not call", () => {
            const policy = policyOf(DEV, "applier");
            for (const role of ["arn:aws:iam::111111111111:role/admin", "arn:aws:iam::111111111111:role/gitlab-federation-x/a", "arn:aws:iam::222222222222:role/gitlab-federation/a"]) {
                for (const action of ALL_ACTIONS.filter((a) => IAM_ACTIONS[a].resource === "role")) {
                    assert.notEqual(decision(policy, APPLIER, action, { role, boundary: BOUNDARY }), "allow", `${action} on ${role}`);
                }
            }
            const request = (action: string, resource: string) => decide({ caller: APPLIER, action, resource, context: { "iam:PermissionsBoundary": BOUNDARY } }, { identity: [policy] });
            assert.equal(request("iam:PassRole", GRANT_ROLE), "implicit deny");
            assert.equal(request("iam:CreatePolicyVersion", BOUNDARY), "implicit deny");
            assert.equal(request("iam:RemoveRoleFromInstanceProfile", "arn:aws:iam::111111111111:instance-profile/gitlab-federation/x"), "implicit deny");
            assert.equal(request("iam:CreateOpenIDConnectProvider", "arn:aws:iam::111111111111:oidc-provider/other.example.com"), "implicit deny");
        });

        it("what the path alone fences: the writes IAM gives no boundary key for also reach an unbounded role under aws.rolePath", () => {
            // Keep no role on aws.rolePath that this stack does not manage.
            const policy = policyOf(DEV, "applier");
            for (const action of ["iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:DeleteRole"] as const) {
                assert.equal(decision(policy, APPLIER, action, { boundary: undefined }), "allow", action);
            }
        });
    });

    describe("the planner", () => {
        it("may make every read of the table, on grant roles, its own roles and the provider, under both readings", () => {
            const policy = policyOf(DEV, "planner");
            for (const call of PROVIDER_CALLS.filter((c) => c.operation === "read")) {
                for (const action of call.actions) {
                    for (const role of [GRANT_ROLE, ...OWN_ROLES]) {
                        for (const reading of READINGS) {
                            assert.equal(decision(policy, PLANNER, action, { role, boundary: BOUNDARY, reading }), "allow", describeCall(call, action, reading));
                        }
                    }
                }
            }
        });

        it("may make no write, whatever the map", () => {
            const raw = unbounded();
            for (const policy of [policyOf(DEV, "planner"), policyOf(raw, "planner")]) {
                for (const action of WRITES) {
                    for (const boundary of [BOUNDARY, undefined]) {
                        assert.equal(decision(policy, PLANNER, action, { boundary }), "implicit deny", action);
                    }
                }
            }
        });
    });

    describe("the state backend (s3://acme-pulumi-state/gitlab-federation, awskms://)", () => {
        const BUCKET = "arn:aws:s3:::acme-pulumi-state";
        const ROOT = "gitlab-federation/.pulumi";
        const KEY = "arn:aws:kms:eu-west-1:111111111111:key/0b2c4d6e-1a3b-4c5d-8e9f-a0b1c2d3e4f5";
        interface Call {
            readonly call: string;
            readonly action: string;
            readonly resource: string;
            readonly prefix?: string;
        }
        const object = (call: string, action: string, key: string): Call => ({ call, action, resource: `${BUCKET}/${ROOT}/${key}` });
        const list = (call: string, prefix: string): Call => ({ call, action: "s3:ListBucket", resource: BUCKET, prefix: `${ROOT}/${prefix}` });
        const CHECKPOINT = "stacks/gitlab-federation/dev.json";
        const LOCK = "locks/organization/gitlab-federation/dev/0b8a5c55-6f1e-4c2e-9a51-3f0d2e1b7c44.json";
        // pulumi/pulumi pkg/backend/diy (notes: aws-iam.md §3.2), per command.
        const READ: readonly Call[] = [
            object("meta.go ensurePulumiMeta: GetObject meta.yaml", "s3:GetObject", "meta.yaml"),
            list("backend.go newDIYBackend: legacy check, ListBucket stacks/", "stacks/"),
            list("state.go stackPath: ListBucket <stack>.json", CHECKPOINT),
            object("state.go stackExists: HeadObject checkpoint", "s3:GetObject", CHECKPOINT),
            object("state.go getCheckpoint: GetObject checkpoint", "s3:GetObject", CHECKPOINT),
            object("stack_tags.go loadStackTags: GetObject .pulumi-tags", "s3:GetObject", "stacks/gitlab-federation/dev.pulumi-tags"),
            { call: "HeadObject API: 404 for a missing key needs s3:ListBucket (how S3 checks it is UNVERIFIED: here without s3:prefix)", action: "s3:ListBucket", resource: BUCKET },
            { call: "pkg/secrets/cloud/manager.go newCloudSecretsManager: keeper.Decrypt", action: "kms:Decrypt", resource: KEY },
        ];
        const WRITE: readonly Call[] = [
            list("lock.go Lock/checkForLock: ListBucket lock dir", "locks/organization/gitlab-federation/dev/"),
            object("lock.go Lock: PutObject lock", "s3:PutObject", LOCK),
            object("lock.go checkForLock: GetObject a foreign lock", "s3:GetObject", LOCK),
            object("state.go backupTarget: CopyObject checkpoint -> .bak (source)", "s3:GetObject", CHECKPOINT),
            object("state.go backupTarget: CopyObject checkpoint -> .bak (destination)", "s3:PutObject", `${CHECKPOINT}.bak`),
            object("state.go saveStack: PutObject checkpoint", "s3:PutObject", CHECKPOINT),
            object("state.go addToHistory: PutObject history", "s3:PutObject", "history/gitlab-federation/dev/dev-1767225600000000000.history.json"),
            object("state.go addToHistory: CopyObject checkpoint -> history", "s3:PutObject", "history/gitlab-federation/dev/dev-1767225600000000000.checkpoint.json"),
            object("state.go backupStack: PutObject backup", "s3:PutObject", "backups/gitlab-federation/dev/dev.1767225600000000000.json"),
            object("lock.go Unlock: DeleteObject lock", "s3:DeleteObject", LOCK),
            object("meta.go: PutObject meta.yaml on a new backend", "s3:PutObject", "meta.yaml"),
            { call: "pkg/secrets/cloud/manager.go generateNewDataKey (stack init, rekey): keeper.Encrypt", action: "kms:Encrypt", resource: KEY },
        ];
        const run = (policy: Policy, caller: Caller, call: Call) =>
            decide({ caller, action: call.action, resource: call.resource, ...(call.prefix !== undefined ? { context: { "s3:prefix": call.prefix } } : {}) }, { identity: [policy] });

        it("preview and refresh --preview-only: every call allowed to the planner and the applier", () => {
            for (const [caller, role] of [[PLANNER, "planner"], [APPLIER, "applier"]] as const) {
                for (const call of READ) {
                    assert.equal(run(policyOf(DEV, role), caller, call), "allow", `${role}: ${call.call}`);
                }
            }
        });

        it("up, refresh, destroy: every call allowed to the applier; every write denied to the planner", () => {
            for (const call of WRITE) {
                assert.equal(run(policyOf(DEV, "applier"), APPLIER, call), "allow", call.call);
                const writes = call.action !== "s3:ListBucket" && call.action !== "s3:GetObject";
                assert.equal(run(policyOf(DEV, "planner"), PLANNER, call), writes ? "implicit deny" : "allow", `planner: ${call.call}`);
            }
        });

        it("nothing outside <prefix>/.pulumi/: other keys and listings of other prefixes are denied", () => {
            for (const role of ["applier", "planner"] as const) {
                const policy = policyOf(DEV, role);
                const caller = role === "applier" ? APPLIER : PLANNER;
                assert.equal(run(policy, caller, { call: "list another stack's state", action: "s3:ListBucket", resource: BUCKET, prefix: "other/.pulumi/stacks/" }), "implicit deny", role);
                assert.equal(run(policy, caller, { call: "list the prefix itself", action: "s3:ListBucket", resource: BUCKET, prefix: "gitlab-federation/" }), "implicit deny", role);
                for (const key of ["gitlab-federation/notes.txt", "other/.pulumi/meta.yaml", ".pulumi/meta.yaml"]) {
                    assert.equal(run(policy, caller, { call: key, action: "s3:GetObject", resource: `${BUCKET}/${key}` }), "implicit deny", `${role}: ${key}`);
                }
            }
        });

        it("without a prefix the backend lives in .pulumi/ at the bucket root", () => {
            const raw = clone(DEV);
            delete raw.deployer.aws.state.prefix;
            const policy = policyOf(raw, "planner");
            assert.equal(run(policy, PLANNER, { call: "meta", action: "s3:GetObject", resource: `${BUCKET}/.pulumi/meta.yaml` }), "allow");
            assert.equal(run(policy, PLANNER, { call: "stacks", action: "s3:ListBucket", resource: BUCKET, prefix: ".pulumi/stacks/" }), "allow");
            assert.equal(run(policy, PLANNER, { call: "other", action: "s3:GetObject", resource: `${BUCKET}/other/key` }), "implicit deny");
        });
    });
});

/** The dev map without a boundary (given a reason) and with an unprotected provider. */
function unbounded(): Json {
    const raw = clone(DEV);
    delete raw.aws.permissionsBoundary;
    raw.aws.protect = false;
    raw.deployer.aws.allowUnboundedRoles = "a sandbox account with nothing else in it";
    return raw;
}

function unboundedApplier(): Policy {
    return policyOf(unbounded(), "applier");
}
