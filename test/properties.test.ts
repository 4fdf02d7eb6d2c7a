import { strict as assert } from "node:assert";
import { parse as parseHcl } from "@cdktf/hcl2json";
import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { runProgram } from "../src/pulumi/program";
import { checkMap, planMap } from "../src/features";
import { mapArb } from "./helpers/arbitraries";
import { AWS, GCP, VAULT, clone } from "./helpers/maps";
import { runCatching, runWithMocks } from "./helpers/mocks";

type Json = Record<string, any>;

/** The same data with every object's keys in another order (lists untouched). */
function shuffleKeys(value: unknown, seed: number): unknown {
    let state = seed >>> 0 || 1;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    const walk = (v: unknown): unknown => {
        if (Array.isArray(v)) return v.map(walk);
        if (typeof v !== "object" || v === null) return v;
        const entries = Object.entries(v);
        for (let i = entries.length - 1; i > 0; i--) {
            const j = next() % (i + 1);
            [entries[i], entries[j]] = [entries[j]!, entries[i]!];
        }
        return Object.fromEntries(entries.map(([k, x]) => [k, walk(x)]));
    };
    return walk(value);
}

/** Project path of a per-grant logical name `<project>/<grant>[/<child>]`, given the projects. */
/** The project a grant resource belongs to, from its logical name `<project id>/<grant>...`. */
function ownerOf(name: string, plan: ReturnType<typeof planMap>): string {
    const [id, grant] = name.split("/");
    return plan.grants.find((g) => g.projectId === id && g.grant === grant)!.project;
}

describe("properties of the planner", () => {
    it("random valid maps validate and plan deterministically", () => {
        fc.assert(
            fc.property(mapArb, (raw) => {
                assert.deepEqual(checkMap(raw).problems, []);
                assert.equal(JSON.stringify(planMap(raw)), JSON.stringify(planMap(clone(raw))));
            }),
            { numRuns: 150 },
        );
    });

    it("every grant resource is named <project id>/<grant>... and aliased from <project path>/<grant>...", () => {
        fc.assert(
            fc.property(mapArb, (raw) => {
                const plan = planMap(raw);
                const sections = plan as unknown as Record<string, Record<string, unknown>>;
                const entries = ["vault", "aws", "gcp"].flatMap((key) =>
                    Object.values(sections[key] ?? {}).flatMap((value) => (Array.isArray(value) ? (value as { resource?: { name: string; aliases?: string[] } }[]) : [])),
                );
                for (const { resource } of entries.filter((e) => e.resource !== undefined && /^\d+\//.test(e.resource.name))) {
                    const [id, grant, ...rest] = resource!.name.split("/");
                    const summary = plan.grants.find((g) => g.projectId === id && g.grant === grant);
                    assert.ok(summary, `${resource!.name} belongs to a grant`);
                    assert.deepEqual(resource!.aliases, [[summary.project, grant, ...rest].join("/")]);
                }
            }),
            { numRuns: 100 },
        );
    });

    it("reordering keys anywhere changes nothing in the plan, so no resource name", () => {
        fc.assert(
            fc.property(mapArb, fc.integer(), (raw, seed) => {
                assert.deepEqual(planMap(shuffleKeys(raw, seed) as Json), planMap(raw));
            }),
            { numRuns: 150 },
        );
    });

    it("no Vault policy grants anything outside its own grant's prefixes, and only read and list", async () => {
        await fc.assert(
            fc.asyncProperty(mapArb, async (raw) => {
                const plan = planMap(raw);
                for (const policy of plan.vault?.policies ?? []) {
                    const summary = plan.grants.find((g) => `${g.projectId}/${g.grant}` === policy.resource.name)!;
                    const allowed = summary.vault!.read.flatMap((p) => [`secret/data/${p}`, `secret/data/${p}/*`, `secret/metadata/${p}/*`]);
                    const parsed = (await parseHcl("policy.hcl", policy.policy)) as { path: Record<string, { capabilities: string[] }[]> };
                    assert.deepEqual(Object.keys(parsed).sort(), ["path"]);
                    assert.deepEqual(Object.keys(parsed.path).sort(), [...allowed].sort());
                    for (const [path, [rule]] of Object.entries(parsed.path)) {
                        assert.deepEqual(rule!.capabilities, path.startsWith("secret/metadata/") ? ["list"] : ["read"]);
                        assert.ok(path.startsWith(`secret/data/${summary.project}/`) || path.startsWith(`secret/metadata/${summary.project}/`), `${path} is inside ${summary.project}/`);
                    }
                }
            }),
            { numRuns: 40 },
        );
    });

    it("every Vault role binds its own project id and the audience", () => {
        fc.assert(
            fc.property(mapArb, (raw) => {
                const plan = planMap(raw);
                for (const role of plan.vault?.roles ?? []) {
                    const summary = plan.grants.find((g) => g.vault?.roleName === role.roleName)!;
                    assert.equal(role.boundClaims.project_id, summary.projectId);
                    assert.deepEqual(role.boundAudiences, [VAULT.audience]);
                    assert.equal(role.roleType, "jwt");
                    assert.equal(role.boundClaims.ref_protected, summary.conditions.protected ? "true" : undefined);
                }
            }),
            { numRuns: 100 },
        );
    });

    it("every AWS trust policy names only its own project and always checks aud", () => {
        fc.assert(
            fc.property(mapArb, (raw) => {
                const plan = planMap(raw);
                for (const role of plan.aws?.roles ?? []) {
                    const own = ownerOf(role.resource.name, plan);
                    const condition = role.assumeRolePolicy.Statement[0].Condition;
                    assert.equal(condition.StringEquals["gitlab.example.com:aud"], AWS.audience);
                    const subs = [condition.StringEquals["gitlab.example.com:sub"] ?? condition.StringLike?.["gitlab.example.com:sub"]].flat() as string[];
                    assert.ok(subs.length > 0);
                    for (const sub of subs) {
                        assert.ok(sub.startsWith(`project_path:${own}:ref_type:`), `${sub} starts with the own project`);
                    }
                    // Every project path named is the grant's own ("*" only in the StringNotLike that refuses extra sub components).
                    const mentioned = [...JSON.stringify(role.assumeRolePolicy).matchAll(/project_path:([^:]+):/g)].map((m) => m[1]).filter((p) => p !== "*");
                    assert.deepEqual([...new Set(mentioned)], [own]);
                    const notLike = condition.StringNotLike?.["gitlab.example.com:sub"];
                    assert.equal(notLike, condition.StringLike === undefined ? undefined : "project_path:*:ref_type:*:ref:*:*");
                }
            }),
            { numRuns: 150 },
        );
    });

    it("every GCP binding is on the grant's own service account and gates on its own project id", () => {
        fc.assert(
            fc.property(mapArb, (raw) => {
                const plan = planMap(raw);
                for (const summary of plan.grants.filter((g) => g.gcp)) {
                    const own = plan.gcp!.iamMembers.filter((m) => m.resource.name.startsWith(`${summary.projectId}/${summary.grant}/`));
                    for (const member of own) {
                        if ("serviceAccountId" in member) {
                            assert.equal(member.serviceAccountId, `projects/${GCP.project}/serviceAccounts/${summary.gcp!.email}`);
                            assert.equal(member.role, "roles/iam.workloadIdentityUser");
                            assert.ok(member.member.split("/group/")[1]!.startsWith(`${summary.projectId}:${summary.conditions.refType}:`));
                        } else {
                            assert.equal(member.member, `serviceAccount:${summary.gcp!.email}`);
                        }
                    }
                }
            }),
            { numRuns: 150 },
        );
    });
});

interface Defect {
    readonly name: string;
    /** Breaks the map; returns the path at which a problem must be reported. */
    readonly apply: (raw: Json) => string;
}

const firstGrant = (raw: Json): [string, string, Json] => {
    const project = Object.keys(raw.projects).sort()[0]!;
    const grant = Object.keys(raw.projects[project].grants).sort()[0]!;
    return [project, grant, raw.projects[project].grants[grant]];
};

const DEFECTS: Defect[] = [
    { name: "a ? in a ref", apply: (raw) => { const [p, g, grant] = firstGrant(raw); grant.ref = "release-?"; return `gitlab-federation:projects["${p}"].grants.${g}.ref`; } },
    { name: "a missing project id", apply: (raw) => { const [p] = firstGrant(raw); delete raw.projects[p].id; return `gitlab-federation:projects["${p}"].id`; } },
    { name: "a typo in a field", apply: (raw) => { const [p, g, grant] = firstGrant(raw); grant.protectd = true; return `gitlab-federation:projects["${p}"].grants.${g}.protectd`; } },
    { name: "a bad refType", apply: (raw) => { const [p, g, grant] = firstGrant(raw); grant.refType = "branches"; return `gitlab-federation:projects["${p}"].grants.${g}.refType`; } },
    { name: "a TTL above the cap", apply: (raw) => { raw.vault = { ...raw.vault, tokenMaxTtl: "2h" }; return "gitlab-federation:vault.tokenMaxTtl"; } },
    { name: "a secret path escaping its folder", apply: (raw) => { const [p, g, grant] = firstGrant(raw); grant.vault = { read: [`${p}/../other`] }; return `gitlab-federation:projects["${p}"].grants.${g}.vault.read[0]`; } },
    { name: "an empty grant", apply: (raw) => { const [p, g, grant] = firstGrant(raw); delete grant.vault; delete grant.aws; delete grant.gcp; return `gitlab-federation:projects["${p}"].grants.${g}`; } },
    { name: "an http GitLab URL", apply: (raw) => { raw.gitlab = { url: "http://gitlab.example.com" }; return "gitlab-federation:gitlab.url"; } },
    { name: "a non-numeric project id", apply: (raw) => { const [p] = firstGrant(raw); raw.projects[p].id = "api"; return `gitlab-federation:projects["${p}"].id`; } },
];

const PATH_LINE = /^gitlab-federation:(gitlab|vault|aws|gcp|projects)(\.|\[|:)/;

describe("properties of invalid maps", () => {
    it("always fail validation, with path-qualified lines that include the defect", () => {
        fc.assert(
            fc.property(mapArb, fc.constantFrom(...DEFECTS), (raw, defect) => {
                const broken = clone(raw);
                const path = defect.apply(broken);
                const result = checkMap(broken);
                assert.equal(result.plan, undefined, defect.name);
                const lines = result.problems.map((p) => `${p.path}: ${p.message}`);
                assert.ok(lines.length > 0);
                assert.ok(lines.every((l) => PATH_LINE.test(l)), lines.join("\n"));
                assert.ok(lines.some((l) => l.startsWith(`${path}: `)), `${defect.name}: expected a problem at ${path}, got\n${lines.join("\n")}`);
            }),
            { numRuns: 200 },
        );
    });

    it("register nothing under the Pulumi program", async () => {
        await fc.assert(
            fc.asyncProperty(mapArb, fc.constantFrom(...DEFECTS), async (raw, defect) => {
                const broken = clone(raw);
                defect.apply(broken);
                const outcome = await runCatching(() => runProgram(broken, { logWarnings: false }));
                assert.ok("error" in outcome && pulumi.RunError.isInstance(outcome.error), defect.name);
                assert.match((outcome.error as Error).message, /^the gitlab-federation project map has \d+ problems?:\n/);
                assert.deepEqual(outcome.resources, []);
            }),
            { numRuns: 25 },
        );
    });

    it("valid maps keep every URN under reordering (under mocks)", async () => {
        await fc.assert(
            fc.asyncProperty(mapArb, fc.integer(), async (raw, seed) => {
                const a = await runWithMocks(() => runProgram(raw, { logWarnings: false }));
                const b = await runWithMocks(() => runProgram(shuffleKeys(raw, seed) as Json, { logWarnings: false }));
                assert.deepEqual(b.resources.map((r) => r.urn).sort(), a.resources.map((r) => r.urn).sort());
            }),
            { numRuns: 10 },
        );
    });
});
