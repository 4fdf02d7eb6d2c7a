/**
 * Day-2 safety (issue 8): guardrails that could be bypassed, renames, adoption of existing
 * anchors, and everything else a long-lived stack needs. Exact texts and boundary pairs.
 */
import { strict as assert } from "node:assert";
import { planMap } from "../../src/features";
import { problems, warnings } from "../helpers/check";
import { AWS, GCP, GITLAB, VAULT, clone, map, oneGrant } from "../helpers/maps";

type Json = Record<string, any>;
const AUDITED = { ...VAULT, audit: [{ type: "file", path: "stdout" }] };
const grant = { ref: "main", vault: { read: ["platform/api"] } };
const withAudit = (audit: Json[]) => oneGrant(grant, { sections: { vault: { ...VAULT, audit } } });
const at = (lines: string[], path: string) => lines.filter((l) => l.startsWith(`${path}: `)).map((l) => l.slice(path.length + 2));

describe("day-2 guardrails", () => {
    describe("audit devices", () => {
        it("log_raw: every spelling Go's strconv.ParseBool reads as true needs allowLogRaw", () => {
            for (const value of ["1", "t", "T", "TRUE", "true", "True"]) {
                assert.deepEqual(problems(withAudit([{ type: "file", path: "stdout", options: { log_raw: value } }])), [
                    `gitlab-federation:vault.audit[0].options.log_raw: ${JSON.stringify(value)} is true to Vault (strconv.ParseBool) and writes secrets to the audit log unhashed: remove it, or set allowLogRaw with a reason`,
                ]);
            }
            for (const value of ["0", "f", "F", "FALSE", "false", "False"]) {
                assert.deepEqual(problems(withAudit([{ type: "file", path: "stdout", options: { log_raw: value } }])), [], value);
            }
            const allowed = withAudit([{ type: "file", path: "stdout", options: { log_raw: "1" }, allowLogRaw: "a debugging Vault with no real secrets" }]);
            assert.deepEqual(problems(allowed), []);
            assert.deepEqual(at(warnings(allowed), "gitlab-federation:vault.audit[0].allowLogRaw"), ['secrets are written to the audit log unhashed: "a debugging Vault with no real secrets"']);
        });

        it("boolean options Vault cannot parse are refused; hmac_accessor off is warned", () => {
            assert.deepEqual(problems(withAudit([{ type: "file", path: "stdout", options: { log_raw: "yes", elide_list_responses: "on" } }])), [
                'gitlab-federation:vault.audit[0].options.elide_list_responses: must be a boolean as Vault reads it (Go strconv.ParseBool: true, false, 1, 0, t, f, ...), got "on"; Vault refuses to enable the device otherwise',
                'gitlab-federation:vault.audit[0].options.log_raw: must be a boolean as Vault reads it (Go strconv.ParseBool: true, false, 1, 0, t, f, ...), got "yes"; Vault refuses to enable the device otherwise',
            ]);
            for (const value of ["0", "f", "False"]) {
                assert.deepEqual(at(warnings(withAudit([{ type: "file", path: "stdout", options: { hmac_accessor: value } }])), "gitlab-federation:vault.audit[0].options.hmac_accessor"), [
                    `${JSON.stringify(value)} is false to Vault: token accessors are written to the audit log in clear, and anyone who reads the log can look up and revoke those tokens`,
                ]);
            }
            assert.deepEqual(at(warnings(withAudit([{ type: "file", path: "stdout", options: { hmac_accessor: "t" } }])), "gitlab-federation:vault.audit[0].options.hmac_accessor"), []);
        });

        it("nested device paths are refused (file and file/second); siblings pass", () => {
            assert.deepEqual(problems(withAudit([{ type: "file", path: "stdout" }, { type: "file", name: "file/second", path: "/var/log/b.log" }])), [
                'gitlab-federation:vault.audit[1]: device path "file/second" is below "file" (vault.audit[0]): Vault refuses an audit path nested in another; choose a path beside it',
            ]);
            assert.deepEqual(problems(withAudit([{ type: "file", path: "stdout" }, { type: "file", name: "file-second", path: "/var/log/b.log" }])), []);
        });

        it("no device is warned, unless the map says where auditing is managed", () => {
            assert.deepEqual(at(warnings(oneGrant(grant)), "gitlab-federation:vault.audit"), [
                "no audit device: this stack does not make Vault record CI logins and secret reads. Add a device, or set vault.auditManagedElsewhere with a reason if devices are enabled outside this stack",
            ]);
            const elsewhere = oneGrant(grant, { sections: { vault: { ...VAULT, auditManagedElsewhere: "the Vault team's Terraform enables file and syslog devices" } } });
            assert.deepEqual(at(warnings(elsewhere), "gitlab-federation:vault.audit"), []);
            assert.deepEqual(at(warnings(elsewhere), "gitlab-federation:vault.auditManagedElsewhere"), ['audit devices are not managed by this stack: "the Vault team\'s Terraform enables file and syslog devices"']);
        });

        it("have their own protection, off by default; adopt: import adopts an existing device at its path", () => {
            const plan = planMap(withAudit([{ type: "file", path: "stdout" }, { type: "syslog", protect: true, adopt: "import" }]));
            assert.deepEqual(
                plan.vault!.audits.map((a) => a.resource),
                [
                    { type: "vault:index/audit:Audit", name: "file", protect: false, deleteBeforeReplace: true },
                    { type: "vault:index/audit:Audit", name: "syslog", protect: true, deleteBeforeReplace: true, import: "syslog" },
                ],
            );
        });
    });

    describe("AWS inline policies and managed policies", () => {
        it("are checked case-insensitively and through wildcards (see aws.test.ts for the full table)", () => {
            const lines = problems(oneGrant({ ref: "main", aws: { inlinePolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "Iam:Put*", Resource: "*" }] } } }, { sections: { aws: AWS } }));
            assert.equal(lines.length, 1);
            assert.match(lines[0]!, /\("Iam:Put\*" \(iam:PutRolePolicy, iam:PutUserPolicy, \.\.\.\)\)/);
        });
    });

    describe("GCP roles", () => {
        const roles = (role: string, allowBroad?: string) =>
            problems(oneGrant({ ref: "main", gcp: { roles: [role], ...(allowBroad !== undefined ? { allowBroad } : {}) } }, { sections: { gcp: GCP } }));
        it("token creators, Cloud Build editors and custom roles need allowBroad", () => {
            for (const role of ["roles/iam.serviceAccountOpenIdTokenCreator", "roles/cloudbuild.builds.editor", "roles/iam.serviceAccountTokenCreator", "roles/owner"]) {
                assert.deepEqual(roles(role), [
                    `gitlab-federation:projects["platform/api"].grants.deploy.gcp.roles[0]: ${JSON.stringify(role)} on the whole project makes any pipeline that matches this grant an administrator or lets it act as other service accounts: grant a narrower role, or set gcp.allowBroad with a reason`,
                ]);
            }
            for (const role of ["projects/acme-ci/roles/deployer", "organizations/123/roles/deployer"]) {
                assert.deepEqual(roles(role), [
                    `gitlab-federation:projects["platform/api"].grants.deploy.gcp.roles[0]: ${JSON.stringify(role)} is a custom role, whose permissions cannot be checked offline: set gcp.allowBroad with a reason once you have checked it grants nothing administrative`,
                ]);
                assert.deepEqual(roles(role, "custom deployer role reviewed: run.services.update only"), []);
            }
            assert.deepEqual(roles("roles/cloudbuild.builds.viewer"), []);
        });
    });

    describe("AWS and exact protected refs", () => {
        it("are warned once, listing the grants", () => {
            const projects = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`group/p${String(i).padStart(2, "0")}`, { id: i + 1, grants: { ci: { ref: "main", aws: {} } } }]));
            (projects as Json)["group/p99"] = { id: 99, grants: { review: { ref: "*", protected: false, aws: {} } } };
            const lines = warnings(map(projects, { aws: AWS })).filter((w) => w.startsWith("gitlab-federation:aws: AWS cannot check ref_protected"));
            assert.deepEqual(lines, [
                'gitlab-federation:aws: AWS cannot check ref_protected, so these grants, which require a protected ref, admit any pipeline on the same ref name, protected or not: group/p00 ci, group/p01 ci, group/p02 ci, group/p03 ci, group/p04 ci, group/p05 ci, group/p06 ci, group/p07 ci, group/p08 ci, group/p09 ci and 2 more. They rely on GitLab: a protection rule covering each ref (branches: allowed to push and merge, maintainers only; tags: allowed to create, maintainers only), never removed, and no unprotected branch or tag of that name pushed first (see the README, "What AWS relies on")',
            ]);
        });
    });

    describe("AWS tags", () => {
        const tags = (t: Json) => problems(oneGrant({ ref: "main", aws: {} }, { sections: { aws: { ...AWS, tags: t } } }));
        const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, "v"]));
        it("46 tags pass, 47 fail (IAM allows 50, this program sets 4)", () => {
            assert.deepEqual(tags(many(46)), []);
            assert.deepEqual(tags(many(47)), ["gitlab-federation:aws.tags: lists 47 tags; with the 4 this program sets (managed-by, gitlab-project, gitlab-project-id, gitlab-grant) a role would carry 51, above IAM's 50: keep at most 46"]);
        });
        it("keys of 128 characters pass, 129 fail; values of 256 pass, 257 fail", () => {
            assert.deepEqual(tags({ ["k".repeat(128)]: "v".repeat(256) }), []);
            assert.deepEqual(tags({ ["k".repeat(129)]: "v" }), [`gitlab-federation:aws.tags.${"k".repeat(129)}: tag key "${"k".repeat(129)}" must be 1-128 characters of letters, digits, spaces and _.:/=+-@ (IAM)`]);
            assert.deepEqual(tags({ k: "v".repeat(257) }), [`gitlab-federation:aws.tags.k: tag value "${"v".repeat(40)}" must be at most 256 characters of letters, digits, spaces and _.:/=+-@ (IAM), got 257`]);
        });
        it("reserved, own, case-duplicate keys and other characters are refused", () => {
            assert.deepEqual(tags({ "aws:team": "x", "Managed-By": "me", Team: "a", team: "b", cost: "a;b" }), [
                'gitlab-federation:aws.tags.cost: tag value "a;b" must be at most 256 characters of letters, digits, spaces and _.:/=+-@ (IAM), got 3',
                'gitlab-federation:aws.tags.team: differs from tag "Team" only in case; IAM treats them as one key',
                'gitlab-federation:aws.tags["Managed-By"]: "Managed-By" is a tag this program sets itself; choose another key',
                'gitlab-federation:aws.tags["aws:team"]: tag keys starting with "aws:" are reserved by AWS',
            ]);
            assert.deepEqual(tags({ "cost center": "R&D ops/ä" }).length, 1);
            assert.deepEqual(tags({ "cost center": "ops/ä:1=2+3-4@x" }), []);
        });
    });

    describe("Vault reads", () => {
        it("a project key that holds another project's folder is warned at the read", () => {
            const raw = map({
                "acme/api": { id: 1, grants: { deploy: { ref: "main", vault: { read: ["acme/api"] } } } },
                "acme/api/sub": { id: 2, grants: { deploy: { ref: "main", vault: { read: ["acme/api/sub/x"] } } } },
            }, { vault: AUDITED });
            assert.deepEqual(warnings(raw), [
                'gitlab-federation:projects["acme/api"].grants.deploy.vault.read[0]: "acme/api" holds the folder "acme/api/sub/" of project acme/api/sub (id 2): this grant reads that project\'s secrets too. Narrow the prefix to a folder of acme/api\'s own',
            ]);
            const narrow = clone(raw) as Json;
            narrow.projects["acme/api"].grants.deploy.vault.read = ["acme/api/config"];
            assert.deepEqual(warnings(narrow), []);
        });

        it("a project whose top-level group is named like the KV mount reads its own folder", () => {
            const raw = map({ "secret/app": { id: 1, grants: { deploy: { ref: "main", vault: { read: ["secret/app/production"] } } } } }, { vault: AUDITED });
            assert.deepEqual(problems(raw), []);
            assert.deepEqual(problems(oneGrant({ ref: "main", vault: { read: ["secret/data/platform/api"] } }, { sections: { vault: AUDITED } })), [
                'gitlab-federation:projects["platform/api"].grants.deploy.vault.read[0]: is relative to the KV mount "secret": write "platform/api" instead of "secret/data/platform/api"',
            ]);
        });

        it("tokens carry the grant's policy only, unless vault.defaultPolicy", () => {
            assert.equal(planMap(oneGrant(grant)).vault!.roles[0]!.tokenNoDefaultPolicy, true);
            assert.equal(planMap(oneGrant(grant, { sections: { vault: { ...VAULT, defaultPolicy: true } } })).vault!.roles[0]!.tokenNoDefaultPolicy, false);
        });
    });

    it("a key source on another host than the issuer is warned", () => {
        const raw = { ...oneGrant(grant, { sections: { vault: AUDITED } }), gitlab: { ...GITLAB, jwksUrl: "https://keys.example.net/jwks" } };
        assert.deepEqual(warnings(raw), [
            "gitlab-federation:gitlab.jwksUrl: is on keys.example.net, not the issuer's host gitlab.example.com: Vault trusts every token signed by the keys served there, so whoever controls that host can sign CI tokens. Make sure it is GitLab (a proxy of /oauth/discovery/keys), or use the default",
        ]);
        assert.deepEqual(warnings({ ...raw, gitlab: { ...GITLAB, jwksUrl: "https://gitlab.example.com/-/jwks" } }), []);
    });
});

describe("renames", () => {
    const renamed = (extra: Json, read = "platform/api/production") =>
        map({ "platform/core": { id: 42, renamedFrom: "platform/api", ...extra, grants: { deploy: { ref: "main", vault: { read: [read] }, aws: {}, gcp: {} } } } }, { vault: AUDITED, aws: AWS, gcp: GCP });

    it("renamedFrom keeps physical names and the old secrets folder; AWS binds the new path", () => {
        const plan = planMap(renamed({}));
        assert.deepEqual(plan.vault!.roles.map((r) => [r.resource.name, r.resource.aliases, r.roleName]), [["42/deploy", ["platform/core/deploy", "platform/api/deploy"], "platform-api--deploy"]]);
        assert.deepEqual(plan.aws!.roles.map((r) => r.name), ["gitlab-platform-api--deploy"]);
        assert.deepEqual(plan.gcp!.serviceAccounts.map((a) => a.accountId), ["gl-platform-api--deploy"]);
        assert.deepEqual(plan.grants[0]!.aws!.subjects, ["project_path:platform/core:ref_type:branch:ref:main"]);
        assert.deepEqual(problems(renamed({}, "platform/core/production")), []);
    });

    it("refuses a renamedFrom that is the key itself, another key, or another project's", () => {
        assert.deepEqual(problems(renamed({ renamedFrom: "platform/core" }, "platform/core/production")), [
            'gitlab-federation:projects["platform/core"].renamedFrom: is the project\'s own key "platform/core": renamedFrom names the path before a rename; remove it',
        ]);
        const both = clone(renamed({})) as Json;
        both.projects["platform/api"] = { id: 57, grants: { x: { ref: "main", vault: { read: ["platform/api/x"] } } } };
        assert.ok(problems(both).includes('gitlab-federation:projects["platform/core"].renamedFrom: "platform/api" is also a project key of this map: the names and secrets folder of that path belong to one project; if that project is new at the old path, give it other names (vault.roleName, aws.roleName, gcp.accountId) and keep this project\'s renamedFrom, or remove renamedFrom'));
        const twice = clone(renamed({})) as Json;
        twice.projects["platform/other"] = { id: 57, renamedFrom: "platform/api", grants: { x: { ref: "main", vault: { read: ["platform/other/x"] } } } };
        assert.ok(problems(twice).includes('gitlab-federation:projects["platform/other"].renamedFrom: "platform/api" is also the renamedFrom of gitlab-federation:projects["platform/core"]: only one project can keep the names of a path'));
    });

    it("a grant's renamedFrom: names and aliases from the old grant name; refused when it names a grant that exists", () => {
        const raw = map({ "platform/api": { id: 42, grants: { ship: { renamedFrom: "deploy", ref: "main", vault: { read: ["platform/api"] } } } } }, { vault: AUDITED });
        assert.deepEqual(planMap(raw).vault!.roles.map((r) => [r.resource.name, r.resource.aliases, r.roleName]), [["42/ship", ["platform/api/ship", "platform/api/deploy", "42/deploy"], "platform-api--deploy"]]);
        const clash = clone(raw) as Json;
        clash.projects["platform/api"].grants.deploy = { ref: "main", vault: { read: ["platform/api/x"] } };
        assert.ok(problems(clash).includes('gitlab-federation:projects["platform/api"].grants.ship.renamedFrom: "deploy" is also a grant of this project: a grant can only take over the resources of a grant that no longer exists'));
    });
});

describe("adopting what exists", () => {
    it("Vault: import adopts the auth method and the mount by path; external leaves them out of the plan", () => {
        const imported = planMap(oneGrant(grant, { sections: { vault: { ...AUDITED, authPath: "jwt", adopt: { authMethod: "import", kvMount: "import" } } } })).vault!;
        assert.deepEqual([imported.authBackend!.resource, imported.mounts[0]!.resource], [
            { type: "vault:jwt/authBackend:AuthBackend", name: "jwt", protect: true, import: "jwt" },
            { type: "vault:index/mount:Mount", name: "kv", protect: true, aliases: ["secret"], import: "secret" },
        ]);
        const external = oneGrant(grant, { sections: { vault: { ...AUDITED, authPath: "jwt", adopt: { authMethod: "external", kvMount: "external" } } } });
        const plan = planMap(external).vault!;
        assert.equal(plan.authBackend, undefined);
        assert.deepEqual(plan.mounts, []);
        assert.deepEqual(plan.adopt, { authMethod: "external", kvMount: "external" });
        assert.equal(plan.roles[0]!.backend, "jwt");
        assert.deepEqual(at(warnings(external), "gitlab-federation:vault.adopt.authMethod"), [
            "external: this stack adds roles to auth/jwt but does not configure it; make sure its bound_issuer, key source and algorithms match GitLab (see the README's migration steps) and that it has no oidc_client_id (that breaks every JWT login)",
        ]);
        assert.deepEqual(at(warnings(external), "gitlab-federation:vault.adopt.kvMount"), ["external: secret/ is not managed by this stack (never created, changed or deleted here); it must be a KV v2 mount"]);
        const importing = oneGrant(grant, { sections: { vault: { ...AUDITED, authPath: "jwt", adopt: { authMethod: "import", kvMount: "import" } } } });
        assert.deepEqual(at(warnings(importing), "gitlab-federation:vault.adopt.kvMount"), [
            "import: an administrator's next pulumi up adopts secret/ with its data and keeps it (protected: true); it must already be a KV v2 mount (a type change would replace it, which Pulumi refuses for an imported resource). Remove adopt once it has run: kept while kvMount changes, it imports the new path and replaces this mount, deleting its secrets",
        ]);
    });

    it("AWS: import adopts the OIDC provider by ARN, which needs the account", () => {
        const plan = planMap(oneGrant({ ref: "main", aws: {} }, { sections: { aws: { ...AWS, adopt: { oidcProvider: "import" } } } })).aws!;
        assert.equal(plan.oidcProviders[0]!.resource.import, "arn:aws:iam::111111111111:oidc-provider/gitlab.example.com");
        assert.deepEqual(problems(oneGrant({ ref: "main", aws: {} }, { sections: { aws: { audience: "sts.amazonaws.com", adopt: { oidcProvider: "import" } } } })), [
            "gitlab-federation:aws.adopt.oidcProvider: import needs aws.accountId: the provider is imported by its ARN",
        ]);
    });

    it("GCP: import adopts pool and provider by resource name; an external pool is only named", () => {
        const plan = planMap(oneGrant({ ref: "main", gcp: {} }, { sections: { gcp: { ...GCP, adopt: { pool: "import", provider: "import" } } } })).gcp!;
        assert.deepEqual([plan.pools[0]!.resource.import, plan.providers[0]!.resource.import], [
            "projects/acme-ci/locations/global/workloadIdentityPools/gitlab",
            "projects/acme-ci/locations/global/workloadIdentityPools/gitlab/providers/gitlab-example-com",
        ]);
        const external = planMap(oneGrant({ ref: "main", gcp: {} }, { sections: { gcp: { ...GCP, adopt: { pool: "external" } } } })).gcp!;
        assert.deepEqual(external.pools, []);
        assert.equal(external.poolAdoption, "external");
        assert.equal(external.providers[0]!.workloadIdentityPoolId, "gitlab");
    });
});

describe("GCP and a privately signed GitLab", () => {
    const keys = JSON.stringify({ keys: [{ kty: "RSA", kid: "k1", n: "AQAB", e: "AQAB" }] });
    const raw = (gcp: Json, gitlab: Json = GITLAB) => ({ ...oneGrant({ ref: "main", gcp: {} }, { sections: { gcp: { ...GCP, ...gcp } } }), gitlab });
    it("needs the keys uploaded (jwksJson) when gitlab.caPem is set", () => {
        assert.deepEqual(problems(raw({}, { ...GITLAB, caPem: "-----BEGIN CERTIFICATE-----" })), [
            "gitlab-federation:gcp.jwksJson: is required when GitLab's certificate is privately signed (gitlab.caPem): Google fetches the keys from https://gitlab.example.com over publicly trusted TLS only and cannot be given a CA. Set it to the JSON of https://gitlab.example.com/oauth/discovery/keys",
        ]);
        const ok = raw({ jwksJson: keys }, { ...GITLAB, caPem: "-----BEGIN CERTIFICATE-----" });
        assert.deepEqual(problems(ok), []);
        assert.equal(planMap(ok).gcp!.providers[0]!.oidc.jwksJson, keys);
        assert.deepEqual(at(warnings(ok), "gitlab-federation:gcp.jwksJson"), [
            "GCP verifies tokens with these 1 uploaded keys, not GitLab's current ones: when GitLab rotates its signing key, update jwksJson and run pulumi up, or every GCP exchange fails",
        ]);
    });
    it("refuses a jwksJson that is not a key set", () => {
        for (const text of ["{", "{}", '{"keys": []}', '{"keys": [{}]}']) {
            assert.deepEqual(problems(raw({ jwksJson: text })), [
                'gitlab-federation:gcp.jwksJson: must be a JSON Web Key Set, {"keys": [{"kty": "RSA", ...}, ...]}, as https://gitlab.example.com/oauth/discovery/keys serves it',
            ]);
        }
    });
});

describe("the auth method's description", () => {
    it("holds nothing that changes (the provider writes it only at create)", () => {
        const one = planMap(oneGrant(grant)).vault!.authBackend!.description;
        const other = planMap({ ...oneGrant(grant), gitlab: { url: "https://gitlab.other.example" } }).vault!.authBackend!.description;
        assert.equal(one, "GitLab CI ID tokens (managed by gitlab-federation)");
        assert.equal(other, one);
    });
});
