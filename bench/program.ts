/**
 * One measurement of `npm run bench`, in its own process (so heaps do not add up): registers a
 * generated map under Pulumi mocks with our program ("ours") or with a bare loop that registers
 * the same Vault resources directly ("bare", stack traces left on, as a hand-written program
 * has them). Prints {ms, resources, heapMB, rssMB} as JSON.
 * "shard": our program registering shard 0 of the map split over <shards> shard stacks.
 *   node dist/bench/program.js <ours|bare|shard> <projects> [vault|mixed] [shards]
 */
import * as vault from "@pulumi/vault";
import { argsOf } from "../src/core/resources";
import { planMap } from "../src/features";
import type { Plan } from "../src/features/plan-schema";
import { runProgram } from "../src/pulumi/program";
import { runWithMocks } from "../test/helpers/mocks";
import { generate } from "./maps";

/** The same Vault resources as the program, registered directly, with arguments computed beforehand. */
export function bareLoop(plan: Plan): void {
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
    const [mode, count, kind, shards] = process.argv.slice(2);
    const raw = generate(Number(count), kind === "mixed");
    if (mode === "shard") {
        raw.sharding = { shards: Number(shards) };
    }
    const plan = planMap(raw);
    const start = process.hrtime.bigint();
    const { resources } =
        mode === "bare"
            ? await runWithMocks(() => bareLoop(plan), { light: true })
            : await runWithMocks(() => runProgram(raw, { logWarnings: false, ...(mode === "shard" ? { shard: { of: "bench", index: 0 } } : {}) }), { light: true });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const memory = process.memoryUsage();
    process.stdout.write(`${JSON.stringify({ ms, resources: resources.filter((r) => r.custom).length, heapMB: Math.round(memory.heapUsed / 1e6), rssMB: Math.round(memory.rss / 1e6) })}\n`);
}

void main();
