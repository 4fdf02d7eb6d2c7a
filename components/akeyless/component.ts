/**
 * The Akeyless dynamic resources as Pulumi resources (provider.ts does the work). The target's
 * component registers them; these classes fix each resource's type token and its defaults:
 *
 * - the auth method is protected (`protect: true`) unless the caller says otherwise, and Akeyless's
 *   own `delete_protection` defaults to true: deleting it cuts every job's login, and recreating it
 *   changes the access id every job is configured with;
 * - an association is replaced delete-first: a forced replacement (`pulumi up --replace`) keeps
 *   its role and auth method, and creating first would meet the old association (create refuses
 *   to take over an existing one). The gap only narrows access. Roles and the auth method are
 *   replaced only when renamed (diff), so create-first meets nothing.
 *
 * Output-only properties are passed as undefined so the engine reports them (the pattern of
 * pulumi/pulumi sdk/nodejs/dynamic: outputs are the provider's `outs`), and declared with
 * `declare` so class fields do not overwrite them after the base constructor.
 */
import * as pulumi from "@pulumi/pulumi";
import { argsOf } from "../../src/core/resources";
import { lookup, optionsOf } from "../../src/pulumi/options";
import type { TargetComponents } from "../target";
import { COMPONENT } from "./names";
import type { AkeylessPlan, AkeylessSummary } from "./plan-schema";
import { PROVIDERS } from "./provider";

type In<T> = pulumi.Input<T>;

export interface AuthMethodArgs {
    readonly name: In<string>;
    readonly jwksUri: In<string>;
    readonly issuer: In<string>;
    readonly audience: In<string>;
    readonly uniqueIdentifier: In<string>;
    /** Minutes an Akeyless token from a login lives. */
    readonly jwtTtl: In<number>;
    readonly boundIps?: In<In<string>[]>;
    readonly description?: In<string>;
    /** Akeyless delete_protection; default true. */
    readonly deleteProtection?: In<boolean>;
    readonly apiUrl?: In<string>;
    /** Take over an auth method of this name that already exists (the `import` option does not work for dynamic resources). */
    readonly adopt?: In<boolean>;
}

export class AkeylessAuthMethod extends pulumi.dynamic.Resource {
    declare readonly accessId: pulumi.Output<string>;
    declare readonly forceSubClaims: pulumi.Output<boolean>;
    declare readonly subClaimsDelimiters: pulumi.Output<string[]>;

    constructor(name: string, args: AuthMethodArgs, opts: pulumi.CustomResourceOptions = {}) {
        super(PROVIDERS.authMethod, name, { ...args, accessId: undefined, forceSubClaims: undefined, subClaimsDelimiters: undefined }, { protect: true, ...opts }, "akeyless", "AuthMethod");
    }
}

export interface RoleRuleArgs {
    readonly ruleType?: In<"item-rule" | "target-rule">;
    readonly path: In<string>;
    readonly capabilities: In<In<"read" | "create" | "update" | "delete" | "list" | "deny">[]>;
}

export interface RoleArgs {
    readonly name: In<string>;
    readonly rules: In<In<RoleRuleArgs>[]>;
    readonly deleteProtection?: In<boolean>;
    readonly apiUrl?: In<string>;
    readonly adopt?: In<boolean>;
}

export class AkeylessRole extends pulumi.dynamic.Resource {
    declare readonly restrictedRules: pulumi.Output<{ ruleType: string; path: string; capabilities: string[] }[]>;
    declare readonly otherRules: pulumi.Output<{ ruleType: string; path: string; capabilities: string[] }[]>;
    declare readonly admin: pulumi.Output<boolean>;
    declare readonly associations: pulumi.Output<{ assocId: string; authMethodName: string }[]>;

    constructor(name: string, args: RoleArgs, opts: pulumi.CustomResourceOptions = {}) {
        super(PROVIDERS.role, name, { ...args, restrictedRules: undefined, otherRules: undefined, admin: undefined, associations: undefined }, opts, "akeyless", "Role");
    }
}

export interface AssociationArgs {
    readonly roleName: In<string>;
    readonly authMethodName: In<string>;
    /** Claim name to accepted values (any of them); every claim must match. Matched case-sensitively. */
    readonly subClaims: In<Record<string, In<In<string>[]>>>;
    readonly apiUrl?: In<string>;
    readonly adopt?: In<boolean>;
}

export class AkeylessAssociation extends pulumi.dynamic.Resource {
    declare readonly assocId: pulumi.Output<string>;
    declare readonly caseSensitive: pulumi.Output<boolean>;
    declare readonly withOperators: pulumi.Output<boolean>;

    constructor(name: string, args: AssociationArgs, opts: pulumi.CustomResourceOptions = {}) {
        super(PROVIDERS.association, name, { ...args, assocId: undefined, caseSensitive: undefined, withOperators: undefined }, { deleteBeforeReplace: true, ...opts }, "akeyless", "Association");
    }
}

/**
 * The target's resources under one component (`gitlab-federation:akeyless:Akeyless`), exactly as
 * the plan's `akeyless` part says: the auth method (absent in a shard stack), each grant's role,
 * then its association, which waits for both.
 */
export class Akeyless extends pulumi.ComponentResource {
    readonly authMethod?: AkeylessAuthMethod;

    constructor(name: string, plan: AkeylessPlan, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT, name, {}, opts);
        const authMethod = plan.authMethod !== undefined ? new AkeylessAuthMethod(plan.authMethod.resource.name, argsOf(plan.authMethod), optionsOf(plan.authMethod.resource, this)) : undefined;
        this.authMethod = authMethod;
        const roles = new Map(plan.roles.map((entry) => [entry.name, new AkeylessRole(entry.resource.name, argsOf(entry), optionsOf(entry.resource, this))]));
        for (const entry of plan.associations) {
            const dependsOn = [lookup(roles, entry.roleName, "Akeyless role"), ...(authMethod !== undefined ? [authMethod] : [])];
            new AkeylessAssociation(entry.resource.name, argsOf(entry), optionsOf(entry.resource, this, { dependsOn }));
        }
        this.registerOutputs({ authMethodName: plan.authMethodName, roleNames: [...roles.keys()] });
    }
}

/** Registers the Akeyless plan under `parent`; the auth method's access id joins the contract. */
export const components: TargetComponents<AkeylessPlan, AkeylessSummary> = {
    register(plan, parent) {
        const akeyless = new Akeyless("akeyless", plan, { parent: parent as pulumi.Resource });
        const accessId = akeyless.authMethod?.accessId;
        return {
            contract: {
                ...(accessId !== undefined ? { section: { accessId } } : {}),
                grant: (summary) => (accessId !== undefined && summary.authMethodName === plan.authMethodName ? { accessId } : {}),
            },
        };
    },
};
