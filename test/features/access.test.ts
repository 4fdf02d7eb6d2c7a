/** access: who reaches each secret folder, role and service account, and how. */
import { strict as assert } from "node:assert";
import { planMap } from "../../src/features";
import { accessCsv, accessMatrix } from "../../src/features/access";
import { cli } from "../helpers/cli";
import { VAULT, map } from "../helpers/maps";

const RAW = map(
    {
        "platform/api": {
            id: 42,
            grants: {
                deploy: { ref: "main", environment: "production", vault: { read: ["platform/api/production"] } },
                all: { ref: "main", vault: { read: ["platform/api"] } },
                db: { ref: "main", vault: { read: ["platform/api/production/db"] } },
            },
        },
        "platform/web": { id: 57, grants: { review: { ref: "*", protected: false, vault: { read: ["platform/web/review", "platform/api/production/public"], allowOutsideProject: "the web review apps show the API's public settings", allowUnprotectedOverlap: "public settings, no credentials" } } } },
    },
    { vault: { ...VAULT, auditManagedElsewhere: "audit devices are enabled by the Vault team" } },
);
const PLAN = planMap(RAW);
const compact = (rows: ReturnType<typeof accessMatrix>) => rows.map((r) => `${r.resource} <- ${r.project} ${r.grant} ${r.via}${r.through !== undefined ? ` ${r.through}` : ""}${r.loosenings.length > 0 ? " (loosened)" : ""}`);

describe("access", () => {
    it("who reaches a folder: the grant naming it, grants naming a parent, grants naming a part, loosenings shown", () => {
        assert.deepEqual(compact(accessMatrix(PLAN, { secret: "platform/api/production" })), [
            "secret/platform/api/production <- platform/api all parent secret/platform/api",
            "secret/platform/api/production <- platform/api db child secret/platform/api/production/db",
            "secret/platform/api/production <- platform/api deploy exact",
            "secret/platform/api/production <- platform/web review child secret/platform/api/production/public (loosened)",
        ]);
        const [row] = accessMatrix(PLAN, { secret: "secret/platform/api/production/public" }).filter((r) => r.project === "platform/web");
        assert.deepEqual(row, {
            target: "vault",
            resource: "secret/platform/api/production/public",
            project: "platform/web",
            projectId: "57",
            grant: "review",
            refType: "branch",
            refs: ["*"],
            protected: false,
            via: "exact",
            gives: ["read", "list below"],
            loosenings: [
                'allowOutsideProject: reads outside "platform/web/" (platform/api/production/public): "the web review apps show the API\'s public settings"',
                'allowUnprotectedOverlap: unprotected refs may read secrets that protected grants also read: "public settings, no credentials"',
            ],
        });
    });

    it("the whole matrix lists every folder a grant names, with parents and parts; --project filters", () => {
        assert.deepEqual(compact(accessMatrix(PLAN, { project: "platform/api" })).slice(0, 4), [
            "secret/platform/api <- platform/api all exact",
            "secret/platform/api <- platform/api db child secret/platform/api/production/db",
            "secret/platform/api <- platform/api deploy child secret/platform/api/production",
            "secret/platform/api/production <- platform/api all parent secret/platform/api",
        ]);
        assert.ok(accessMatrix(PLAN, { project: "platform/api" }).every((r) => r.project === "platform/api"));
    });

    it("CSV quotes what needs quoting", () => {
        const lines = accessCsv(accessMatrix(PLAN, { secret: "platform/web/review" })).split("\n");
        assert.equal(lines[0], "target,resource,project,projectId,grant,refType,refs,protected,environment,via,through,gives,loosenings");
        assert.match(lines[1]!, /^vault,secret\/platform\/web\/review,platform\/web,57,review,branch,\*,false,,exact,,read list below,"allowOutsideProject: reads outside ""platform\/web\/"" /);
    });

    it("the binary: the dev map by target, as JSON grouped by resource", () => {
        const run = cli(["access", "-s", "dev", "--format", "json", "--target", "aws"]);
        assert.equal(run.status, 0, run.stderr);
        const json = JSON.parse(run.stdout) as Record<string, { resource: string; grants: { grant: string; gives: string[] }[] }[]>;
        assert.deepEqual(Object.keys(json), ["aws"]);
        assert.deepEqual(
            json.aws!.map((r) => [r.resource, r.grants.map((g) => [g.grant, g.gives])]),
            [
                ["arn:aws:iam::111111111111:role/gitlab-federation/gitlab-platform-api--deploy", [["deploy", ["arn:aws:iam::aws:policy/ReadOnlyAccess"]]]],
                ["arn:aws:iam::111111111111:role/gitlab-federation/gitlab-platform-gitlab-federation--applier", [["applier", ["manage this stack's IAM roles and OIDC provider (inline policy gitlab-federation)"]]]],
                ["arn:aws:iam::111111111111:role/gitlab-federation/gitlab-platform-gitlab-federation--planner", [["planner", ["read this stack's IAM roles and OIDC provider (inline policy gitlab-federation)"]]]],
                ["arn:aws:iam::111111111111:role/gitlab-federation/platform-api-release", [["release", ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]]]],
            ],
        );
        assert.equal(cli(["access", "-s", "dev", "--format", "xml"]).stderr.split("\n")[0], 'gitlab-federation: --format must be text, markdown, json or csv, got "xml"');
    });
});
