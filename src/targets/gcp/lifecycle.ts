/**
 * What the Google provider does with a change, per resource type (magic-modules
 * mmv1/products/iambeta: ids are immutable; IAM member resources have no update), the fields that
 * force a new resource, and the fields that name the physical object. A deleted pool or provider
 * ID cannot be reused for about 30 days (docs/reference.md §5.1, §7.20), so replacing one
 * fails until then.
 */
import { RESOURCE } from "./names";

export const REPLACE_ON: Readonly<Record<string, readonly string[] | "all">> = {
    [RESOURCE.pool]: ["workloadIdentityPoolId", "project"],
    [RESOURCE.provider]: ["workloadIdentityPoolId", "workloadIdentityPoolProviderId", "project"],
    [RESOURCE.serviceAccount]: ["accountId", "project"],
    [RESOURCE.serviceAccountIamMember]: "all",
    [RESOURCE.projectIamMember]: "all",
    [RESOURCE.bucketIamMember]: "all",
    [RESOURCE.cryptoKeyIamMember]: "all",
};

export const IDENTITY: Readonly<Record<string, readonly string[]>> = {
    [RESOURCE.pool]: ["project", "workloadIdentityPoolId"],
    [RESOURCE.provider]: ["project", "workloadIdentityPoolId", "workloadIdentityPoolProviderId"],
    [RESOURCE.serviceAccount]: ["project", "accountId"],
    [RESOURCE.serviceAccountIamMember]: ["serviceAccountId", "role", "member"],
    [RESOURCE.projectIamMember]: ["project", "role", "member"],
    [RESOURCE.bucketIamMember]: ["bucket", "role", "member"],
    [RESOURCE.cryptoKeyIamMember]: ["cryptoKeyId", "role", "member"],
};
