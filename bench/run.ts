/**
 * `npm run bench`: performance figures, on compiled JS; each large measurement in its own process.
 *
 * 1. The offline CLI, end to end: `plan --json` of generated 5,000, 20,000 and 50,000-project stack
 *    files (Vault, two grants each: one AWS account holds at most 5,000 roles, so a 50,000-project
 *    map with a role each is invalid). Targets: 50,000 under 5 s; linear (50k / 5k ≤ 11x).
 * 2. The offline plan in process, 500 vs 5,000 projects (mean over ten distinct 500-project maps,
 *    the same data as the 5,000-project one).
 * 3. explain: 10,000 claim sets against a 5,000-project map, evaluation only. Target: under 2 s.
 * 4. diff, the real CLI on two 5,000-project stack files differing in 1% of grants (and 500, for
 *    scaling). Target: under 2 s, linear.
 * 5. The Pulumi program under mocks against a bare loop registering the same Vault resources with
 *    @pulumi/vault (stack traces on, as in a hand-written program), at 1.5k, 6k and 15k
 *    resources (bench/program.ts). Target: ours at most 0.6x the bare loop at 15k. And ours at 15k
 *    with the node arguments Pulumi.yaml passes (a larger young generation).
 * 6. Sharding: the 5,000-project map (Vault + AWS, 25,000 resources) under mocks as one stack in
 *    the default heap, and one of its shards at 4 shards.
 *
 * Prints a table; exits 1 if a target is missed. GITLAB_FEDERATION_BENCH_QUICK=1 skips the largest sizes.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkMap, planMap } from "../src/features";
import { Explainer } from "../src/features/explain";
import { gitlabToken } from "../test/helpers/tokens";
import { generate, stackFile } from "./maps";

const ROOT = join(__dirname, "..", "..");
const BIN = join(ROOT, "bin", "gitlab-federation.js");
const QUICK = process.env.GITLAB_FEDERATION_BENCH_QUICK === "1";

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

/** Median wall time of the real CLI over `runs` runs, stdout to /dev/null. */
function cli(args: string[], runs: number, expectStatus: number): number {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
        const sink = openSync("/dev/null", "w");
        const start = process.hrtime.bigint();
        const run = spawnSync(process.execPath, [BIN, ...args], { stdio: ["ignore", sink, "pipe"], encoding: "utf8" });
        samples.push(Number(process.hrtime.bigint() - start) / 1e6);
        closeSync(sink);
        if (run.status !== expectStatus) {
            throw new Error(`gitlab-federation ${args.join(" ")} exited ${run.status}: ${String(run.stderr).slice(0, 500)}`);
        }
    }
    return median(samples);
}

/** One bench/program.ts measurement in a child process. */
function program(mode: "ours" | "bare" | "shard", projects: number, kind: "vault" | "mixed", heapMB?: number, shards = 1, nodeArgs: string[] = []): { ms: number; resources: number; heapMB: number; rssMB: number } | { error: string } {
    const run = spawnSync(process.execPath, [...(heapMB !== undefined ? [`--max-old-space-size=${heapMB}`] : []), ...nodeArgs, join(__dirname, "program.js"), mode, String(projects), kind, String(shards)], { encoding: "utf8", maxBuffer: 1 << 24 });
    if (run.status !== 0) {
        return { error: /heap out of memory/.test(run.stderr) ? "out of memory" : `exit ${run.status}: ${run.stderr.slice(-300)}` };
    }
    return JSON.parse(run.stdout.trim().split("\n").pop()!) as { ms: number; resources: number; heapMB: number; rssMB: number };
}

function main(): void {
    const rows: [string, string, string][] = [];
    let ok = true;
    const check = (what: string, value: string, target: string, pass: boolean) => {
        rows.push([what, value, pass ? target : `${target}: MISSED`]);
        ok &&= pass;
    };
    const dir = mkdtempSync(join(tmpdir(), "gitlab-federation-bench-"));
    try {
        // 1. CLI plan --json, end to end.
        const planTimes = new Map<number, number>();
        for (const n of QUICK ? [5000, 20000] : [5000, 20000, 50000]) {
            const file = join(dir, `plan${n}.yaml`);
            writeFileSync(file, stackFile(generate(n, false)));
            cli(["plan", "--json", "--config", file], 1, 0); // warm the file cache
            planTimes.set(n, cli(["plan", "--json", "--config", file], 3, 0));
            check(`CLI plan --json, ${n.toLocaleString("en")} projects (Vault)`, `${(planTimes.get(n)! / 1000).toFixed(2)} s`, n === 50000 ? "target < 5 s" : "", n !== 50000 || planTimes.get(n)! < 5000);
        }
        if (planTimes.has(50000)) {
            const ratio = planTimes.get(50000)! / planTimes.get(5000)!;
            check("CLI plan scaling 50,000 / 5,000", `${ratio.toFixed(1)}x`, "target <= 11x", ratio <= 11);
        }

        // 2. The plan in process.
        const smalls = Array.from({ length: 10 }, (_, k) => generate(500, true, k * 500));
        const large = generate(5000, true);
        if (checkMap(large).problems.length > 0) {
            throw new Error(`generated map is invalid: ${checkMap(large).problems[0]!.message}`);
        }
        for (let i = 0; i < 3; i++) {
            smalls.forEach((m) => planMap(m));
            planMap(large);
        }
        const tSmall = time(() => smalls.forEach((m) => planMap(m)), 7) / 10;
        const tLarge = time(() => planMap(large), 7);
        check("plan in process, 500 projects (Vault + AWS)", `${tSmall.toFixed(0)} ms`, "", true);
        check("plan in process, 5,000 projects (Vault + AWS)", `${tLarge.toFixed(0)} ms`, `scaling ${(tLarge / tSmall).toFixed(1)}x`, true);

        // 3. explain.
        {
            const plan = planMap(large);
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

        // 4. diff, end to end.
        {
            const sizes: number[] = [];
            for (const n of [500, 5000]) {
                writeFileSync(join(dir, `base${n}.yaml`), stackFile(generate(n, true)));
                writeFileSync(join(dir, `head${n}.yaml`), stackFile(generate(n, true, 0, 50)));
                const args = ["diff", "--base", join(dir, `base${n}.yaml`), "--head", join(dir, `head${n}.yaml`), "--format", "markdown"];
                cli(args, 1, 4);
                sizes.push(cli(args, 5, 4));
            }
            const [small, big] = sizes as [number, number];
            check("diff CLI end to end, 500 projects, 1% of grants narrowed", `${small.toFixed(0)} ms`, "", true);
            check("diff CLI end to end, 5,000 projects, 1% of grants narrowed", `${big.toFixed(0)} ms`, "target < 2000 ms", big < 2000);
            check("diff scaling 5,000 / 500", `${(big / small).toFixed(1)}x`, "target <= 11x", big / small <= 11);
        }

        // 5. The program under mocks against a bare loop (both with room: the bare loop needs it).
        for (const projects of QUICK ? [375, 1500] : [375, 1500, 3750]) {
            const ours = program("ours", projects, "vault", 12000);
            const bare = program("bare", projects, "vault", 12000);
            if ("error" in ours || "error" in bare) {
                check(`program vs bare loop, ${projects * 4} resources`, "error" in ours ? ours.error : (bare as { error: string }).error, "", false);
                continue;
            }
            const ratio = ours.ms / bare.ms;
            check(
                `program vs bare loop, ${ours.resources.toLocaleString("en")} Vault resources`,
                `${(ours.ms / 1000).toFixed(1)} s vs ${(bare.ms / 1000).toFixed(1)} s: ${ratio.toFixed(2)}x`,
                `heap ${ours.heapMB} vs ${bare.heapMB} MB${projects === 3750 ? "; target <= 0.6x" : ""}`,
                projects !== 3750 || ratio <= 0.6,
            );
        }
        // The node arguments Pulumi.yaml gives the program (runtime.options.nodeargs).
        {
            const nodeargs = /^\s*nodeargs:\s*(.+)$/m.exec(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8"))?.[1]?.trim().split(/\s+/) ?? [];
            const tuned = program("ours", QUICK ? 1500 : 3750, "vault", 12000, 1, nodeargs);
            check(`program with Pulumi.yaml's nodeargs (${nodeargs.join(" ")})`, "error" in tuned ? tuned.error : `${(tuned.ms / 1000).toFixed(1)} s, ${tuned.resources.toLocaleString("en")} resources`, "", !("error" in tuned));
        }

        // 6. Sharding: a mixed map one stack cannot hold in the default heap, and one of its shards.
        if (!QUICK) {
            const whole = program("ours", 5000, "mixed");
            const shard = program("shard", 5000, "mixed", undefined, 4);
            check("5,000 projects Vault + AWS as one stack, default heap", "error" in whole ? whole.error : `${(whole.ms / 1000).toFixed(1)} s, heap ${whole.heapMB} MB`, "", true);
            check(
                "the same map's shard 0 of 4, default heap",
                "error" in shard ? shard.error : `${(shard.ms / 1000).toFixed(1)} s, ${shard.resources.toLocaleString("en")} resources`,
                "error" in shard ? "" : `heap ${shard.heapMB} MB`,
                !("error" in shard),
            );
        }
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }

    const width = Math.max(...rows.map((r) => r[0].length));
    process.stdout.write(`gitlab-federation benchmark (node ${process.version}, compiled JS)\n`);
    for (const [what, value, target] of rows) {
        process.stdout.write(`  ${what.padEnd(width)}  ${value.padStart(24)}  ${target}\n`);
    }
    process.exitCode = ok ? 0 : 1;
}

main();
