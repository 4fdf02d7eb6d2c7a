/**
 * One conformance suite over every registered target (components/index.ts): what each target
 * owes the rest of the program, checked the same way for all, from its testkit
 * (test/components/<key>/testkit.ts). A new target passes this before anything else.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { targets } from "../components";
import { checkMap, planMap } from "../src/features";
import type { GrantSummary, Plan } from "../src/features/plan-schema";
import { GITLAB } from "./helpers/maps";
import { gitlabToken } from "./helpers/tokens";
import type { Json } from "./components/testkit";
import { TESTKITS } from "./components/testkits";

const kit = (key: string) => TESTKITS[key]!;
const segment = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
const projectPath = fc.oneof(fc.tuple(segment, segment).map(([a, b]) => `${a}/${b}`), fc.tuple(segment, segment, segment).map(([a, b, c]) => `${a}/${b}/${c}`));
const REFS = [
    { ref: "main", refType: "branch" },
    { ref: ["develop", "main"], refType: "branch" },
    { ref: "release/*", refType: "branch" },
    { ref: "v*", refType: "tag" },
    { ref: "v1.0.0", refType: "tag" },
] as const;

/** One grant: its conditions and, for a non-empty subset of the registered targets, the target's fields from its testkit. */
const grantArb = (project: string, grant: string) =>
    fc
        .record({ refs: fc.constantFrom(...REFS), protected: fc.boolean(), environment: fc.option(fc.constantFrom("production", "staging"), { nil: undefined }), keys: fc.subarray(targets().map((t) => t.key), { minLength: 1 }) })
        // A target that refuses pattern refs (its testkit's exactRefs) gets grants with exact refs only.
        .map((r) => ({ ...r, keys: r.keys.filter((key) => kit(key).exactRefs !== true || ![r.refs.ref].flat().some((ref) => ref.includes("*"))) }))
        .filter((r) => r.keys.length > 0)
        .chain(({ refs, protected: isProtected, environment, keys }) => {
            const spec = { project, grant, ref: refs.ref, refType: refs.refType, protected: isProtected, ...(environment !== undefined ? { environment } : {}) };
            const fields = Object.fromEntries(keys.map((key) => [key, kit(key).grant(spec)]));
            return fc.record(fields).map((f) => ({ ref: refs.ref, refType: refs.refType, protected: isProtected, ...(environment !== undefined ? { environment } : {}), ...f }));
        });

/** A random valid map over every registered target. */
const mapArb = fc
    .uniqueArray(fc.tuple(projectPath, fc.integer({ min: 1, max: 10_000_000 }), fc.uniqueArray(fc.constantFrom("deploy", "review", "release", "build"), { minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 4, selector: ([path]) => path })
    .filter((projects) => new Set(projects.map(([, id]) => id)).size === projects.length)
    .chain((projects) =>
        fc.tuple(...projects.map(([path, id, names]) => fc.tuple(...names.map((name) => grantArb(path, name))).map((grants) => [path, { id, grants: Object.fromEntries(names.map((n, i) => [n, grants[i]])) }] as const))),
    )
    .map((projects) => ({ gitlab: GITLAB, ...Object.fromEntries(targets().map((t) => [t.key, kit(t.key).section])), projects: Object.fromEntries(projects) }) as Json);

/** The same JSON with every object's keys in another order. */
function shuffled(value: unknown, seed: number): unknown {
    if (Array.isArray(value)) return value.map((v, i) => shuffled(v, seed + i));
    if (typeof value !== "object" || value === null) return value;
    const entries = Object.entries(value);
    const order = entries.map((_, i) => (i * 7919 + seed) % (entries.length + 1));
    return Object.fromEntries(entries.map((e, i) => [e, order[i]!] as const).sort((a, b) => a[1] - b[1]).map(([[k, v]]) => [k, shuffled(v, seed + 1)]));
}

/** A token of the grant's own jobs: its project, a ref its conditions admit, its protection and environment, the target's audience. */
function ownToken(plan: Plan, grant: GrantSummary, key: string): Json {
    const ref = grant.conditions.ref[0]!.replace(/\*/g, "x");
    const audience = (plan as unknown as Record<string, { audience: string }>)[key]!.audience;
    return gitlabToken({ projectPath: grant.project, projectId: grant.projectId, ref, refType: grant.conditions.refType, protected: grant.conditions.protected, aud: audience, ...(grant.conditions.environment !== undefined ? { environment: grant.conditions.environment } : {}) });
}

const sections = (value: Plan | GrantSummary) => value as unknown as Record<string, any>;

describe("conformance: every registered target", () => {
    it("has a testkit (test/components/<key>/testkit.ts, listed in test/components/testkits.ts)", () => {
        assert.deepEqual(targets().map((t) => t.key).filter((key) => TESTKITS[key] === undefined), []);
    });

    it("plans deterministically, whatever the order of the map's keys", () => {
        fc.assert(
            fc.property(mapArb, fc.nat(1000), (raw, seed) => {
                const plan = JSON.stringify(planMap(raw));
                assert.equal(JSON.stringify(planMap(raw)), plan);
                assert.equal(JSON.stringify(planMap(shuffled(raw, seed) as Json)), plan);
            }),
            { numRuns: 60 },
        );
    });

    it("its part of the plan and of each grant summary round-trip through its plan schemas; every entry is of a kind of its resource table, named once per type", () => {
        fc.assert(
            fc.property(mapArb, (raw) => {
                const plan = planMap(raw);
                const json = JSON.parse(JSON.stringify(plan)) as Json;
                for (const target of targets()) {
                    assert.deepEqual(target.planSchema.parse(json[target.key]), json[target.key], target.key);
                    for (const grant of json.grants.filter((g: Json) => g[target.key] !== undefined)) {
                        assert.deepEqual(target.summarySchema.parse(grant[target.key]), grant[target.key], `${target.key} ${grant.project} ${grant.grant}`);
                    }
                    const entries = target.resources.entries(sections(plan)[target.key]);
                    assert.deepEqual(entries.map((e) => e.resource.type).filter((type) => target.resources.kinds[type] === undefined), [], `${target.key}: types outside its table`);
                    const names = entries.map((e) => `${e.resource.type} ${e.resource.name}`);
                    assert.equal(new Set(names).size, names.length, `${target.key}: a logical name twice`);
                    const grants = new Set(plan.grants.map((g) => `${g.projectId}/${g.grant}`));
                    assert.deepEqual(entries.filter((e) => e.resource.grant !== undefined && !grants.has(e.resource.grant)).map((e) => e.resource.name), [], `${target.key}: an entry of no grant`);
                    assert.deepEqual(target.resources.select(sections(plan)[target.key], () => true), sections(plan)[target.key], `${target.key}: select keeping all is the identity`);
                    assert.deepEqual(target.resources.entries(target.resources.select(sections(plan)[target.key], () => false)), [], `${target.key}: select keeping none keeps no entry`);
                }
            }),
            { numRuns: 40 },
        );
    });

    it("admits each grant's own jobs and no job of another project, a prefix-neighbour path or another audience (its evaluator and its testkit's independent one)", () => {
        const checked = new Map<string, number>();
        fc.assert(
            fc.property(mapArb, (raw) => {
                const plan = planMap(raw);
                const json = JSON.parse(JSON.stringify(plan)) as Json;
                for (const target of targets()) {
                    const evaluate = target.evaluator(sections(plan)[target.key], plan.gitlab);
                    for (const grant of plan.grants.filter((g) => sections(g)[target.key] !== undefined && g.deployer === undefined)) {
                        const own = ownToken(plan, grant, target.key);
                        const now = (own.iat as number) + 10;
                        const identity = { project: grant.project, projectId: grant.projectId, grant: grant.grant, conditions: grant.conditions };
                        const decide = (claims: Json) => evaluate(sections(grant)[target.key], identity, claims, { now });
                        const name = `${target.key} ${grant.project} ${grant.grant}`;
                        checked.set(target.key, (checked.get(target.key) ?? 0) + 1);
                        assert.deepEqual(decide(own).reasons, [], `${name}: its own job`);
                        assert.ok(kit(target.key).oracle(json, own, now).includes(`${grant.project}/${grant.grant}`), `${name}: its own job (independent)`);
                        const outsiders: Record<string, Json> = {
                            "another project": { ...gitlabToken({ projectPath: "intruder/app", projectId: "999999999", ref: own.ref, refType: own.ref_type, protected: true, aud: own.aud }) },
                            "a prefix-neighbour path": { ...gitlabToken({ projectPath: `${grant.project}x`, projectId: "999999998", ref: own.ref, refType: own.ref_type, protected: true, aud: own.aud }) },
                            "another audience": { ...own, aud: "https://other.example.com" },
                        };
                        for (const [what, claims] of Object.entries(outsiders)) {
                            assert.ok(decide(claims).reasons.length > 0, `${name}: ${what}`);
                            assert.ok(!kit(target.key).oracle(json, claims, now).includes(`${grant.project}/${grant.grant}`), `${name}: ${what} (independent)`);
                        }
                    }
                }
            }),
            { numRuns: 40 },
        );
        assert.deepEqual(targets().filter((t) => (checked.get(t.key) ?? 0) < 10).map((t) => t.key), [], "every target saw grants");
    });

    it("refuses invalid grant fields with the exact problems, each at a path inside the grant's field, and plans nothing", () => {
        for (const target of targets()) {
            for (const { fields, problems } of kit(target.key).invalid) {
                const raw = { gitlab: GITLAB, [target.key]: kit(target.key).section, projects: { "platform/api": { id: 42, grants: { deploy: { ref: "main", [target.key]: fields } } } } };
                const result = checkMap(raw);
                assert.deepEqual(result.problems.map((p) => `${p.path}: ${p.message}`), problems, `${target.key} ${JSON.stringify(fields)}`);
                assert.ok(result.problems.every((p) => p.path.startsWith(`gitlab-federation:projects["platform/api"].grants.deploy.${target.key}`)));
                assert.equal(result.plan, undefined);
            }
        }
    });

    it("publishes contract parts its own contract schemas accept, and a rule for every string field", () => {
        fc.assert(
            fc.property(mapArb, (raw) => {
                const plan = planMap(raw);
                for (const target of targets().filter((t) => t.contract !== undefined)) {
                    const contract = target.contract!;
                    const section = sections(plan)[target.key];
                    assert.deepEqual(contract.section.parse(contract.sectionOf(section)), contract.sectionOf(section));
                    for (const grant of plan.grants.filter((g) => sections(g)[target.key] !== undefined)) {
                        const part = contract.grantOf(section, sections(grant)[target.key]);
                        assert.deepEqual(contract.grant.parse(part), part);
                    }
                }
            }),
            { numRuns: 20 },
        );
    });
});
