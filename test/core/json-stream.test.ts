/** jsonChunks: the same bytes as JSON.stringify(value, null, 2), whatever the value and chunk size. */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { jsonChunks } from "../../src/core/json-stream";
import { planMap } from "../../src/features";
import { devMap } from "../helpers/maps";

const joined = (value: unknown, chunk: number) => [...jsonChunks(value, chunk)].join("");

describe("jsonChunks", () => {
    it("property: equals JSON.stringify(value, null, 2) for random JSON values and chunk sizes", () => {
        fc.assert(
            fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 1, max: 4096 }), (value, chunk) => {
                assert.equal(joined(value, chunk), JSON.stringify(value, null, 2));
            }),
            { numRuns: 400 },
        );
    });

    it("long arrays at every depth (written in slices), empty containers, and what JSON.stringify drops or nulls", () => {
        const long = Array.from({ length: 1500 }, (_, i) => ({ i, nested: [i, { s: `a\nb${i}` }], empty: [], none: {} }));
        const values: unknown[] = [long, { a: long, b: { c: long, d: [long] } }, [[long]], { u: undefined, f: () => 1, list: [undefined, () => 1, null] }, [], {}, "x", 3, null];
        for (const value of values) {
            assert.equal(joined(value, 1000), JSON.stringify(value, null, 2));
        }
        assert.equal(joined(undefined, 10), "");
    });

    it("the dev map's plan, in chunks of the size plan --json uses", () => {
        const plan = planMap(devMap());
        const chunks = [...jsonChunks(plan, 4096)];
        assert.ok(chunks.length > 3);
        assert.equal(chunks.join(""), JSON.stringify(plan, null, 2));
    });
});
