/**
 * The AWS target's resource table: per resource type, the component that registers it, what the
 * AWS provider does with a change (terraform-provider-aws, which pulumi-aws bridges; resource docs
 * and schemas), and the fields that name the physical object.
 * - iam_openid_connect_provider: url is ForceNew; client IDs and thumbprints are updated.
 * - iam_role: name, name_prefix and path are ForceNew (names are unique in an account, whatever
 *   the path, so a path change must delete first); the trust policy is updated in place.
 * - iam_role_policy_attachment: role and policy_arn are ForceNew.
 * - iam_role_policy: role, name and name_prefix are ForceNew; the document is updated.
 * - pulumi:providers:aws: the Pulumi provider of an account of aws.accounts (assumeRole, profile).
 *   It is configuration, not an AWS object: every stack that registers a resource of the account
 *   registers it too, under the same name (a sharded map's foundation owns it in the plan, each
 *   shard whose grants use the account registers its own). A grant moved between shards keeps its
 *   resources: `pulumi state move` copies their provider into the destination (pulumi/pulumi
 *   pkg/cmd/pulumi/state/state_move.go: "Providers stay in the source stack, so we need a copy"),
 *   and where the destination's program registers another provider reference with the same
 *   configuration the engine asks the new provider's DiffConfig, which replaces nothing for equal
 *   configuration (pkg/resource/deploy/step_generator.go providerChanged).
 * Every entry of an account of aws.accounts carries its key (`account`): the same role name in
 * two accounts is two objects.
 * The applier may make every change of these (permissions.ts), its own roles aside.
 */
import type { Entry } from "../../src/core/resources";
import type { ResourceKind, TargetResources } from "../target";
import { COMPONENT, RESOURCE } from "./names";
import { AWS_INFORMATIONAL, AWS_ROLE_INFORMATIONAL, type AwsPlan } from "./plan-schema";

export const KINDS: Readonly<Record<string, ResourceKind>> = {
    // A provider's arguments are its configuration; whether the engine replaces its resources when they change is the provider's DiffConfig (UNVERIFIED for pulumi-aws): none is marked here.
    [RESOURCE.provider]: { parent: COMPONENT.oidc, replaceOn: [], identity: ["account", "allowedAccountIds"], informational: AWS_INFORMATIONAL },
    [RESOURCE.oidcProvider]: { parent: COMPONENT.oidc, replaceOn: ["url"], identity: ["account", "url"], informational: AWS_INFORMATIONAL },
    [RESOURCE.role]: { parent: COMPONENT.oidc, replaceOn: ["name", "namePrefix", "path"], identity: ["account", "name"], informational: AWS_ROLE_INFORMATIONAL },
    [RESOURCE.rolePolicyAttachment]: { parent: COMPONENT.oidc, replaceOn: ["role", "policyArn"], identity: ["account", "role", "policyArn"], informational: AWS_INFORMATIONAL },
    [RESOURCE.rolePolicy]: { parent: COMPONENT.oidc, replaceOn: ["role", "name", "namePrefix"], identity: ["account", "role", "name"], informational: AWS_INFORMATIONAL },
};

export const AWS_RESOURCES: TargetResources<AwsPlan> = {
    kinds: KINDS,
    entries: (plan): Entry[] => [...(plan.providers ?? []), ...plan.oidcProviders, ...plan.roles, ...plan.rolePolicyAttachments, ...plan.rolePolicies],
    select: (plan, keep) => {
        const kept = {
            oidcProviders: plan.oidcProviders.filter(keep),
            roles: plan.roles.filter(keep),
            rolePolicyAttachments: plan.rolePolicyAttachments.filter(keep),
            rolePolicies: plan.rolePolicies.filter(keep),
        };
        const used = new Set([...kept.oidcProviders, ...kept.roles, ...kept.rolePolicyAttachments, ...kept.rolePolicies].map((e) => e.account));
        return { ...plan, ...(plan.providers !== undefined ? { providers: plan.providers.filter((p) => keep(p) || used.has(p.account)) } : {}), ...kept };
    },
};
