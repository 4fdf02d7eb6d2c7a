/**
 * What the second `pulumi up` does after a day-2 change: URNs under mocks (does each resource
 * keep its identity?) and the engine's decision per resource from the two plans (update in
 * place, replace create-first or delete-first, or refused), with the provider's ForceNew fields.
 */
import { strict as assert } from "node:assert";
import { planMap } from "../../src/features";
import { diffPlans } from "../../src/features/diff";
import { ResourceChange, resourceChanges, shortType } from "../../src/features/lifecycle";
import { runProgram } from "../../src/pulumi/program";
import { clone, devMap } from "../helpers/maps";
import { runWithMocks } from "../helpers/mocks";

type Json = Record<string, any>;
const DEV = devMap() as Json;

/** `<op> <type> <name>[ <- <former>][ (delete-first)][ !<hazard>]`, sorted. */
function ops(base: Json, head: Json): string[] {
    return resourceChanges(planMap(base), planMap(head))
        .map(
            (c: ResourceChange) =>
                `${c.op} ${shortType(c.type)} ${c.name}${c.formerName !== undefined ? ` <- ${c.formerName}` : ""}${c.op === "replace" && c.deleteBeforeReplace ? " (delete-first)" : ""}${c.hazard !== undefined ? " !" : ""}`,
        )
        .sort();
}

async function urns(raw: Json): Promise<string[]> {
    const { resources } = await runWithMocks(() => runProgram(raw, { logWarnings: false }));
    return resources.map((r) => r.urn).sort();
}

/** The dev map with platform/api renamed to platform/core (same project id). */
function renamed(withRenamedFrom: boolean): Json {
    const raw = clone(DEV);
    const project = raw.projects["platform/api"];
    delete raw.projects["platform/api"];
    raw.projects["platform/core"] = { ...(withRenamedFrom ? { renamedFrom: "platform/api" } : {}), ...project };
    for (const grant of Object.values(project.grants) as Json[]) {
        grant.vault.read = grant.vault.read.map((p: string) => p.replace("platform/api", "platform/core"));
    }
    return raw;
}

describe("lifecycle: what the next pulumi up does", () => {
    it("an unchanged map changes nothing", () => {
        assert.deepEqual(resourceChanges(planMap(DEV), planMap(clone(DEV))), []);
    });

    describe("renaming or transferring a project key", () => {
        it("keeps every URN: names are keyed on the project id", async () => {
            assert.deepEqual(await urns(renamed(false)), await urns(DEV));
        });

        it("without renamedFrom: derived names change, so those resources are replaced, never deleted at the end", () => {
            // Each replacement creates the new name first (Vault, GCP) or deletes first where the name
            // would have to be reused (IAM roles); nothing is deleted at the end but the old copies.
            assert.deepEqual(ops(DEV, renamed(false)), [
                "replace Account 42/deploy",
                "replace AuthBackendRole 42/deploy",
                "replace AuthBackendRole 42/release",
                "replace AuthBackendRole 42/review",
                "replace IAMMember 42/deploy/roles/storage.objectAdmin",
                "replace IAMMember 42/deploy/wif-6df5238d",
                "replace Policy 42/deploy",
                "replace Policy 42/release",
                "replace Policy 42/review",
                "replace Role 42/deploy (delete-first)",
                "replace RolePolicyAttachment 42/deploy/ReadOnlyAccess-2a3bda39",
                "update Role 42/release",
            ]);
        });

        it("with renamedFrom: every change is an update in place, and CI jobs keep their role names", () => {
            const changes = resourceChanges(planMap(DEV), planMap(renamed(true)));
            assert.deepEqual([...new Set(changes.map((c) => c.op))], ["update"]);
            assert.ok(changes.every((c) => c.hazard === undefined));
            const roles = (raw: Json) => planMap(raw).vault!.roles.map((r) => r.roleName);
            assert.deepEqual(roles(renamed(true)), roles(DEV));
            const trust = planMap(renamed(true)).aws!.roles.find((r) => r.name === "gitlab-platform-api--deploy")!.assumeRolePolicy;
            assert.equal(trust.Statement[0]!.Condition.StringEquals["gitlab.example.com:sub"], "project_path:platform/core:ref_type:branch:ref:main", "AWS binds the new path");
        });
    });

    describe("moving a shared anchor", () => {
        it("a new kvMount is a remount of the same mount: its URN stays, the policies follow", async () => {
            const moved = clone(DEV);
            moved.vault.kvMount = "kv-ci";
            assert.deepEqual(ops(DEV, moved), [
                "update Mount kv",
                "update Policy 42/deploy",
                "update Policy 42/release",
                "update Policy 42/review",
                "update Policy 57/deploy",
                "update Policy 7/applier",
                "update Policy 7/planner",
            ]);
            const before = await urns(DEV);
            assert.deepEqual((await urns(moved)).filter((u) => u.includes("vault:index/mount")), before.filter((u) => u.includes("vault:index/mount")));
        });

        it("a new authPath is a remount too; roles follow it and policies get new names, created first", () => {
            const moved = clone(DEV);
            moved.vault.authPath = "ci";
            assert.deepEqual(ops(DEV, moved), [
                "replace AuthBackendRole 42/deploy",
                "replace AuthBackendRole 42/release",
                "replace AuthBackendRole 42/review",
                "replace AuthBackendRole 57/deploy",
                "replace AuthBackendRole 7/applier",
                "replace AuthBackendRole 7/planner",
                "replace Policy 42/deploy",
                "replace Policy 42/release",
                "replace Policy 42/review",
                "replace Policy 57/deploy",
                "replace Policy 7/applier",
                "replace Policy 7/planner",
                "update AuthBackend jwt",
            ]);
        });

        it("a GCP pool or provider ID change would replace a protected anchor: refused, and said so", () => {
            const moved = clone(DEV);
            moved.gcp.providerId = "gitlab-ci";
            const [change] = resourceChanges(planMap(DEV), planMap(moved)).filter((c) => c.type.endsWith("WorkloadIdentityPoolProvider"));
            assert.equal(change!.op, "replace");
            assert.equal(change!.hazard, "protected: pulumi up refuses to replace it (changing workloadIdentityPoolProviderId); turn protect off for one run, or undo the change");
        });
    });

    describe("editing an audit device", () => {
        it("replaces it delete-first (its path is reused); unprotected by default, so the edit goes through", () => {
            const edited = clone(DEV);
            edited.vault.audit[0].options = { mode: "0640" };
            assert.deepEqual(ops(DEV, edited), ["replace Audit file (delete-first)"]);
        });

        it("a device with protect: true cannot be edited until protect is off", () => {
            const base = clone(DEV);
            base.vault.audit[0].protect = true;
            const edited = clone(base);
            edited.vault.audit[0].options = { mode: "0640" };
            assert.deepEqual(ops(base, edited), ["replace Audit file (delete-first) !"]);
        });
    });

    it("changing aws.rolePath replaces every role delete-first: IAM names are unique whatever the path", () => {
        const moved = clone(DEV);
        moved.aws.rolePath = "/gitlab/";
        // The deployer's roles too, and their policies, which name the path: an administrator's run (the applier cannot change itself).
        assert.deepEqual(ops(DEV, moved), [
            "replace Role 42/deploy (delete-first)",
            "replace Role 42/release (delete-first)",
            "replace Role 7/applier (delete-first)",
            "replace Role 7/planner (delete-first)",
            "update RolePolicy 7/applier",
            "update RolePolicy 7/planner",
        ]);
    });

    describe("AWS accounts (aws.accounts)", () => {
        /** The dev map with its one account listed under aws.accounts (reached through the stack's own provider), and prod beside it. */
        const withAccounts = (account?: string): Json => {
            const raw = withoutDeployer();
            const { accountId, ...section } = raw.aws;
            const prod = { id: "222222222222", assumeRole: { roleArn: "arn:aws:iam::222222222222:role/federation-admin" }, permissionsBoundary: "arn:aws:iam::222222222222:policy/gitlab-federation-boundary" };
            raw.aws = { ...section, accounts: { main: { id: accountId }, prod } };
            for (const grant of Object.values(raw.projects["platform/api"].grants) as Json[]) {
                if (grant.aws !== undefined) {
                    grant.aws.account = "main";
                }
            }
            if (account !== undefined) {
                raw.projects["platform/api"].grants.deploy.aws.account = account;
            }
            return raw;
        };
        /** The deployer's roles are refused beside an account reached through its own provider (not built per account yet). */
        function withoutDeployer(): Json {
            const raw = clone(DEV);
            delete raw.deployer;
            return raw;
        }
        const ROLE = "aws:iam/role:Role";
        // (Pulumi's mocks qualify a child's type with its parent's type only; the engine's URN carries the whole chain: features/shard.ts urnOf.)
        const urnIn = (name: string) => `urn:pulumi:test::gitlab-federation::gitlab-federation:aws:OidcFederation$${ROLE}::${name}`;
        const awsUrns = async (raw: Json) => (await urns(raw)).filter((u) => u.includes("$aws:iam/") || u.includes("$pulumi:providers:aws"));

        it("listing a single-account map's account under aws.accounts, reached through the stack's provider, keeps every URN: nothing changes", async () => {
            const listed = clone(DEV);
            listed.aws = { ...listed.aws, accounts: { main: { id: listed.aws.accountId } } };
            delete listed.aws.accountId;
            assert.deepEqual(resourceChanges(planMap(DEV), planMap(listed)), []);
            assert.deepEqual(await urns(listed), await urns(DEV));
        });

        it("adding an account reached through its own provider adds its provider and OIDC provider, and changes no URN of the stack's account", async () => {
            assert.deepEqual(ops(withoutDeployer(), withAccounts()), ["create OpenIdConnectProvider prod:gitlab", "create aws prod"]);
            const [before, after] = [await awsUrns(withoutDeployer()), await awsUrns(withAccounts())];
            assert.deepEqual(before.filter((u) => !after.includes(u)), []);
        });

        it("moving a grant to another account: a new URN in the other provider, created first (another account, so no collision), the old one deleted at the end", async () => {
            const [base, head] = [withAccounts(), withAccounts("prod")];
            assert.deepEqual(ops(base, head), [
                "create Role prod:42/deploy",
                "create RolePolicyAttachment prod:42/deploy/ReadOnlyAccess-2a3bda39",
                "delete Role 42/deploy",
                "delete RolePolicyAttachment 42/deploy/ReadOnlyAccess-2a3bda39",
            ]);
            const changes = resourceChanges(planMap(base), planMap(head)).filter((c) => c.type === ROLE);
            assert.deepEqual(
                changes.map((c) => [c.op, c.physical, c.hazard, c.grant]),
                [
                    ["create", "account=prod name=gitlab-platform-api--deploy", undefined, "42/deploy"],
                    ["delete", "account=main name=gitlab-platform-api--deploy", undefined, "42/deploy"],
                ],
            );
            const [before, after] = [await awsUrns(base), await awsUrns(head)];
            assert.deepEqual([before.filter((u) => !after.includes(u)), after.filter((u) => !before.includes(u))].map((l) => l.filter((u) => u.includes(`$${ROLE}::`))), [[urnIn("42/deploy")], [urnIn("prod:42/deploy")]]);
            // diff names the field and the replacement (the stack's own account has a provider too: the stack's).
            assert.deepEqual(diffPlans(planMap(base), planMap(head), { base, head }).fields, [
                {
                    path: 'gitlab-federation:projects["platform/api"].grants.deploy.aws.account',
                    class: "access",
                    change: "widened",
                    detail: '"main" -> "prod": the grant\'s role moves to another account, a replacement: pulumi up creates it in "prod" through that account\'s provider and deletes the one in "main"; its ARN changes, so regenerate the CI that assumes it (jobs fail until then)',
                },
            ]);
            // And back: the stack's own account's name again, in the default provider.
            assert.deepEqual(ops(head, base), [
                "create Role 42/deploy",
                "create RolePolicyAttachment 42/deploy/ReadOnlyAccess-2a3bda39",
                "delete Role prod:42/deploy",
                "delete RolePolicyAttachment prod:42/deploy/ReadOnlyAccess-2a3bda39",
            ]);
        });
    });

    describe("renaming a grant", () => {
        const pinned = (name: string, extra: Json = {}) => {
            const raw = clone(DEV);
            const grant = { ...raw.projects["platform/web"].grants.deploy, ...extra };
            grant.vault = { ...grant.vault, roleName: "web-deploy" };
            grant.gcp = { ...grant.gcp, accountId: "web-deploy" };
            raw.projects["platform/web"].grants = { [name]: grant };
            return raw;
        };

        it("with pinned physical names and no renamedFrom: the hazard that deleted 0.1.0's roles is reported", () => {
            const changes = resourceChanges(planMap(pinned("deploy")), planMap(pinned("ship")));
            const role = changes.find((c) => c.op === "delete" && c.type.endsWith("AuthBackendRole"))!;
            assert.equal(role.name, "57/deploy");
            assert.equal(
                role.hazard,
                'backend=gitlab roleName=web-deploy is created again under the new name 57/ship first, then this delete removes it (a write under the same physical name is an upsert in Vault, "already exists" in IAM and GCP): add renamedFrom, or pin the old name with aliases',
            );
        });

        it("with renamedFrom: the same resources, updated in place", () => {
            const changes = resourceChanges(planMap(pinned("deploy")), planMap(pinned("ship", { renamedFrom: "deploy" })));
            assert.ok(changes.every((c) => c.op === "update" && c.hazard === undefined), JSON.stringify(changes, null, 1));
            assert.ok(changes.some((c) => c.formerName === "57/deploy" && c.name === "57/ship"));
        });
    });

    describe("adoption (adopt: import) is one-shot", () => {
        const adopted = (kvMount: string, adopt: Json | undefined) => {
            const raw = clone(DEV);
            raw.vault = { ...raw.vault, kvMount, ...(adopt !== undefined ? { adopt } : {}) };
            for (const project of Object.values(raw.projects) as Json[]) {
                for (const grant of Object.values(project.grants) as Json[]) delete grant.vault?.tokenTtl;
            }
            return raw;
        };
        const mount = (base: Json, head: Json) => resourceChanges(planMap(base), planMap(head)).filter((c) => c.type === "vault:index/mount:Mount");

        it("kept after the import landed, with the same path: the import ID is the one in the state, nothing happens", () => {
            assert.deepEqual(mount(adopted("secret", { kvMount: "import" }), adopted("secret", { kvMount: "import" })), []);
            assert.deepEqual(mount(adopted("secret", undefined), adopted("secret", { kvMount: "import" })), [], "added for an object the stack already manages at that path: a no-op");
            assert.deepEqual(mount(adopted("secret", { kvMount: "import" }), adopted("secret", undefined)), [], "removed: nothing to do");
        });

        it("kept while the path changes: pulumi up imports the new path and replaces the adopted mount with it (a hazard, never an update)", () => {
            const [change] = mount(adopted("secret", { kvMount: "import" }), adopted("kv", { kvMount: "import" }));
            assert.deepEqual(change, {
                type: "vault:index/mount:Mount",
                name: "kv",
                op: "import",
                changed: ["path"],
                replacedBy: ["path"],
                protected: true,
                deleteBeforeReplace: false,
                physical: "path=kv",
                hazard: 'still marked for adoption (adopt: import) while it moves to path=kv: pulumi up imports "kv", which must already exist, and replaces the adopted path=secret with it (deleting it; it is protected, so pulumi up stops). Remove adopt once the import has run, then change the path',
                adminOnly: "the applier's permissions leave the Vault Mount to an administrator: an administrator runs pulumi up to create it (README: What only an administrator changes)",
            });
        });

        it("removed first, then the path changed: the ordinary change (a remount of the same mount)", () => {
            const [change] = mount(adopted("secret", undefined), adopted("kv", undefined));
            assert.deepEqual([change!.op, change!.changed], ["update", ["path"]]);
        });
    });
});
