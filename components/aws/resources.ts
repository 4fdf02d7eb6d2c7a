/**
 * The AWS target's resource table: per resource type, the component that registers it, what the
 * AWS provider does with a change (terraform-provider-aws, which pulumi-aws bridges; resource docs
 * and schemas), and the fields that name the physical object.
 * - iam_openid_connect_provider: url is ForceNew; client IDs and thumbprints are updated.
 * - iam_role: name, name_prefix and path are ForceNew (names are unique in an account, whatever
 *   the path, so a path change must delete first); the trust policy is updated in place.
 * - iam_role_policy_attachment: role and policy_arn are ForceNew.
 * - iam_role_policy: role, name and name_prefix are ForceNew; the document is updated.
 * The applier may make every change of these (permissions.ts), its own roles aside.
 */
import type { Entry } from "../../src/core/resources";
import type { ResourceKind, TargetResources } from "../target";
import { COMPONENT, RESOURCE } from "./names";
import { AWS_ROLE_INFORMATIONAL, type AwsPlan } from "./plan-schema";

export const KINDS: Readonly<Record<string, ResourceKind>> = {
    [RESOURCE.oidcProvider]: { parent: COMPONENT.oidc, replaceOn: ["url"], identity: ["url"] },
    [RESOURCE.role]: { parent: COMPONENT.oidc, replaceOn: ["name", "namePrefix", "path"], identity: ["name"], informational: AWS_ROLE_INFORMATIONAL },
    [RESOURCE.rolePolicyAttachment]: { parent: COMPONENT.oidc, replaceOn: ["role", "policyArn"], identity: ["role", "policyArn"] },
    [RESOURCE.rolePolicy]: { parent: COMPONENT.oidc, replaceOn: ["role", "name", "namePrefix"], identity: ["role", "name"] },
};

export const AWS_RESOURCES: TargetResources<AwsPlan> = {
    kinds: KINDS,
    entries: (plan): Entry[] => [...plan.oidcProviders, ...plan.roles, ...plan.rolePolicyAttachments, ...plan.rolePolicies],
    select: (plan, keep) => ({
        ...plan,
        oidcProviders: plan.oidcProviders.filter(keep),
        roles: plan.roles.filter(keep),
        rolePolicyAttachments: plan.rolePolicyAttachments.filter(keep),
        rolePolicies: plan.rolePolicies.filter(keep),
    }),
};
