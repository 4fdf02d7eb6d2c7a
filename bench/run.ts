/**
 * `npm run bench`: performance figures, on compiled JS.
 *
 * 1. The offline plan (validation + planning) of generated maps with two grants per project:
 *    500 and 5,000 projects, Vault only and Vault + AWS. Target: 5,000 projects under 2 s, and
 *    linear (5,000 vs 500 at most 11x; the 500-project figure is the mean over ten distinct
 *    500-project maps, the same data as the 5,000-project map).
 * 2. The Pulumi program under mocks for 500 grants against a bare loop that registers the same
 *    Vault resources directly with @pulumi/vault (arguments computed before timing).
 *    Target: our overhead at most 1.2x.
 *
 * 3. explain: 10,000 claim sets (one per line, as `--claims` reads them) against a 5,000-project
 *    map, evaluation only (the plan is built first). Target: under 2 s.
 * 4. diff, end to end: the real CLI on two 5,000-project stack files differing in 1% of grants
 *    (and on 500-project files, for scaling). Target: under 2 s, linear in map size.
 *
 * Medians of several runs after warm-up, garbage collected between samples; prints a table and
 * exits 1 if a target is missed.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as vault from "@pulumi/vault";
import { dump } from "js-yaml";
import { argsOf } from "../src/core/resources";
import { Plan, checkMap, planMap } from "../src/features";
import { runProgram } from "../src/pulumi/program";
import { Explainer } from "../src/features/explain";
import { runWithMocks } from "../test/helpers/mocks";
import { gitlabToken } from "../test/helpers/tokens";

type Raw = Record<string, unknown>;

/** A map of `projects` projects numbered from `offset`, two grants each, as JSON (like stack config). */
function generate(projects: number, withAws: boolean, offset = 0, narrowEvery = 0): Raw {
    const map: Record<string, unknown> = {};
    for (let i = offset; i < offset + projects; i++) {
        const path = `group${i % 50}/project${i}`;
        map[path] = {
            id: i + 1,
            grants: {
                deploy: { ref: "main", environment: "production", vault: { read: [`${path}/production`] }, ...(withAws ? { aws: { managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"], acknowledge: { environment: "read-only role, any job on main" } } } : {}) },
                // narrowEvery: every n-th project's review grant requires a protected ref (1% of grants at 50).
                review: { ref: "*", protected: narrowEvery > 0 && i % narrowEvery === 0, vault: { read: [`${path}/review`] } },
            },
        };
    }
    return JSON.parse(
        JSON.stringify({
            gitlab: { url: "https://gitlab.example.com" },
            vault: { authPath: "gitlab", audience: "https://vault.example.com", kvMount: "secret", audit: [{ type: "file", path: "/var/log/vault/audit.log" }] },
            ...(withAws ? { aws: { audience: "sts.amazonaws.com", accountId: "111111111111" } } : {}),
            projects: map,
        }),
    ) as Raw;
}

/** A stack file holding a generated map, as users write them. */
function stackFile(raw: Raw): string {
    return dump({ config: Object.fromEntries(Object.entries(raw).map(([k, v]) => [`gitlab-federation:${k}`, v])) }, { lineWidth: -1 });
}

/** Median wall time of the real CLI, in a child process, over `runs` runs. */
function cli(args: string[], runs: number, expectStatus: number): number {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
        const start = process.hrtime.bigint();
        const run = spawnSync(process.execPath, [join(__dirname, "..", "..", "bin", "gitlab-federation.js"), ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
        samples.push(Number(process.hrtime.bigint() - start) / 1e6);
        if (run.status !== expectStatus) {
            throw new Error(`gitlab-federation ${args.join(" ")} exited ${run.status}: ${run.stderr.slice(0, 500)}`);
        }
    }
    return median(samples);
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
}

/** Collects garbage between samples when node runs with --expose-gc (npm run bench does). */
function collect(): void {
    (globalThis as { gc?: () => void }).gc?.();
}

/** Median duration of `fn` over `runs` samples, garbage collected before each. */
function time(fn: () => void, runs: number): number {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
        collect();
        const start = process.hrtime.bigint();
        fn();
        samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return median(samples);
}

async function once(fn: () => Promise<unknown>): Promise<number> {
    collect();
    const start = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The same Vault resources as the program, registered directly, with arguments computed beforehand. */
function bareLoop(plan: Plan): void {
    const p = plan.vault!;
    const audits = p.audits.map((a) => new vault.Audit(a.resource.name, argsOf(a), { deleteBeforeReplace: true, protect: true }));
    new vault.Mount(p.mounts[0]!.resource.name, argsOf(p.mounts[0]!), { protect: true });
    const backend = new vault.jwt.AuthBackend(p.authBackend!.resource.name, argsOf(p.authBackend!), { protect: true });
    const policies = new Map(p.policies.map((e) => [e.name, new vault.Policy(e.resource.name, argsOf(e))]));
    for (const role of p.roles) {
        new vault.jwt.AuthBackendRole(role.resource.name, { ...argsOf(role), backend: backend.path.apply((x) => x ?? ""), tokenPolicies: role.tokenPolicies.map((n) => policies.get(n)!.name) }, { dependsOn: audits });
    }
}

async function main(): Promise<void> {
    const rows: [string, string, string][] = [];
    let ok = true;
    const check = (what: string, value: string, target: string, pass: boolean) => {
        rows.push([what, value, pass ? target : `${target}: MISSED`]);
        ok &&= pass;
    };

    for (const withAws of [false, true]) {
        const label = withAws ? "Vault + AWS" : "Vault";
        // Ten distinct 500-project maps hold the same data as one 5,000-project map: planning them
        // one after the other measures the same work at a tenth of the size, caches and GC included.
        const smalls = Array.from({ length: 10 }, (_, k) => generate(500, withAws, k * 500));
        const large = generate(5000, withAws);
        if (checkMap(large).problems.length > 0) {
            throw new Error(`generated map is invalid: ${checkMap(large).problems[0]!.message}`);
        }
        for (let i = 0; i < 3; i++) {
            smalls.forEach((m) => planMap(m));
            planMap(large);
        }
        const tSmall = time(() => smalls.forEach((m) => planMap(m)), 9) / 10;
        const tLarge = time(() => planMap(large), 9);
        const perProject = (ms: number, n: number) => `${((ms / n) * 1000).toFixed(0)} us/project`;
        check(`plan, 500 projects (1,000 grants), ${label}`, `${tSmall.toFixed(0)} ms`, perProject(tSmall, 500), true);
        check(`plan, 5,000 projects (10,000 grants), ${label}`, `${tLarge.toFixed(0)} ms`, `${perProject(tLarge, 5000)}; target < 2000 ms`, tLarge < 2000);
        check(`plan scaling 5,000 / 500, ${label}`, `${(tLarge / tSmall).toFixed(1)}x`, "target <= 11x", tLarge / tSmall <= 11);
    }

    {
        const plan = planMap(generate(5000, true));
        const claims = Array.from({ length: 10000 }, (_, i) => {
            const p = i % 5000;
            return JSON.stringify(
                gitlabToken({ projectPath: `group${p % 50}/project${p}`, projectId: String(p + 1), ref: i % 3 ? "main" : "feature/x", protected: i % 2 === 0, ...(i % 4 ? { environment: "production" } : {}), aud: i % 2 ? "https://vault.example.com" : "sts.amazonaws.com" }),
            );
        });
        const explainer = new Explainer(plan);
        const evaluate = () => claims.forEach((line) => explainer.explain(JSON.parse(line) as Record<string, unknown>, { now: 1764000100, verified: true }));
        evaluate();
        const t = time(evaluate, 5);
        check("explain, 10,000 claim sets vs 5,000 projects (evaluation)", `${t.toFixed(0)} ms`, "target < 2000 ms", t < 2000);
    }
    {
        const dir = mkdtempSync(join(tmpdir(), "gitlab-federation-bench-"));
        try {
            const sizes: [number, number][] = [];
            for (const n of [500, 5000]) {
                writeFileSync(join(dir, `base${n}.yaml`), stackFile(generate(n, true)));
                writeFileSync(join(dir, `head${n}.yaml`), stackFile(generate(n, true, 0, 50)));
                const args = ["diff", "--base", join(dir, `base${n}.yaml`), "--head", join(dir, `head${n}.yaml`), "--format", "markdown"];
                cli(args, 1, 4); // warm-up (file cache)
                sizes.push([n, cli(args, 5, 4)]);
            }
            const [[, small], [, large]] = sizes as [[number, number], [number, number]];
            check("diff CLI end to end, 500 projects, 1% of grants narrowed", `${small.toFixed(0)} ms`, "", true);
            check("diff CLI end to end, 5,000 projects, 1% of grants narrowed", `${large.toFixed(0)} ms`, "target < 2000 ms", large < 2000);
            check("diff scaling 5,000 / 500", `${(large / small).toFixed(1)}x`, "target <= 11x", large / small <= 11);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    }

    const raw = generate(250, false); // 500 grants
    const plan = planMap(raw);
    const resources = 3 + plan.vault!.policies.length + plan.vault!.roles.length;
    const ours: number[] = [];
    const bare: number[] = [];
    await runWithMocks(() => runProgram(raw, { logWarnings: false })); // warm-up
    await runWithMocks(() => bareLoop(plan));
    for (let i = 0; i < 7; i++) {
        ours.push(await once(() => runWithMocks(() => runProgram(raw, { logWarnings: false }))));
        bare.push(await once(() => runWithMocks(() => bareLoop(plan))));
    }
    const tOurs = median(ours);
    const tBare = median(bare);
    check(`program under mocks, 500 grants (${resources} Vault resources + 4 components)`, `${tOurs.toFixed(0)} ms`, "", true);
    check(`bare @pulumi/vault loop, same ${resources} resources`, `${tBare.toFixed(0)} ms`, "", true);
    check("program / bare loop", `${(tOurs / tBare).toFixed(2)}x`, "target <= 1.2x", tOurs / tBare <= 1.2);
    check("heap used after the runs", `${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`, "", true);

    const width = Math.max(...rows.map((r) => r[0].length));
    process.stdout.write(`gitlab-federation benchmark (node ${process.version}, compiled JS)\n`);
    for (const [what, value, target] of rows) {
        process.stdout.write(`  ${what.padEnd(width)}  ${value.padStart(9)}  ${target}\n`);
    }
    process.exitCode = ok ? 0 : 1;
}

void main();
