/**
 * What every target's plan shares: resource entries (the arguments of a `@pulumi/*` resource
 * plus `resource`: type token, logical name and resource options) and the enforcement record
 * (which of a grant's conditions a target checks). Types are derived from these schemas.
 */
import { z } from "zod";
import { shardResourceName } from "./shard";

/** `resource` of a plan entry: which resource it becomes, with which options. */
export function resourceMeta<T extends string>(type: T) {
    return z
        .strictObject({
            type: z.literal(type).meta({ description: "Pulumi type token of the resource." }),
            name: z.string().meta({ description: "Logical (URN) name: built from map keys, never list positions." }),
            protect: z.boolean().meta({ description: "Pulumi protect option." }),
            deleteBeforeReplace: z.boolean().optional().meta({ description: "Pulumi deleteBeforeReplace option." }),
            aliases: z
                .array(z.string())
                .optional()
                .meta({ description: "Former logical names (same type and parent): Pulumi aliases, so a resource that had one keeps its identity." }),
            import: z.string().optional().meta({ description: "Pulumi import option: the ID of an existing resource to adopt (then managed as planned)." }),
            rootAlias: z
                .literal(true)
                .optional()
                .meta({ description: "Also an alias with the same name at the stack's root: where `pulumi state move` puts a resource moved from another stack. Every grant resource has it, in every stack." }),
            grant: z
                .string()
                .optional()
                .meta({ description: "The grant (<project id>/<grant>) this resource belongs to: a sharded map registers it in that grant's stack. Absent on what grants share (trust anchors, audit devices), which the foundation registers." }),
            shard: z.number().int().optional().meta({ description: "A sharded map: the shard stack that registers this shared resource (GCP: the shard's provider)." }),
        })
        .meta({ description: "Which resource this entry becomes, and its resource options." });
}

/** Resource type, logical name and options of an entry. */
export interface ResourceMeta {
    readonly type: string;
    readonly name: string;
    /** Pulumi `protect`: refuse to delete (or replace) this resource. */
    readonly protect: boolean;
    /** Pulumi `deleteBeforeReplace`. */
    readonly deleteBeforeReplace?: boolean;
    /** Former logical names (Pulumi aliases with the same type and parent). */
    readonly aliases?: readonly string[];
    /** Pulumi `import`: the ID of an existing resource to adopt. */
    readonly import?: string;
    /** Also alias the same name at the stack's root (resources moved into a shard stack by `pulumi state move`). */
    readonly rootAlias?: true;
    /** The grant key (`<project id>/<grant>`) of a grant's resource; absent on shared resources. */
    readonly grant?: string;
    /** The shard that registers a shared resource of its own (GCP: its provider). */
    readonly shard?: number;
}

/** A resource's `resource` entry; aliases only when there are former names that differ from `name`. */
export function meta<T extends string>(type: T, name: string, protect: boolean, options: { deleteBeforeReplace?: boolean; aliases?: readonly string[]; import?: string } = {}) {
    const aliases = [...new Set(options.aliases ?? [])].filter((alias) => alias !== name);
    return {
        type,
        name,
        protect,
        ...(options.deleteBeforeReplace === true ? { deleteBeforeReplace: true } : {}),
        ...(aliases.length > 0 ? { aliases } : {}),
        ...(options.import !== undefined ? { import: options.import } : {}),
    };
}

/**
 * The `resource` entry of a grant's resource: named `<grant key><suffix>`, aliased from the grant's
 * former keys and from the same name at the stack's root. A grant's resources are what moves
 * between stacks when a map is sharded, resharded or unsharded, and `pulumi state move` (Pulumi
 * CLI 3.224+, pkg/cmd/pulumi/state/state_move.go `rewriteURNs`) re-parents what it moves to the
 * destination's root: every stack aliases every grant resource there, so no direction of a move
 * (into a shard, back to one stack, between shards) ends in a create and a delete. It is marked
 * with the grant key: what makes it the grant's (a sharded map registers it in the grant's
 * stack), whatever else is named alike.
 */
export function grantMeta<T extends string>(type: T, grant: { readonly key: string; readonly formerKeys: readonly string[] }, suffix = "", options: { deleteBeforeReplace?: boolean } = {}) {
    return { ...meta(type, `${grant.key}${suffix}`, false, { ...options, aliases: grant.formerKeys.map((former) => `${former}${suffix}`) }), rootAlias: true as const, grant: grant.key };
}

/** The `resource` entry of a resource shard `index` registers for itself (GCP: its provider): named `shard-<index>/<name>`, marked with the shard. */
export function shardMeta<T extends string>(type: T, index: number, name: string, protect: boolean) {
    return { ...meta(type, shardResourceName(index, name), protect), shard: index };
}

export interface Entry {
    readonly resource: ResourceMeta;
}

export const ConditionSchema = z.enum(["audience", "projectId", "projectPath", "ref", "refType", "protected", "environment", "environmentProtected"]);
export type Condition = z.output<typeof ConditionSchema>;

export const EnforcementSchema = z
    .strictObject({ enforced: z.array(ConditionSchema), notEnforced: z.array(ConditionSchema) })
    .meta({ description: "Which of the grant's conditions the target checks, and which it cannot." });

/** Which of a grant's conditions a target checks, in the map's own terms. */
export interface Enforcement {
    readonly enforced: readonly Condition[];
    readonly notEnforced: readonly Condition[];
}

export const strings = z.array(z.string());
export const stringMap = z.record(z.string(), z.string());

/** A plan value as resource arguments take it (mutable arrays and records). */
export type Args<T> = T extends readonly (infer E)[] ? Args<E>[] : T extends object ? { -readonly [K in keyof T]: Args<T[K]> } : T;

/**
 * The resource arguments of an entry: everything but `resource` and the keys in `omit` (keys that
 * are for readers of the plan only).
 */
export function argsOf<T extends Entry, K extends keyof T = never>(entry: T, omit: readonly K[] = []): Args<Omit<T, "resource" | K>> {
    const args: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(entry)) {
        if (key !== "resource" && !(omit as readonly string[]).includes(key)) {
            args[key] = value;
        }
    }
    return args as Args<Omit<T, "resource" | K>>;
}
