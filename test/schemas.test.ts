import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020";
import { mapFromStackFile } from "../plan/config";
import { planMap } from "../plan";
import { mapJsonSchema, planJsonSchema } from "../plan/json-schema";
import { AWS, GCP, VAULT, map } from "./helpers/maps";

const committed = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
const DEV = mapFromStackFile(readFileSync("Pulumi.dev.yaml", "utf8"), "Pulumi.dev.yaml");

describe("JSON Schemas", () => {
    it("the committed schemas are the generated ones (run `npm run schema` after changing the map or plan)", () => {
        assert.deepEqual(committed("schema/project-map.schema.json"), mapJsonSchema());
        assert.deepEqual(committed("docs/plan.schema.json"), planJsonSchema());
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
