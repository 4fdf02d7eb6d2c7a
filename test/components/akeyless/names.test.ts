/** Akeyless's physical names (components/akeyless/names.ts): pinned, injective, and valid object names. */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { ANCHOR, RESOURCE, akeylessAuthMethodName, akeylessRoleName, folderProblem } from "../../../components/akeyless/names";
import { RoleInputs } from "../../../components/akeyless/resources";
import { projectPathProblem } from "../../../src/core/rules";

describe("Akeyless names (components/akeyless/names.ts)", () => {
    it("are pinned", () => {
        assert.equal(akeylessAuthMethodName("/gitlab-federation/prod"), "/gitlab-federation/prod/gitlab");
        assert.equal(akeylessRoleName("/gitlab-federation/prod", "Platform/Backend/API", "deploy"), "/gitlab-federation/prod/projects/platform/backend/api/deploy");
        assert.deepEqual(ANCHOR, { authMethod: "gitlab" });
        assert.deepEqual(RESOURCE, {
            authMethod: "pulumi-nodejs:dynamic/akeyless:AuthMethod",
            role: "pulumi-nodejs:dynamic/akeyless:Role",
            association: "pulumi-nodejs:dynamic/akeyless:Association",
        });
    });

    it("folders: lowercase path segments; boundary pairs", () => {
        for (const ok of ["/gitlab-federation", "/gitlab-federation/prod", "/a/b_c/d.e"]) {
            assert.equal(folderProblem(ok), undefined, ok);
        }
        const message = (folder: string) =>
            `must be an Akeyless folder path of lowercase letters, digits, "_", "-" and "." segments after "/", e.g. "/gitlab-federation/prod" (got ${JSON.stringify(folder)}); every auth method and role of the stack is created below it`;
        for (const bad of ["gitlab-federation", "/gitlab-federation/", "/Gitlab", "/a//b", "/a/../b", "/a/./b", "/a b", "/-a"]) {
            assert.equal(folderProblem(bad), message(bad), bad);
        }
    });

    it("role names are distinct for distinct (project, grant) and valid Akeyless object names", () => {
        const segment = fc.stringMatching(/^[a-z0-9_][a-z0-9_.-]{0,6}$/);
        const path = fc.array(segment, { minLength: 2, maxLength: 4 }).map((s) => s.join("/")).filter((p) => projectPathProblem(p) === undefined);
        const grant = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,6}[a-z0-9])?$/);
        fc.assert(
            fc.property(path, grant, path, grant, (p1, g1, p2, g2) => {
                const n1 = akeylessRoleName("/f", p1, g1);
                assert.equal(n1 === akeylessRoleName("/f", p2, g2), p1 === p2 && g1 === g2);
                assert.notEqual(n1, akeylessAuthMethodName("/f"));
                assert.ok(RoleInputs.safeParse({ name: n1, rules: [] }).success, n1);
            }),
            { numRuns: 500 },
        );
    });
});
