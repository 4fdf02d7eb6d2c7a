import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020";
import { CORE_SCHEMA, load } from "js-yaml";
import { devMap } from "./helpers/maps";
import { planMap } from "../src/features";
import { contractTypesSource } from "../src/features/contract-types";
import { contractJsonSchema, mapJsonSchema, planJsonSchema, stackFileJsonSchema } from "../src/features/json-schema";
import { AWS, GCP, VAULT, map } from "./helpers/maps";

const committed = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
const DEV = devMap();

describe("JSON Schemas", () => {
    it("the committed schemas are the generated ones (run `npm run schema` after changing the map or plan)", () => {
        assert.deepEqual(committed("schema/project-map.schema.json"), mapJsonSchema());
        assert.deepEqual(committed("schema/stack.schema.json"), stackFileJsonSchema());
        assert.deepEqual(committed("docs/plan.schema.json"), planJsonSchema());
        assert.deepEqual(committed("schema/contract.schema.json"), contractJsonSchema());
        assert.equal(readFileSync("src/contract/targets.generated.ts", "utf8"), contractTypesSource());
    });

    it("the map schema accepts the dev map and points at a typo", () => {
        const validate = new Ajv2020({ strict: false, allErrors: true }).compile(committed("schema/project-map.schema.json"));
        assert.equal(validate(DEV), true, JSON.stringify(validate.errors));
        const typo = JSON.parse(JSON.stringify(DEV));
        typo.projects["platform/api"].grants.deploy.protectd = false;
        assert.equal(validate(typo), false);
        assert.deepEqual(
            validate.errors!.map((e) => [e.instancePath, e.keyword, e.params]),
            [["/projects/platform~1api/grants/deploy", "additionalProperties", { additionalProperty: "protectd" }]],
        );
    });

    it("the stack file schema accepts the committed Pulumi.dev.yaml and reports a typo at its path", () => {
        const validate = new Ajv2020({ strict: false, allErrors: true }).compile(committed("schema/stack.schema.json"));
        const stackFile = load(readFileSync("Pulumi.dev.yaml", "utf8"), { schema: CORE_SCHEMA }) as { config: Record<string, any> };
        assert.equal(validate(stackFile), true, JSON.stringify(validate.errors));
        assert.match(readFileSync("Pulumi.dev.yaml", "utf8").split("\n")[0]!, /^# yaml-language-server: \$schema=\.\/schema\/stack\.schema\.json$/);

        const typo = JSON.parse(JSON.stringify(stackFile));
        typo.config["gitlab-federation:projects"]["platform/api"].grants.deploy.protectd = false;
        assert.equal(validate(typo), false);
        assert.deepEqual(
            validate.errors!.map((e) => [e.instancePath, e.keyword, e.params]),
            [["/config/gitlab-federation:projects/platform~1api/grants/deploy", "additionalProperties", { additionalProperty: "protectd" }]],
        );

        const namespace = JSON.parse(JSON.stringify(stackFile));
        namespace.config["gitlab-federation:projcts"] = {};
        assert.equal(validate(namespace), false);
        assert.deepEqual(validate.errors!.map((e) => [e.instancePath, e.keyword]), [["/config/gitlab-federation:projcts", "false schema"]]);

        const duration = JSON.parse(JSON.stringify(stackFile));
        duration.config["gitlab-federation:vault"].tokenTtl = "5 minutes";
        assert.equal(validate(duration), false);
        assert.deepEqual(validate.errors!.map((e) => [e.instancePath, e.keyword]), [["/config/gitlab-federation:vault/tokenTtl", "pattern"]]);

        const grantName = JSON.parse(JSON.stringify(stackFile));
        grantName.config["gitlab-federation:projects"]["platform/api"].grants.Deploy = grantName.config["gitlab-federation:projects"]["platform/api"].grants.deploy;
        assert.equal(validate(grantName), false);
        assert.deepEqual(validate.errors!.map((e) => [e.instancePath, e.keyword]).slice(0, 1), [["/config/gitlab-federation:projects/platform~1api/grants", "pattern"]]);

        const otherKeys = { ...stackFile, secretsprovider: "passphrase", config: { ...stackFile.config, "aws:profile": "ci" } };
        assert.equal(validate(otherKeys), true, "other namespaces and top-level keys are allowed");
    });

    it("plans validate against the plan schema: the dev map, and maps with every optional part", () => {
        const validate = new Ajv2020({ strict: false, allErrors: true }).compile(committed("docs/plan.schema.json"));
        const full = map(
            {
                "platform/api": {
                    id: 42,
                    grants: {
                        deploy: {
                            ref: ["main", "release/*"],
                            environment: "production",
                            description: "d",
                            vault: { read: ["platform/api/a"], tokenBoundCidrs: ["10.0.0.0/8"] },
                            aws: { acknowledge: { protected: "release branches are protected" }, inlinePolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] }, managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] },
                            gcp: { roles: ["roles/run.developer"] },
                        },
                    },
                },
            },
            {
                vault: { ...VAULT, audit: [{ type: "file", path: "stdout", description: "x", local: true }] },
                aws: { ...AWS, thumbprints: ["a".repeat(40)], permissionsBoundary: "arn:aws:iam::111111111111:policy/boundary" },
                gcp: GCP,
            },
        );
        for (const plan of [planMap(DEV), planMap(full)]) {
            assert.equal(validate(JSON.parse(JSON.stringify(plan))), true, JSON.stringify(validate.errors));
        }
    });
});
