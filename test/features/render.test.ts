/** Tables for people: fitted to a width by wrapping cells, never by cutting what a reviewer must read. */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { renderPlan, table, wrapCell } from "../../src/features/render";
import { planMap } from "../../src/features";
import { devMap } from "../helpers/maps";

describe("plan tables", () => {
    it("wrapCell breaks at the last space, or after the last separator, that fits; hard only when none does", () => {
        assert.deepEqual(wrapCell("branch main, protected, environment production", 20), ["branch main,", "protected,", "environment", "production"]);
        assert.deepEqual(wrapCell("roles/storage.objectViewer", 10), ["roles/", "storage.", "objectView", "er"]);
        assert.deepEqual(wrapCell("project_path:platform/api:ref_type:branch:ref:main", 18), ["project_path:", "platform/api:", "ref_type:branch:", "ref:main"]);
        assert.deepEqual(wrapCell("a,b,c", 2), ["a,", "b,", "c"]);
        // Boundary: a text exactly the width stays one line; one more character wraps.
        assert.deepEqual(wrapCell("12345 7890", 10), ["12345 7890"]);
        assert.deepEqual(wrapCell("12345 78901", 10), ["12345", "78901"]);
    });

    it("wrapCell keeps every character but the spaces it breaks at, each line within the width (property)", () => {
        fc.assert(
            fc.property(fc.string({ unit: fc.constantFrom("a", "b", " ", ",", "/", "."), maxLength: 60 }), fc.integer({ min: 1, max: 20 }), (text, width) => {
                const lines = wrapCell(text, width);
                assert.ok(lines.every((l) => l.length <= width), JSON.stringify(lines));
                assert.equal(lines.join("").replace(/ /g, ""), text.replace(/ /g, ""));
            }),
        );
    });

    it("a table narrower than its cells continues them on the next lines, columns aligned", () => {
        const text = table(["grant", "accepted on"], [["platform/api deploy", "branch main, protected, environment production"]], 36);
        assert.equal(
            text,
            ["grant              accepted on", "platform/api       branch main,", "deploy             protected,", "                   environment", "                   production"].join("\n"),
        );
    });

    it("the dev plan at 80 columns: every line fits, nothing is cut: every character of every cell is there", () => {
        const plan = planMap(devMap());
        const narrow = renderPlan(plan, { width: 80 });
        const wide = renderPlan(plan);
        assert.ok(!narrow.includes("…"));
        // Tables only: the plan's heading, each target's heading ("Vault: ...") and the warnings are lines of text, not cells.
        const tableLines = (text: string) => text.split("\n").filter((l) => !/^(\S+: |  gitlab-federation:|gitlab-federation plan )/.test(l));
        assert.ok(tableLines(narrow).every((l) => l.length <= 80), tableLines(narrow).filter((l) => l.length > 80).join("\n"));
        // Every character of every cell is still there (wrapping drops only the spaces it breaks at).
        const characters = (text: string) => [...tableLines(text).join("").replace(/\s/g, "")].sort().join("");
        assert.equal(characters(narrow), characters(wide));
        assert.ok(wide.split("\n").some((l) => l.length > 80), "the dev plan has rows wider than 80 columns");
    });
});
