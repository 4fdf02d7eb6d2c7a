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
 * Medians of several runs after warm-up, garbage collected between samples; prints a table and
 * exits 1 if a target is missed.
 */
import * as vault from "@pulumi/vault";
import { argsOf } from "../src/core/resources";
import { Plan, checkMap, planMap } from "../src/features";
import { runProgram } from "../src/pulumi/program";
import { runWithMocks } from "../test/helpers/mocks";

type Raw = Record<string, unknown>;

/** A map of `projects` projects numbered from `offset`, two grants each, as JSON (like stack config). */
function generate(projects: number, withAws: boolean, offset = 0): Raw {
    const map: Record<string, unknown> = {};
    for (let i = offset; i < offset + projects; i++) {
        const path = `group${i % 50}/project${i}`;
        map[path] = {
            id: i + 1,
            grants: {
                deploy: { ref: "main", environment: "production", vault: { read: [`${path}/production`] }, ...(withAws ? { aws: { managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"], acknowledge: { environment: "read-only role, any job on main" } } } : {}) },
                review: { ref: "*", protected: false, vault: { read: [`${path}/review`] } },
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
