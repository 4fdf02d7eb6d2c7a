/**
 * Which shard a project belongs to: rendezvous (highest random weight) hashing of the project's
 * key over the shard numbers. A project's shard depends on its own key and the number of shards
 * only, so adding or removing a project moves no other project, and adding a shard moves only
 * the projects the new shard wins (about one in shards + 1). The key is the project id (stable
 * across renames and transfers) or its top-level group (a group's projects stay together).
 */
import { createHash } from "node:crypto";

export type ShardBy = "project" | "group";

/** The key a project is assigned by. */
export function shardKey(project: string, projectId: string, by: ShardBy): string {
    return by === "group" ? `group:${project.slice(0, project.indexOf("/"))}` : `project:${projectId}`;
}

/** The shard of a key, 0 to shards - 1. */
export function shardOf(key: string, shards: number): number {
    let best = 0;
    let bestWeight = -1n;
    for (let i = 0; i < shards; i++) {
        const weight = createHash("sha256").update(`${key}\u0000${i}`).digest().readBigUInt64BE(0);
        if (weight > bestWeight) {
            best = i;
            bestWeight = weight;
        }
    }
    return best;
}

/** The stack name of a shard. */
export function shardStackName(foundation: string, index: number): string {
    return `${foundation}-shard-${index}`;
}

/** The logical name of a resource shard `index` registers that belongs to no grant (GCP: its provider). */
export function shardResourceName(index: number, name: string): string {
    return `shard-${index}/${name}`;
}
