import { strict as assert } from "node:assert";
import { planMap } from "../../src/features";
import { AwsOidcFederation } from "../../components/aws/component";
import { Federation } from "../../src/pulumi/federation";
import { GcpWorkloadIdentityFederation } from "../../components/gcp/component";
import { VaultAuditDevices, VaultJwtAuth, VaultKvMount } from "../../components/vault/component";
import { AWS, GCP, VAULT, map } from "../helpers/maps";
import { Registered, runWithMocks, valueOf } from "../helpers/mocks";

const RAW = map(
    {
        "platform/api": {
            id: 42,
            grants: {
                deploy: { ref: "main", environment: "production", vault: { read: ["platform/api/production"] }, aws: { managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"], inlinePolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] } }, gcp: { roles: ["roles/run.developer"] } },
                review: { ref: "*", protected: false, vault: { read: ["platform/api/review"] }, gcp: {} },
            },
        },
    },
    { vault: { ...VAULT, audit: [{ type: "file", path: "/var/log/vault/audit.log" }] }, aws: AWS, gcp: GCP },
);
const PLAN = planMap(RAW);

const summary = (resources: Registered[]) => resources.map((r) => `${r.type} ${r.name}`);
const byName = (resources: Registered[], type: string, name: string) => {
    const found = resources.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `${type} ${name} registered once`);
    return found[0]!;
};

describe("components under mocks", () => {
    it("VaultJwtAuth: the auth method, one policy and one role per grant, roles wired to policy names and audits", async () => {
        const { resources } = await runWithMocks(() => {
            const audit = new VaultAuditDevices("audit", { audits: PLAN.vault!.audits });
            return new VaultJwtAuth("jwt", { plan: PLAN.vault!, rolesDependOn: [...audit.devices.values()] });
        });
        assert.deepEqual(summary(resources).sort(), [
            "gitlab-federation:vault:AuditDevices audit",
            "gitlab-federation:vault:JwtAuth jwt",
            "vault:index/audit:Audit file",
            "vault:index/policy:Policy 42/deploy",
            "vault:index/policy:Policy 42/review",
            "vault:jwt/authBackend:AuthBackend jwt",
            "vault:jwt/authBackendRole:AuthBackendRole 42/deploy",
            "vault:jwt/authBackendRole:AuthBackendRole 42/review",
        ]);
        const jwt = byName(resources, "gitlab-federation:vault:JwtAuth", "jwt");
        for (const r of resources.filter((x) => x.type.startsWith("vault:jwt") || x.type === "vault:index/policy:Policy")) {
            assert.equal(r.parent, jwt.urn, `${r.name} is a child of the component`);
        }
        const backend = byName(resources, "vault:jwt/authBackend:AuthBackend", "jwt");
        assert.equal(backend.protect, true);
        assert.deepEqual(backend.inputs, {
            path: "gitlab",
            type: "jwt",
            description: "GitLab CI ID tokens (managed by gitlab-federation)",
            boundIssuer: "https://gitlab.example.com",
            jwksUrl: "https://gitlab.example.com/oauth/discovery/keys",
            jwtSupportedAlgs: ["RS256"],
            tune: { defaultLeaseTtl: "5m", maxLeaseTtl: "1h", tokenType: "default-batch" },
        });
        const role = byName(resources, "vault:jwt/authBackendRole:AuthBackendRole", "42/deploy");
        assert.deepEqual(role.inputs, {
            backend: "gitlab",
            roleName: "platform-api--deploy",
            roleType: "jwt",
            boundAudiences: ["https://vault.example.com"],
            boundClaims: { project_id: "42", ref: "main", ref_type: "branch", ref_protected: "true", environment: "production" },
            boundClaimsType: "string",
            userClaim: "project_id",
            tokenTtl: 300,
            tokenMaxTtl: 600,
            tokenExplicitMaxTtl: 600,
            tokenPolicies: ["gitlab-platform-api--deploy"],
            tokenType: "batch",
            tokenNoDefaultPolicy: true,
        });
        assert.equal(role.protect, false);
        assert.deepEqual(
            role.aliases,
            [role.urn.replace("::42/deploy", "::platform/api/deploy"), "urn:pulumi:test::gitlab-federation::vault:jwt/authBackendRole:AuthBackendRole::42/deploy"],
            "aliased from the 0.1.0 name, and at the stack's root (where pulumi state move puts a moved resource)",
        );
        assert.deepEqual(backend.aliases, [backend.urn.replace("::jwt", "::gitlab")]);
        const audit = byName(resources, "vault:index/audit:Audit", "file");
        const policy = byName(resources, "vault:index/policy:Policy", "42/deploy");
        assert.deepEqual([...role.dependencies].sort(), [audit.urn, backend.urn, policy.urn].sort());
        assert.equal(audit.deleteBeforeReplace, true);
        assert.equal(audit.protect, false, "audit devices are replaced on any edit, which protect would refuse");
        assert.deepEqual(audit.inputs, { type: "file", path: "file", options: { file_path: "/var/log/vault/audit.log" } });
        assert.equal(policy.inputs.name, "gitlab-platform-api--deploy");
    });

    it("VaultKvMount: a protected kv v2 mount; unprotected when the plan says so", async () => {
        const { resources } = await runWithMocks(() => new VaultKvMount("kv", { mount: PLAN.vault!.mounts[0]! }));
        const mount = byName(resources, "vault:index/mount:Mount", "kv");
        assert.deepEqual(mount.inputs, { path: "secret", type: "kv", options: { version: "2" }, description: "KV v2 secrets read by GitLab CI (managed by gitlab-federation)" });
        assert.equal(mount.protect, true);
        const unprotected = planMap({ ...RAW, vault: { ...VAULT, protect: false } });
        const second = await runWithMocks(() => new VaultKvMount("kv", { mount: unprotected.vault!.mounts[0]! }));
        assert.equal(byName(second.resources, "vault:index/mount:Mount", "kv").protect, false);
    });

    it("AwsOidcFederation: protected provider; role trust policy names the provider's ARN output; attachments and inline policy", async () => {
        const { resources, result } = await runWithMocks(() => new AwsOidcFederation("aws", { plan: PLAN.aws! }));
        assert.deepEqual(summary(resources).sort(), [
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider gitlab",
            "aws:iam/role:Role 42/deploy",
            "aws:iam/rolePolicy:RolePolicy 42/deploy",
            `aws:iam/rolePolicyAttachment:RolePolicyAttachment ${PLAN.aws!.rolePolicyAttachments[0]!.resource.name}`,
            "gitlab-federation:aws:OidcFederation aws",
        ]);
        const provider = byName(resources, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "gitlab");
        assert.equal(provider.protect, true);
        assert.deepEqual(provider.inputs, { url: "https://gitlab.example.com", clientIdLists: ["sts.amazonaws.com"], tags: { "managed-by": "gitlab-federation" } });
        const role = byName(resources, "aws:iam/role:Role", "42/deploy");
        assert.deepEqual(role.dependencies, [provider.urn]);
        assert.equal(role.deleteBeforeReplace, true, "IAM role names are unique and paths immutable: a path change replaces delete-first");
        assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy), PLAN.aws!.roles[0]!.assumeRolePolicy);
        assert.equal(role.inputs.managedPolicyArns, undefined, "managed policies are attached, not the deprecated exclusive argument");
        assert.equal(role.inputs.enforcement, undefined);
        const attachment = resources.find((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment")!;
        assert.deepEqual(attachment.inputs, { role: "gitlab-platform-api--deploy", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" });
        assert.deepEqual(attachment.dependencies, [role.urn]);
        const inline = byName(resources, "aws:iam/rolePolicy:RolePolicy", "42/deploy");
        assert.deepEqual({ ...inline.inputs, policy: JSON.parse(inline.inputs.policy) }, { role: "gitlab-platform-api--deploy", name: "gitlab-federation", policy: PLAN.aws!.rolePolicies[0]!.policy });
        assert.equal(await valueOf(result.providerArn), "arn:aws:iam::111111111111:oidc-provider/gitlab.example.com");
    });

    it("AwsOidcFederation with an existing provider registers none and trusts the given ARN", async () => {
        const existing = "arn:aws:iam::333333333333:oidc-provider/gitlab.example.com";
        const plan = planMap({ ...RAW, aws: { existingProviderArn: existing } });
        const { resources } = await runWithMocks(() => new AwsOidcFederation("aws", { plan: plan.aws! }));
        assert.equal(resources.filter((r) => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 0);
        const role = byName(resources, "aws:iam/role:Role", "42/deploy");
        assert.equal(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal.Federated, existing);
    });

    it("GcpWorkloadIdentityFederation: protected pool and provider; bindings on the service account itself", async () => {
        const { resources } = await runWithMocks(() => new GcpWorkloadIdentityFederation("gcp", { plan: PLAN.gcp! }));
        const counts = resources.reduce<Record<string, number>>((c, r) => ({ ...c, [r.type]: (c[r.type] ?? 0) + 1 }), {});
        assert.deepEqual(counts, {
            "gitlab-federation:gcp:WorkloadIdentityFederation": 1,
            "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": 1,
            "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": 1,
            "gcp:serviceaccount/account:Account": 2,
            "gcp:serviceaccount/iAMMember:IAMMember": 3,
            "gcp:projects/iAMMember:IAMMember": 1,
        });
        const pool = byName(resources, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool", "pool");
        const provider = byName(resources, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider", "provider");
        assert.deepEqual([pool.protect, provider.protect], [true, true]);
        assert.deepEqual(provider.dependencies, [pool.urn]);
        assert.equal(provider.inputs.attributeCondition, "assertion.project_id in ['42']");
        const account = byName(resources, "gcp:serviceaccount/account:Account", "42/review");
        const bindings = resources.filter((r) => r.type === "gcp:serviceaccount/iAMMember:IAMMember" && r.name.startsWith("42/review/"));
        assert.deepEqual(
            bindings.map((b) => b.inputs),
            PLAN.gcp!.iamMembers.filter((m) => m.resource.name.startsWith("42/review/")).map((m) => ({ serviceAccountId: "projects/acme-ci/serviceAccounts/gl-platform-api--review@acme-ci.iam.gserviceaccount.com", role: m.role, member: m.member })),
        );
        assert.ok(bindings.every((b) => b.dependencies.includes(account.urn) && b.dependencies.includes(provider.urn)));
        const projectRole = byName(resources, "gcp:projects/iAMMember:IAMMember", "42/deploy/roles/run.developer");
        assert.deepEqual(projectRole.inputs, { project: "acme-ci", role: "roles/run.developer", member: "serviceAccount:gl-platform-api--deploy@acme-ci.iam.gserviceaccount.com" });
    });

    it("Federation: one root, a component per target, everything parented, stack outputs per grant", async () => {
        const { resources, result } = await runWithMocks(() => new Federation("gitlab-federation", { plan: PLAN }));
        const root = byName(resources, "gitlab-federation:index:Federation", "gitlab-federation");
        assert.equal(root.parent, "");
        assert.deepEqual(
            resources.filter((r) => r.parent === root.urn).map((r) => `${r.type} ${r.name}`).sort(),
            [
                "gitlab-federation:aws:OidcFederation aws",
                "gitlab-federation:gcp:WorkloadIdentityFederation gcp",
                "gitlab-federation:vault:AuditDevices vault-audit",
                "gitlab-federation:vault:JwtAuth vault-jwt",
                "gitlab-federation:vault:KvMount vault-kv",
            ],
        );
        const components = new Set(resources.filter((r) => !r.custom).map((r) => r.urn));
        assert.ok(resources.filter((r) => r.custom).every((r) => components.has(r.parent)), "every resource is a child of a component");
        // The deprecated per-grant outputs are picked from the grant's contract part: the provider's
        // name there is the planned one, with the project number GCP itself returns (not the mock's echo).
        const grants = await valueOf(result.outputs.grants as never);
        assert.deepEqual(grants, {
            "platform/api": {
                deploy: {
                    projectId: "42",
                    vault: { authPath: "gitlab", roleName: "platform-api--deploy", audience: "https://vault.example.com", policyNames: ["gitlab-platform-api--deploy"] },
                    aws: { roleArn: "arn:aws:iam::111111111111:role/gitlab-platform-api--deploy", roleName: "gitlab-platform-api--deploy", audience: "sts.amazonaws.com" },
                    gcp: {
                        serviceAccountEmail: "gl-platform-api--deploy@acme-ci.iam.gserviceaccount.com",
                        providerName: "projects/123456789012/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com",
                        audience: "https://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com",
                    },
                },
                review: {
                    projectId: "42",
                    vault: { authPath: "gitlab", roleName: "platform-api--review", audience: "https://vault.example.com", policyNames: ["gitlab-platform-api--review"] },
                    gcp: {
                        serviceAccountEmail: "gl-platform-api--review@acme-ci.iam.gserviceaccount.com",
                        providerName: "projects/123456789012/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com",
                        audience: "https://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com",
                    },
                },
            },
        });
        assert.deepEqual(await valueOf(result.outputs.vault as never), { authPath: "gitlab", accessor: "auth_jwt_gitlab", audience: "https://vault.example.com", kvMount: "secret" });
        assert.deepEqual(await valueOf(result.outputs.aws as never), { oidcProviderArn: "arn:aws:iam::111111111111:oidc-provider/gitlab.example.com", audience: "sts.amazonaws.com" });
    });

    it("adopted anchors: import IDs reach the engine; external ones are not registered but still named", async () => {
        const plan = planMap(
            map(
                { "platform/api": { id: 42, grants: { deploy: { ref: "main", vault: { read: ["platform/api"] }, gcp: {} } } } },
                { vault: { ...VAULT, authPath: "jwt", adopt: { authMethod: "external", kvMount: "import" }, audit: [{ type: "file", path: "stdout", adopt: "import" }] }, gcp: { ...GCP, adopt: { pool: "external", provider: "import" } } },
            ),
        );
        const { resources, result } = await runWithMocks(() => new Federation("gitlab-federation", { plan }));
        assert.equal(resources.filter((r) => r.type === "vault:jwt/authBackend:AuthBackend" || r.type === "gcp:iam/workloadIdentityPool:WorkloadIdentityPool").length, 0);
        assert.deepEqual(
            resources.filter((r) => r.importId !== "").map((r) => [r.type, r.importId]),
            [
                ["vault:index/audit:Audit", "file"],
                ["vault:index/mount:Mount", "secret"],
                ["gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider", "projects/acme-ci/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com"],
            ],
        );
        assert.equal(byName(resources, "vault:jwt/authBackendRole:AuthBackendRole", "42/deploy").inputs.backend, "jwt");
        assert.equal(byName(resources, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider", "provider").inputs.workloadIdentityPoolId, "gitlab");
        assert.deepEqual(await valueOf((result.outputs as unknown as Record<string, never>).vault), { authPath: "jwt", audience: "https://vault.example.com", kvMount: "secret" });
    });

    it("Federation with only Vault registers no AWS or GCP component", async () => {
        const plan = planMap(map({ "platform/api": { id: 42, grants: { deploy: { ref: "main", vault: { read: ["platform/api"] } } } } }));
        const { resources } = await runWithMocks(() => new Federation("gitlab-federation", { plan }));
        assert.deepEqual(resources.filter((r) => !r.type.startsWith("vault:") && !r.type.startsWith("gitlab-federation:vault:")).map((r) => r.type), ["gitlab-federation:index:Federation"]);
        assert.equal(resources.length, 1 + 3 + 1 + 1 + 1 + 1); // root, 3 vault components, backend, mount, policy, role
    });
});
