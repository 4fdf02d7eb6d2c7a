/**
 * The review classes (core/review.ts) of the AWS section and a grant's `aws` field, next to
 * schema.ts: what `gitlab-federation diff` reports when one of them changes.
 */
import { show } from "../../src/core/findings";
import { LOOSENING_REASON, ReviewFields, ReviewRule, ReviewSide, TargetReview, access, arrow, cosmetic, derived, hazard, hazardous, inherited, narrowed, sectionField, trust, unranked, widened } from "../../src/core/review";
import type { AwsAccountConfig, AwsConfig } from "./schema";

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

/** An account of aws.accounts whose protect turns false (its own, else the section's) while it manages its provider. */
const accountProtectOff: ReviewRule = (before, after, context) => {
    const account = context.head.entries[context.head.entries.length - 1]?.value as AwsAccountConfig | undefined;
    return after === false && before !== false && account?.existingProviderArn === undefined
        ? [hazardous(`${arrow(before, after)}: pulumi up may delete the account's OIDC provider (a removed account, pulumi destroy), which breaks every role of the account at once`)]
        : [];
};

/** The only account of a side's aws.accounts, which a grant without aws.account is in. */
function onlyAccount(side: ReviewSide): string | undefined {
    const keys = Object.keys((sectionField(side, "aws", "accounts") ?? {}) as object);
    return keys.length === 1 ? keys[0] : undefined;
}

/**
 * A grant's aws.account: its role is another object in another account, registered through that
 * account's provider, so pulumi up creates the new role and deletes the old one (its logical name
 * carries the account), and the role ARN jobs assume changes. Another account cannot be ranked.
 */
const movedAccount: ReviewRule = (before, after, context) => {
    const [was, is] = [before ?? onlyAccount(context.base), after ?? onlyAccount(context.head)];
    if (was === is || context.base.entries[context.base.entries.length - 1] === undefined) {
        return [];
    }
    return [
        widened(
            `${arrow(was, is)}: the grant's role moves to another account, a replacement: pulumi up creates it in ${show(is)} through that account's provider and deletes the one in ${show(was)}; its ARN changes, so regenerate the CI that assumes it (jobs fail until then)`,
        ),
    ];
};

const QUOTA = cosmetic; // A quota the plan is checked against: it changes no resource and no access.
const LOOSENING = derived("diff's AWS access changes: a new loosening, with its reason");
/** How Pulumi reaches an account: its provider's configuration, which gives no pipeline any access. */
const PROVIDER = derived("diff's resource changes: the account's Pulumi provider (pulumi:providers:aws) is updated");

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
    "accounts.*.id": derived("diff's resource changes (the account's provider, every ARN) and the role ARNs in its AWS access changes"),
    "accounts.*.assumeRole.roleArn": PROVIDER,
    "accounts.*.assumeRole.externalId": PROVIDER,
    "accounts.*.assumeRole.sessionName": PROVIDER,
    "accounts.*.profile": PROVIDER,
    "accounts.*.region": PROVIDER,
    "accounts.*.existingProviderArn": trust(existingProvider),
    "accounts.*.thumbprints": trust(thumbprints),
    "accounts.*.rolePath": derived("diff's resource changes (the account's roles replaced)"),
    "accounts.*.permissionsBoundary": access(inherited(boundary, "aws", "permissionsBoundary")),
    "accounts.*.trustPolicyMaxLength": QUOTA,
    "accounts.*.protect": hazard(inherited(accountProtectOff, "aws", "protect")),
    "accounts.*.quotas.roles": QUOTA,
    "accounts.*.tags": access(inherited(tags, "aws", "tags")),
    "accounts.*.adopt.oidcProvider": derived("diff's resource changes: an import"),
};

const GRANT: ReviewFields = {
    roleName: derived("diff's AWS access changes: role (a name)"),
    account: access(movedAccount),
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
