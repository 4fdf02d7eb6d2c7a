import * as pulumi from "@pulumi/pulumi";
import type { ResourceMeta } from "../core/resources";

/** Resource options of a plan entry: always parented; protect, deleteBeforeReplace, aliases and import as planned. */
export function optionsOf(meta: ResourceMeta, parent: pulumi.Resource, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
    return {
        parent,
        protect: meta.protect,
        ...(meta.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
        ...(meta.aliases !== undefined || meta.rootAlias === true ? { aliases: aliasesOf(meta) } : {}),
        ...(meta.import !== undefined ? { import: meta.import } : {}),
        ...extra,
    };
}

/**
 * Former names under the same parent, and with `rootAlias` the same name at the stack's root.
 * `pulumi state move` without `--include-parents` re-parents a moved resource to the destination's
 * root stack resource (pkg/cmd/pulumi/state/state_move.go), whose URN carries no parent type
 * (sdk/go/common/resource/urn/urn.go `New`); an alias whose `parent` is present and `undefined`
 * (`pulumi.rootStackResource`) is sent as `noParent` (sdk/nodejs/runtime/resource.ts
 * `mapAliasesForRequest`), which is exactly that URN.
 */
function aliasesOf(meta: ResourceMeta): pulumi.Input<pulumi.Alias>[] {
    const former: pulumi.Input<pulumi.Alias>[] = (meta.aliases ?? []).map((name) => ({ name }));
    return meta.rootAlias === true ? [...former, { name: meta.name, parent: pulumi.rootStackResource }] : former;
}

/** Looks up a resource a plan entry refers to by name; a miss is a bug in the plan layer. */
export function lookup<T>(index: ReadonlyMap<string, T>, key: string, what: string): T {
    const found = index.get(key);
    if (found === undefined) {
        throw new Error(`internal error: the plan refers to ${what} ${JSON.stringify(key)}, which it does not define`);
    }
    return found;
}
