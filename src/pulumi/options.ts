import * as pulumi from "@pulumi/pulumi";
import type { ResourceMeta } from "../core/resources";

/** Resource options of a plan entry: always parented; protect, deleteBeforeReplace, aliases and import as planned. */
export function optionsOf(meta: ResourceMeta, parent: pulumi.Resource, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
    return {
        parent,
        protect: meta.protect,
        ...(meta.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
        ...(meta.aliases !== undefined ? { aliases: meta.aliases.map((name) => ({ name })) } : {}),
        ...(meta.import !== undefined ? { import: meta.import } : {}),
        ...extra,
    };
}

/** Looks up a resource a plan entry refers to by name; a miss is a bug in the plan layer. */
export function lookup<T>(index: ReadonlyMap<string, T>, key: string, what: string): T {
    const found = index.get(key);
    if (found === undefined) {
        throw new Error(`internal error: the plan refers to ${what} ${JSON.stringify(key)}, which it does not define`);
    }
    return found;
}
