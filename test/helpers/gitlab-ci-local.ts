/**
 * GitLab CI configuration run through gitlab-ci-local (npm, MIT), a maintained engine of GitLab's
 * CI semantics: `include: local`, `extends`, `!reference`, `rules:` with CI/CD variables, and
 * validation of the expanded configuration against GitLab's CI JSON Schema, which it embeds
 * (src/validator.ts `jsonSchemaValidation`, on by default). It needs Node.js 22 (npm test runs the
 * suite on it, scripts/test.ts). Offline: only local includes are used, and the repository it reads
 * is a temporary git repository with a fixed origin.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { temporaryDirectory } from "./temp";

const BIN = resolve("node_modules/gitlab-ci-local/dist/index.js");

export interface CiLocalRun {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    /** The repository the run read (for further runs on the same files). */
    readonly directory: string;
}

/** A git repository holding `files` (paths relative to its root), on branch main, origin gitlab.example.com. */
export function ciRepository(files: Readonly<Record<string, string>>): string {
    const directory = temporaryDirectory("gitlab-federation-ci-");
    for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(directory, path)), { recursive: true });
        writeFileSync(join(directory, path), text);
    }
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=ci@example.com", "-c", "user.name=ci", ...args], { cwd: directory, stdio: "ignore" });
    git("init", "-q", "-b", "main");
    git("remote", "add", "origin", "https://gitlab.example.com/platform/app.git");
    git("add", "-A");
    git("commit", "-qm", "ci");
    return directory;
}

/** Runs gitlab-ci-local with `args` in a repository holding `files` (or an existing one). */
export function ciLocal(files: Readonly<Record<string, string>> | string, args: readonly string[], variables: Readonly<Record<string, string>> = {}): CiLocalRun {
    const directory = typeof files === "string" ? files : ciRepository(files);
    const run = spawnSync(process.execPath, [BIN, ...args, ...Object.entries(variables).flatMap(([k, v]) => ["--variable", `${k}=${v}`])], {
        cwd: directory,
        encoding: "utf8",
        // HOME: no user variables file; the proxy keeps any accidental fetch off the network.
        env: { PATH: process.env.PATH ?? "", HOME: directory, HTTPS_PROXY: "http://127.0.0.1:9", HTTP_PROXY: "http://127.0.0.1:9", GCL_IGNORE_PREDEFINED_VARS: Object.keys(variables).join(",") },
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, directory };
}

/** Asserts that GitLab's CI schema accepts the configuration (after includes and extends are expanded). */
export function schemaErrors(files: Readonly<Record<string, string>>): string | undefined {
    const run = ciLocal(files, ["--preview"]);
    return run.status === 0 ? undefined : `${run.stderr}${run.stdout}`.trim();
}

/** Repositories whose configuration gitlab-ci-local has validated against GitLab's CI schema once (their files do not change). */
const validated = new Set<string>();

/**
 * The jobs of a pipeline with these CI/CD variables, with when each runs ("never" when its rules
 * exclude it). The first run on a repository also validates its configuration against GitLab's CI
 * schema; later runs on it skip that (half of each run's time; variables do not change the schema check).
 */
export function pipelineJobs(directory: string, variables: Readonly<Record<string, string>>, unset: readonly string[] = []): Record<string, string> {
    const schema = validated.has(directory) ? ["--no-json-schema-validation"] : [];
    const run = ciLocal(directory, ["--list-json", ...schema, ...unset.flatMap((name) => ["--unset-variable", name])], variables);
    if (run.status !== 0) {
        throw new Error(`gitlab-ci-local --list-json failed: ${run.stderr}${run.stdout}`);
    }
    validated.add(directory);
    const jobs = JSON.parse(run.stdout) as { name: string; when: string }[];
    return Object.fromEntries(jobs.map((job) => [job.name, job.when]));
}
