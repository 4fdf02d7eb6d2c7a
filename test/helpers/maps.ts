/**
 * Small maps for tests. `map(...)` builds a raw map (config keys without namespace) from
 * sections and projects; every fixture is valid unless a test breaks it on purpose.
 */
export const GITLAB = { url: "https://gitlab.example.com" };
export const VAULT = { authPath: "gitlab", audience: "https://vault.example.com", kvMount: "secret" };
export const AWS = { audience: "sts.amazonaws.com", accountId: "111111111111" };
export const GCP = { project: "acme-ci", projectNumber: "123456789012", poolId: "gitlab", providerId: "gitlab-example-com" };

export type Raw = Record<string, unknown>;

/** A raw map with the given projects and sections (default: gitlab + vault). */
export function map(projects: Raw, sections: Raw = { vault: VAULT }): Raw {
    return { gitlab: GITLAB, ...sections, projects };
}

/** One project with one grant. */
export function oneGrant(grant: Raw, options: { path?: string; id?: number | string; name?: string; sections?: Raw } = {}): Raw {
    const path = options.path ?? "platform/api";
    return map({ [path]: { id: options.id ?? 42, grants: { [options.name ?? "deploy"]: grant } } }, options.sections);
}

/** Deep copy through JSON (maps are JSON data). */
export function clone<T>(value: T): T {
    return JSON.parse(JSON.stringify(value)) as T;
}

/** The committed dev stack's map, read the way the CLI reads it. */
export function devMap(): Raw {
    return stackFileMap("Pulumi.dev.yaml");
}

/** The map of a committed stack file (path from the repository root), read the way the CLI reads it. */
export function stackFileMap(path: string): Raw {
    const { readFileSync } = require("node:fs") as typeof import("node:fs");
    const { readStackFile } = require("../../src/stack-file/file") as typeof import("../../src/stack-file/file");
    const { sectionKeys } = require("../../src/core/parse") as typeof import("../../src/core/parse");
    const { mapDefinition } = require("../../src/features/map-schema") as typeof import("../../src/features/map-schema");
    const file = readStackFile(readFileSync(path, "utf8"), { sections: sectionKeys(mapDefinition()) });
    if (file.problems.length > 0) {
        throw new Error(`${path}: ${file.problems.map((p) => p.message).join("; ")}`);
    }
    return file.raw;
}
