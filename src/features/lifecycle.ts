/**
 * What `pulumi up` does when a stack goes from one plan to another, resource by resource, the
 * way the engine decides it (pulumi/pulumi pkg/resource/deploy/step_generator.go):
 * - a resource is the same one when its URN (type and logical name here: every resource of a
 *   type has the same parent) or one of its aliases is in the old state;
 * - a changed argument the provider marks ForceNew replaces it, create-first unless
 *   deleteBeforeReplace; a protected resource is neither deleted nor replaced (the engine stops);
 *   a resource that still carries an `import` ID is not replaced either;
 * - an `import` ID is an import only when it differs from the ID the state holds (the old import
 *   ID, else the resource's own): `isImport := goal.Custom && goal.ID != "" && (old == nil ||
 *   old.External || oldImportID != goal.ID)` in `continueStepsFromRefresh`. Keeping `adopt: import`
 *   is therefore harmless until the adopted object's path changes: then pulumi up imports the
 *   object at the new path (which must exist) and replaces the old one with it, deleting the old;
 * - an old resource nothing claims is deleted at the end, after every create.
 * It also finds the hazard that bit 0.1.0: a resource created under a new logical name whose
 * physical object is the one a deleted resource names (Vault writes are upserts, so the final
 * delete removes the only copy; IAM and GCP refuse the create as "already exists").
 */
import { targets } from "../../components";
import { grantKey } from "../core/names";
import type { ResourceMeta } from "../core/resources";
import type { ResourceKind } from "../../components/target";
import type { Plan } from "./plan-schema";
import { TargetEntry, targetEntries } from "./resources";
import { ownerOf } from "./shard";

/** `move`: a sharded map moves the resource to another stack (it must be moved with pulumi state move). */
export type ResourceOp = "create" | "import" | "update" | "replace" | "move" | "delete";

export interface ResourceChange {
    readonly type: string;
    /** The logical name in the new plan (the old one for a delete). */
    readonly name: string;
    /** For a resource kept through an alias: its old logical name. */
    readonly formerName?: string;
    readonly op: ResourceOp;
    /** Changed arguments (update, replace). */
    readonly changed: readonly string[];
    /** The changed arguments that force the replacement. */
    readonly replacedBy: readonly string[];
    readonly protected: boolean;
    readonly deleteBeforeReplace: boolean;
    /** The physical object, e.g. "backend=gitlab roleName=platform-api--deploy". */
    readonly physical: string;
    /** Why `pulumi up` would stop, or lose data, on this change; undefined when it is safe. */
    readonly hazard?: string;
    /** Why only an administrator's `pulumi up` can make this change (the applier's permissions do not cover it). */
    readonly adminOnly?: string;
    /** The grant (`<project id>/<grant>`) the resource belongs to; absent for shared resources. */
    readonly grant?: string;
}

/** Whether two JSON values are equal, without building strings or arrays (most entries do not change). */
export function same(a: unknown, b: unknown): boolean {
    if (a === b) {
        return true;
    }
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
        return false;
    }
    if (Array.isArray(a)) {
        if (!Array.isArray(b) || a.length !== b.length) {
            return false;
        }
        for (let i = 0; i < a.length; i++) {
            if (!same(a[i], b[i])) {
                return false;
            }
        }
        return true;
    }
    if (Array.isArray(b)) {
        return false;
    }
    const [x, y] = [a as Record<string, unknown>, b as Record<string, unknown>];
    let count = 0;
    for (const k in x) {
        if (!Object.prototype.hasOwnProperty.call(y, k) || !same(x[k], y[k])) {
            return false;
        }
        count++;
    }
    for (const _ in y) {
        count--;
    }
    return count === 0;
}

/** The provider arguments that differ between two entries of one resource (reader-only keys and `resource` aside). */
function changedArguments(before: TargetEntry, after: TargetEntry): string[] {
    const skip = kindOf(after).informational ?? [];
    const [was, is] = [before.entry as unknown as Record<string, unknown>, after.entry as unknown as Record<string, unknown>];
    const changed: string[] = [];
    for (const k of Object.keys(was)) {
        if (k !== "resource" && !skip.includes(k) && !same(was[k], is[k])) {
            changed.push(k);
        }
    }
    for (const k of Object.keys(is)) {
        if (k !== "resource" && !skip.includes(k) && !(k in was)) {
            changed.push(k);
        }
    }
    return changed.sort();
}

/** The target's row for an entry's resource type (resources.kinds). */
function kindOf(item: TargetEntry): ResourceKind {
    const kind = item.target.resources.kinds[item.entry.resource.type];
    if (kind === undefined) {
        throw new Error(`internal error: ${item.target.title} has no resource kind ${item.entry.resource.type}`);
    }
    return kind;
}

function physicalOf(item: TargetEntry): string {
    const args = item.entry as unknown as Record<string, unknown>;
    // An identity field the entry does not carry (Vault's namespace in the root namespace, AWS's account in a map without accounts) is left out.
    const fields = kindOf(item).identity.filter((f) => args[f] !== undefined);
    return fields.map((f) => `${f}=${String(args[f])}`).join(" ");
}

const key = (type: string, name: string) => `${type}::${name}`;

/** The grant a plan entry belongs to, as a change carries it. */
function grantOf(item: TargetEntry): { grant?: string } {
    return item.entry.resource.grant !== undefined ? { grant: item.entry.resource.grant } : {};
}

/**
 * Why pulumi up would import again a resource the state already holds: it still carries an import
 * ID, and that ID is not the one it was adopted with (the old plan's import ID, or, where the old
 * plan had none, the object its identity named). Undefined when the import ID is a no-op.
 */
function reimportOf(before: TargetEntry, after: TargetEntry): string | undefined {
    const id = after.entry.resource.import;
    if (id === undefined) {
        return undefined;
    }
    const was = before.entry.resource.import;
    if (was !== undefined ? was === id : physicalOf(before) === physicalOf(after)) {
        return undefined;
    }
    return `still marked for adoption (adopt: import) while it moves to ${physicalOf(after)}: pulumi up imports ${JSON.stringify(id)}, which must already exist, and replaces the adopted ${physicalOf(before)} with it (deleting it${before.entry.resource.protect ? "; it is protected, so pulumi up stops" : ""}). Remove adopt once the import has run, then change the path`;
}

/** Which stack registers an entry: "the foundation" or "shard <i>" (an unsharded map's one stack is the foundation). */
function stackNaming(plan: Plan): (resource: ResourceMeta) => string {
    const owner = ownerOf(plan);
    return (resource) => {
        const index = owner(resource);
        return index === undefined ? "the foundation stack" : `shard stack ${index}`;
    };
}

/** Every resource that changes from `base` to `head`, in head's order, deletions last; each marked when only an administrator can make it. */
export function resourceChanges(base: Plan, head: Plan): ResourceChange[] {
    const adminOnly = adminOnlyOf(base, head);
    return engineChanges(base, head).map((change) => {
        const why = adminOnly(change);
        return why === undefined ? change : { ...change, adminOnly: why };
    });
}

/**
 * Which changes the applier cannot make: those of resource types a target leaves to an
 * administrator, and those of the deployer's own identities (the applier never changes itself).
 */
function adminOnlyOf(base: Plan, head: Plan): (change: ResourceChange) => string | undefined {
    const deployer = new Set([...base.grants, ...head.grants].filter((g) => g.deployer !== undefined).map((g) => grantKey(g.projectId, g.grant)));
    const anchors = new Map(targets().flatMap((t) => Object.entries(t.resources.kinds).flatMap(([type, kind]) => (kind.adminOnly !== undefined ? [[type, { title: t.title, rule: kind.adminOnly }] as const] : []))));
    return (change) => {
        const anchor = anchors.get(change.type);
        const covered = anchor !== undefined && (anchor.rule === "all" || change.changed.some((argument) => anchor.rule.includes(argument)));
        if (covered) {
            const title = anchor.title;
            const verb = change.op === "delete" ? "delete" : change.op === "create" || change.op === "import" ? "create" : "change";
            return `the applier's permissions leave the ${title} ${shortType(change.type)} to an administrator: an administrator runs pulumi up to ${verb} it (README: What only an administrator changes)`;
        }
        const key = change.grant;
        return key !== undefined && deployer.has(key) ? `the deployer's own identity (${key}): the applier never changes itself, so an administrator runs pulumi up for this change` : undefined;
    };
}

/** What the engine does to each resource, in head's order, deletions last. */
function engineChanges(base: Plan, head: Plan): ResourceChange[] {
    const stackBefore = stackNaming(base);
    const stackAfter = stackNaming(head);
    const old = new Map(targetEntries(base).map((item) => [key(item.entry.resource.type, item.entry.resource.name), item]));
    const claimed = new Set<string>();
    const changes: ResourceChange[] = [];
    for (const item of targetEntries(head)) {
        const { type, name } = item.entry.resource;
        let found: string | undefined = key(type, name);
        if (!old.has(found) || claimed.has(found)) {
            found = (item.entry.resource.aliases ?? []).map((n) => key(type, n)).find((k) => old.has(k) && !claimed.has(k));
        }
        if (found === undefined) {
            const op = item.entry.resource.import !== undefined ? "import" : "create";
            changes.push({ type, name, ...grantOf(item), op, changed: [], replacedBy: [], protected: item.entry.resource.protect, deleteBeforeReplace: item.entry.resource.deleteBeforeReplace === true, physical: physicalOf(item) });
            continue;
        }
        claimed.add(found);
        const before = old.get(found)!;
        const formerName = before.entry.resource.name !== name ? { formerName: before.entry.resource.name } : {};
        const changed = changedArguments(before, item);
        const [from, to] = [stackBefore(before.entry.resource), stackAfter(item.entry.resource)];
        if (from !== to) {
            // Registered by another stack now: that stack creates it (an upsert, or "already exists") and the old one deletes it.
            const hazard = `moves from ${from} to ${to}: move it with pulumi state move before either stack's pulumi up (gitlab-federation shard --base prints the commands), or the old stack's delete removes the object`;
            changes.push({ type, name, ...grantOf(item), ...formerName, op: "move", changed, replacedBy: [], protected: item.entry.resource.protect, deleteBeforeReplace: false, physical: physicalOf(item), hazard });
            continue;
        }
        const reimport = reimportOf(before, item);
        if (reimport !== undefined) {
            changes.push({ type, name, ...grantOf(item), ...formerName, op: "import", changed, replacedBy: changed, protected: item.entry.resource.protect, deleteBeforeReplace: false, physical: physicalOf(item), hazard: reimport });
            continue;
        }
        if (changed.length === 0) {
            continue;
        }
        const physical = physicalOf(item);
        const rule = kindOf(item).replaceOn;
        const replacedBy = rule === "all" ? changed : changed.filter((k) => rule.includes(k));
        const deleteBeforeReplace = item.entry.resource.deleteBeforeReplace === true;
        const hazard = replaceHazard(before, item, replacedBy);
        changes.push({ type, name, ...grantOf(item), ...formerName, op: replacedBy.length > 0 ? "replace" : "update", changed, replacedBy, protected: item.entry.resource.protect, deleteBeforeReplace, physical, ...(hazard !== undefined ? { hazard } : {}) });
    }
    return [...changes, ...deletions(old, claimed, changes)];
}

/** Why replacing a resource (changing `replacedBy`) goes wrong, if it does. */
function replaceHazard(before: TargetEntry, item: TargetEntry, replacedBy: readonly string[]): string | undefined {
    if (replacedBy.length === 0) {
        return undefined;
    }
    if (item.entry.resource.protect && before.entry.resource.protect) {
        return `protected: pulumi up refuses to replace it (changing ${replacedBy.join(", ")}); turn protect off for one run, or undo the change`;
    }
    if (item.entry.resource.import !== undefined) {
        return `imported: pulumi up refuses to replace a resource that still carries an import ID (changing ${replacedBy.join(", ")})`;
    }
    const physical = physicalOf(item);
    if (item.entry.resource.deleteBeforeReplace !== true && physicalOf(before) === physical) {
        return `replaced create-first under the same physical name ${physical}: the create collides with the old object, or overwrites it and the old one's delete then removes it`;
    }
    return undefined;
}

/** The base's resources no head entry claims: deleted, with why that goes wrong, if it does. */
function deletions(old: ReadonlyMap<string, TargetEntry>, claimed: ReadonlySet<string>, changes: readonly ResourceChange[]): ResourceChange[] {
    const out: ResourceChange[] = [];
    const created = new Map(changes.filter((c) => c.op === "create").map((c) => [`${c.type}::${c.physical}`, c]));
    for (const [k, item] of old) {
        if (claimed.has(k)) {
            continue;
        }
        const { type, name, protect } = item.entry.resource;
        const physical = physicalOf(item);
        const twin = created.get(`${type}::${physical}`);
        const hazard = protect
            ? `protected: pulumi up refuses to delete it; turn protect off for one run if it must go, or keep it in the map`
            : twin !== undefined
              ? `${physical} is created again under the new name ${twin.name} first, then this delete removes it (a write under the same physical name is an upsert in Vault, "already exists" in IAM and GCP): add renamedFrom, or pin the old name with aliases`
              : undefined;
        out.push({ type, name, ...grantOf(item), op: "delete", changed: [], replacedBy: [], protected: protect, deleteBeforeReplace: false, physical, ...(hazard !== undefined ? { hazard } : {}) });
    }
    return out;
}

/** For messages: the resource type without its package prefix (`vault:jwt/authBackendRole:AuthBackendRole` → `AuthBackendRole`). */
export function shortType(type: string): string {
    return type.slice(type.lastIndexOf(":") + 1);
}
