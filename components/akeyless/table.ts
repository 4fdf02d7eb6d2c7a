/**
 * The Akeyless target's resource table: per dynamic resource, what its diff replaces
 * (resources.ts: `name` is the identity of the auth method and the role; an association is
 * replaced when its role or auth method changes, as the TF provider's assoc-role-am cannot move
 * one), the fields that name the object, and what only an administrator may change: the auth
 * method, a trust anchor whose settings decide which tokens every role accepts (the applier's
 * rules give it read and list only: deployer.ts).
 */
import type { Entry } from "../../src/core/resources";
import type { ResourceKind, TargetResources } from "../target";
import { COMPONENT, RESOURCE } from "./names";
import type { AkeylessPlan } from "./plan-schema";

export const KINDS: Readonly<Record<string, ResourceKind>> = {
    [RESOURCE.authMethod]: { parent: COMPONENT, replaceOn: ["name"], identity: ["name"], adminOnly: "all" },
    [RESOURCE.role]: { parent: COMPONENT, replaceOn: ["name"], identity: ["name"] },
    [RESOURCE.association]: { parent: COMPONENT, replaceOn: ["roleName", "authMethodName"], identity: ["roleName", "authMethodName"] },
};

export const AKEYLESS_RESOURCES: TargetResources<AkeylessPlan> = {
    kinds: KINDS,
    entries: (plan): Entry[] => [...(plan.authMethod !== undefined ? [plan.authMethod] : []), ...plan.roles, ...plan.associations],
    select: (plan, keep) => {
        const { authMethod, ...rest } = plan;
        return { ...rest, ...(authMethod !== undefined && keep(authMethod) ? { authMethod } : {}), roles: plan.roles.filter(keep), associations: plan.associations.filter(keep) };
    },
};
