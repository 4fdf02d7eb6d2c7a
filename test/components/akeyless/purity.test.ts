/**
 * Only component.ts of the Akeyless target loads @pulumi: the client, the providers' code, the
 * evaluator, the CI login and the names are pure (the rule DEVELOPERS.md sets for targets), so the
 * dynamic provider host and the offline CLI can load them without the Pulumi SDK.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const FOLDER = "components/akeyless";
const HOOK = resolve("test/fixtures/no-pulumi.js");

describe("Akeyless purity (components/akeyless)", () => {
    it("no module but component.ts names @pulumi, not even for types", () => {
        const offenders = readdirSync(FOLDER)
            .filter((file) => file.endsWith(".ts") && file !== "component.ts")
            .filter((file) => /["']@pulumi\//.test(readFileSync(join(FOLDER, file), "utf8")));
        assert.deepEqual(offenders, []);
        assert.match(readFileSync(join(FOLDER, "component.ts"), "utf8"), /from "@pulumi\/pulumi"/);
    });

    it("every other module loads without @pulumi", () => {
        const modules = readdirSync(join("dist", FOLDER))
            .filter((file) => file.endsWith(".js") && file !== "component.js")
            .map((file) => resolve("dist", FOLDER, file));
        assert.deepEqual(modules.map((m) => m.split("/").pop()).sort(), [
            "api.js", "ci.js", "client.js", "contract.js", "deployer.js", "evaluate.js", "evaluator.js", "index.js", "names.js",
            "plan-schema.js", "plan.js", "provider.js", "render.js", "resources.js", "review.js", "schema.js", "table.js",
        ]);
        const run = spawnSync(process.execPath, ["--require", HOOK, "-e", modules.map((m) => `require(${JSON.stringify(m)});`).join("")], { encoding: "utf8" });
        assert.equal(run.status, 0, run.stderr);
        const refused = spawnSync(process.execPath, ["--require", HOOK, "-e", `require(${JSON.stringify(resolve("dist", FOLDER, "component.js"))})`], { encoding: "utf8" });
        assert.match(refused.stderr, /purity: @pulumi\/pulumi was loaded/);
    });
});
