/**
 * The review classes (core/review.ts) of the AWS section and a grant's `aws` field, next to
 * schema.ts: what `gitlab-federation diff` reports when one of them changes.
 */
import { LOOSENING_REASON, ReviewFields, ReviewRule, TargetReview, access, arrow, cosmetic, derived, hazard, hazardous, narrowed, trust, unranked, widened } from "../../src/core/review";
import type { AwsConfig } from "./schema";

/**
 * aws.existingProviderArn: the roles trust an OIDC provider this stack does not manage, whose
 * client IDs and thumbprints someone else decides: set or changed is wider, removed narrower
 * (the roles trust this stack's own provider again).
 */
const existingProvider: ReviewRule = (before, after) => [
    after === undefined
        ? narrowed(`${arrow(before, after)}: the roles trust the OIDC provider this stack manages`)
        : widened(`${arrow(before, after)}: the roles trust an OIDC provider this stack does not manage: whoever manages it decides its client IDs and thumbprints`),
];

/**
 * aws.thumbprints: AWS verifies the key host's certificate with its trusted root CAs, and "If
 * your OIDC IdP relies on a certificate that is not signed by one of these trusted CAs, only then
 * we secure communication using the thumbprints" (IAM API Reference,
 * UpdateOpenIDConnectProviderThumbprint). A thumbprint added is a CA more that may vouch for the
 * host: wider; one removed is narrower.
 */
const thumbprints: ReviewRule = (before, after) => {
    const [was, is] = [((before ?? []) as string[]).map((t) => t.toLowerCase()), ((after ?? []) as string[]).map((t) => t.toLowerCase())];
    const added = is.filter((t) => !was.includes(t));
    const removed = was.filter((t) => !is.includes(t));
    return [
        ...(added.length > 0 ? [widened(`added ${added.join(", ")}: where no CA AWS trusts signed the key host's certificate, AWS accepts one from the CAs these name`)] : []),
        ...(removed.length > 0 ? [narrowed(`removed ${removed.join(", ")}`)] : []),
    ];
};

/**
 * aws.permissionsBoundary: the ceiling of every role (and, with a deployer, of every role the
 * applier may write). Removed is wider; added narrower; another one cannot be ranked.
 */
const boundary: ReviewRule = (before, after) => {
    if (after === undefined) {
        return [widened(`${arrow(before, after)}: the roles carry no permissions boundary: their policies alone decide what they may do, and the applier may write roles without one`)];
    }
    return [before === undefined ? narrowed(`${arrow(before, after)}: every role carries this boundary`) : widened(`${arrow(before, after)}: another boundary on every role (review it: a change cannot be ranked)`)];
};

/**
 * aws.tags, on every role: a policy may test them (aws:PrincipalTag, aws:ResourceTag), so a
 * change of a tag cannot be ranked.
 */
const tags: ReviewRule = (before, after) => {
    const [was, is] = [(before ?? {}) as Readonly<Record<string, string>>, (after ?? {}) as Readonly<Record<string, string>>];
    const keys = [...new Set([...Object.keys(was), ...Object.keys(is)])].filter((key) => was[key] !== is[key]).sort();
    return [widened(`${keys.join(", ")} changed: policies that test aws:PrincipalTag or aws:ResourceTag on the roles see the new values (review it: a change cannot be ranked)`)];
};

/** aws.protect false: a removed section or pulumi destroy deletes the provider this stack manages. */
const protectOff: ReviewRule = (before, after, context) => {
    const aws = context.head.map?.aws as AwsConfig | undefined;
    return after === false && before !== false && aws?.existingProviderArn === undefined
        ? [hazardous(`${arrow(before, after)}: pulumi up may delete the OIDC provider (a removed section, pulumi destroy), which breaks every role that trusts it at once`)]
        : [];
};

/** The section removed while its provider is unprotected: pulumi up deletes the provider. */
const sectionRemoved: ReviewRule = (before, after) => {
    const aws = before as AwsConfig | undefined;
    return after === undefined && aws !== undefined && !aws.protect && aws.existingProviderArn === undefined
        ? [hazardous("removed while aws.protect is false: pulumi up deletes the OIDC provider, which breaks every role that trusts it at once")]
        : [];
};

const QUOTA = cosmetic; // A quota the plan is checked against: it changes no resource and no access.
const LOOSENING = derived("diff's AWS access changes: a new loosening, with its reason");

const SECTION: ReviewFields = {
    "": hazard(sectionRemoved),
    audience: trust(unranked((after) => `the roles accept the ID tokens requested for ${String(after)} (the OIDC provider's client ID, every role's aud condition)`)),
    accountId: derived("diff's resource changes (every ARN) and the role ARNs in its AWS access changes"),
    partition: derived("diff's resource changes (every ARN) and the role ARNs in its AWS access changes"),
    existingProviderArn: trust(existingProvider),
    thumbprints: trust(thumbprints),
    rolePath: derived("diff's AWS access changes of the deployer's applier (its inline policy names the path) and resource changes (roles replaced)"),
    permissionsBoundary: access(boundary),
    maxSessionDuration: derived("diff's AWS access changes: max session (s) of each grant that takes the default"),
    trustPolicyMaxLength: QUOTA,
    protect: hazard(protectOff),
    "quotas.roles": QUOTA,
    tags: access(tags),
    "adopt.oidcProvider": derived("diff's resource changes: an import"),
};

const GRANT: ReviewFields = {
    roleName: derived("diff's AWS access changes: role (a name)"),
    description: cosmetic,
    managedPolicyArns: derived("diff's AWS access changes: managed policy added, removed"),
    inlinePolicy: derived("diff's AWS access changes: inline policy changed"),
    maxSessionDuration: derived("diff's AWS access changes: max session (s)"),
    "acknowledge.protected": LOOSENING,
    "acknowledge.environment": LOOSENING,
    allowBroad: LOOSENING,
};

/** deployer.aws. */
const DEPLOYER: ReviewFields = {
    acknowledge: LOOSENING_REASON,
    allowUnboundedRoles: derived("aws.permissionsBoundary, whose removal is reported as wider; the reason is in the warnings"),
    "state.bucket": derived("diff's AWS access changes of the deployer's grants: their inline policy names the bucket"),
    "state.prefix": derived("diff's AWS access changes of the deployer's grants: their inline policy names the prefix"),
    "state.kmsKeyArn": derived("diff's AWS access changes of the deployer's grants: their inline policy names the key"),
    "state.region": derived("the pipeline's PULUMI_BACKEND_URL only: .gitlab-ci.yml changes with it, and its check job fails until it is regenerated"),
};

export const AWS_REVIEW: TargetReview = { section: SECTION, grant: GRANT, deployer: DEPLOYER };
