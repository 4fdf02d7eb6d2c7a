/**
 * What the AWS provider does with a change, per resource type (terraform-provider-aws, which
 * pulumi-aws bridges; resource docs and schemas): the fields that force a new resource, and the
 * fields that name the physical object.
 * - iam_openid_connect_provider: url is ForceNew; client IDs and thumbprints are updated.
 * - iam_role: name, name_prefix and path are ForceNew (names are unique in an account, whatever
 *   the path, so a path change must delete first); the trust policy is updated in place.
 * - iam_role_policy_attachment: role and policy_arn are ForceNew.
 * - iam_role_policy: role, name and name_prefix are ForceNew; the document is updated.
 */
import { RESOURCE } from "./names";

export const REPLACE_ON: Readonly<Record<string, readonly string[] | "all">> = {
    [RESOURCE.oidcProvider]: ["url"],
    [RESOURCE.role]: ["name", "namePrefix", "path"],
    [RESOURCE.rolePolicyAttachment]: ["role", "policyArn"],
    [RESOURCE.rolePolicy]: ["role", "name", "namePrefix"],
};

export const IDENTITY: Readonly<Record<string, readonly string[]>> = {
    [RESOURCE.oidcProvider]: ["url"],
    [RESOURCE.role]: ["name"],
    [RESOURCE.rolePolicyAttachment]: ["role", "policyArn"],
    [RESOURCE.rolePolicy]: ["role", "name"],
};
