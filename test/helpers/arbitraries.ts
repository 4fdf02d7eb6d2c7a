/** fast-check arbitraries shared by the property tests. */
import fc from "fast-check";
import { AWS, GCP, GITLAB, VAULT } from "./maps";

type Json = Record<string, any>;

const segment = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
const projectPath = fc.oneof(
    fc.tuple(segment, segment).map(([a, b]) => `${a}/${b}`),
    fc.tuple(segment, segment, segment).map(([a, b, c]) => `${a}/${b}/${c}`),
);
export const REFS: { ref: string | string[]; refType: "branch" | "tag" }[] = [
    { ref: "main", refType: "branch" },
    { ref: ["develop", "main"], refType: "branch" },
    { ref: "release/*", refType: "branch" },
    { ref: "*", refType: "branch" },
    { ref: "feature/x", refType: "branch" },
    { ref: "v*", refType: "tag" },
    { ref: "v1.0.0", refType: "tag" },
];

const grantArb = fc.record({
    refs: fc.constantFrom(...REFS),
    protected: fc.boolean(),
    environment: fc.option(fc.constantFrom("production", "staging"), { nil: undefined }),
    targets: fc.record({ vault: fc.boolean(), aws: fc.boolean(), gcp: fc.boolean() }).filter((t) => t.vault || t.aws || t.gcp),
    extraRead: fc.boolean(),
    roles: fc.subarray(["roles/run.developer", "roles/storage.objectViewer"]),
});

const projectArb = fc.record({
    grants: fc.uniqueArray(fc.tuple(fc.constantFrom("deploy", "review", "release", "build", "test", "lint"), grantArb), { minLength: 1, maxLength: 3, selector: ([name]) => name }),
});

/** A random valid map: grants read only below `<project>/ci-<grant>`, AWS patterns acknowledged. */
export const mapArb = fc
    .uniqueArray(fc.tuple(projectPath, fc.integer({ min: 1, max: 10_000_000 }), projectArb), { minLength: 1, maxLength: 5, selector: ([path]) => path })
    .filter((projects) => new Set(projects.map(([, id]) => id)).size === projects.length)
    .map((projects) => {
        const out: Json = {};
        for (const [path, id, { grants }] of projects) {
            const g: Json = {};
            for (const [name, spec] of grants) {
                const grant: Json = { ref: spec.refs.ref, refType: spec.refs.refType, protected: spec.protected };
                if (spec.environment !== undefined) grant.environment = spec.environment;
                if (spec.targets.vault) grant.vault = { read: spec.extraRead ? [`${path}/ci-${name}`, `${path}/ci-${name}-x/y`] : [`${path}/ci-${name}`] };
                if (spec.targets.aws) {
                    const pattern = [spec.refs.ref].flat().some((r) => r.includes("*"));
                    grant.aws = pattern && spec.protected ? { acknowledge: { protected: "protected by a wildcard protection rule" } } : {};
                }
                if (spec.targets.gcp) grant.gcp = { roles: spec.roles };
                g[name] = grant;
            }
            out[path] = { id, grants: g };
        }
        return { gitlab: GITLAB, vault: VAULT, aws: AWS, gcp: GCP, projects: out } as Json;
    });

