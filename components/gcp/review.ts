/**
 * The review classes (core/review.ts) of the GCP section and a grant's `gcp` field, next to
 * schema.ts: what `gitlab-federation diff` reports when one of them changes.
 */
import { show } from "../../src/core/findings";
import { LOOSENING_REASON, ReviewFields, ReviewRule, ReviewSide, TargetReview, access, arrow, cosmetic, derived, hazard, hazardous, narrowed, sectionField, trust, unranked, widened } from "../../src/core/review";
import { providerFullName } from "./names";
import { TARGET_KINDS } from "./reach";
import type { GcpBindingConfig, GcpConfig } from "./schema";

const gcpOf = (side: ReviewSide) => side.map?.gcp as GcpConfig | undefined;

/** The aud the provider accepts: gcp.audience, else the provider's full name (plan.ts planGcp). */
const audienceOf = (gcp: GcpConfig) => gcp.audience ?? `https:${providerFullName(String(gcp.projectNumber), gcp.poolId, gcp.providerId)}`;

/**
 * The pool's identity: the service accounts' bindings name principals of pool <poolId> in
 * project <projectNumber> (plan.ts groupMember), and the provider is where GitLab's tokens come
 * in. Another one cannot be ranked; where gcp.audience is unset, the audience changes with it.
 */
function anchor(meaning: (gcp: GcpConfig) => string): ReviewRule {
    return (before, after, context) => {
        const gcp = gcpOf(context.head)!;
        return String(before) === String(after) ? [] : [widened(`${arrow(before, after)}: ${meaning(gcp)}${gcp.audience === undefined ? `; jobs request the audience ${audienceOf(gcp)}` : ""}`)];
    };
}

/** gcp.audience: the aud the provider accepts, compared as in effect (the default when unset). */
const audience: ReviewRule = (before, after, context) => {
    const [was, is] = [gcpOf(context.base), gcpOf(context.head)!];
    return was !== undefined && audienceOf(was) === audienceOf(is) ? [] : [widened(`${arrow(before, after)}: the provider accepts the ID tokens requested for ${audienceOf(is)}`)];
};

/** A JWK as one comparable text (members sorted), and how to name it. */
const keyText = (key: Readonly<Record<string, unknown>>) => JSON.stringify(key, Object.keys(key).sort());
const keyName = (key: Readonly<Record<string, unknown>>) => (typeof key.kid === "string" ? key.kid : `${String(key.kty)} key without kid`);
const keysOf = (text: unknown) => (text === undefined ? [] : ((JSON.parse(text as string) as { keys: Readonly<Record<string, unknown>>[] }).keys ?? []));

/**
 * gcp.jwksJson: the keys Google verifies GitLab's tokens with, instead of fetching them from the
 * issuer: the only proof a token came from GitLab. A key added (or changed: same kid, other
 * material) is wider; only removing keys is narrower; setting or removing the whole set switches
 * where the keys come from, which cannot be ranked.
 */
const jwks: ReviewRule = (before, after, context) => {
    const [was, is] = [keysOf(before), keysOf(after)];
    const url = (context.head.map?.gitlab as { url?: string } | undefined)?.url;
    if (before === undefined || after === undefined) {
        const detail = after === undefined ? `removed: Google fetches the keys from ${String(url)} again` : `added: Google verifies tokens with the uploaded ${is.length === 1 ? "key" : "keys"} ${is.map(keyName).join(", ")} instead of fetching GitLab's from ${String(url)}`;
        return [widened(`${detail}: whoever holds the private keys of the set in use can sign tokens GCP accepts (review it: a change cannot be ranked)`)];
    }
    const [old, now] = [new Set(was.map(keyText)), new Set(is.map(keyText))];
    const added = is.filter((key) => !old.has(keyText(key)));
    const removed = was.filter((key) => !now.has(keyText(key)));
    return [
        ...(added.length > 0 ? [widened(`keys added: ${added.map(keyName).join(", ")}: whoever holds their private keys can sign tokens GCP accepts`)] : []),
        ...(removed.length > 0 ? [narrowed(`keys removed: ${removed.map(keyName).join(", ")}`)] : []),
    ];
};

/** What a removed section or pulumi destroy deletes (adopt external leaves the pool out); a deleted ID "cannot be reused for about 30 days" (schema.ts gcp.protect). */
const deletable = (gcp: GcpConfig) => `${gcp.adopt?.pool === "external" ? "the provider" : `the pool ${gcp.poolId} and the provider`}; a deleted ID cannot be reused for about 30 days`;

const protectOff: ReviewRule = (before, after, context) =>
    after === false && before !== false ? [hazardous(`${arrow(before, after)}: pulumi up may delete ${deletable(gcpOf(context.head)!)} (a removed section, pulumi destroy)`)] : [];

const sectionRemoved: ReviewRule = (before, after) => {
    const gcp = before as GcpConfig | undefined;
    return after === undefined && gcp !== undefined && !gcp.protect ? [hazardous(`removed while gcp.protect is false: pulumi up deletes ${deletable(gcp)}`)] : [];
};

/**
 * gcp.adopt.pool external: the pool leaves the plan. Principals are the pool's, whatever provider
 * mapped them (pools are shared principal namespaces: plan.ts checkAdoption), so providers
 * someone else adds to it can become principals the service accounts trust: wider. Managed and
 * unprotected at the base, pulumi up deletes the pool.
 */
const poolAdoption: ReviewRule = (before, after, context) => {
    if (after !== "external") {
        return before === "external" ? [narrowed(`${arrow(before, after)}: this stack manages the pool again`)] : [];
    }
    const [was, is] = [gcpOf(context.base), gcpOf(context.head)!];
    return [
        widened(`${arrow(before, after)}: this stack no longer manages the pool ${is.poolId}: providers someone else adds to it map their tokens to principals of the same pool, which the service accounts trust`),
        ...(was !== undefined && !was.protect ? [hazardous(`${arrow(before, after)}: pulumi up deletes the pool ${was.poolId} (gcp.protect is false); a deleted ID cannot be reused for about 30 days`)] : []),
    ];
};

/** A binding's target without its project key, and that key ("" for a folder): what stays when a binding moves between projects. */
function bindingKeys(bindings: unknown): Map<string, string> {
    const keys = new Map<string, string>();
    for (const b of (bindings ?? []) as GcpBindingConfig[]) {
        const kind = TARGET_KINDS.find((k) => b[k] !== undefined);
        if (kind === undefined || kind === "folder") {
            continue;
        }
        const { project, ...rest } = (kind === "project" ? { project: b.project! } : b[kind]!) as { project: string };
        for (const role of b.roles) {
            keys.set(`${role} on ${kind} ${JSON.stringify(rest)}`, project);
        }
    }
    return keys;
}

/**
 * A grant's gcp.bindings: what they add and remove is diff's GCP access changes (the summary's
 * bindings). Here: a binding whose role and resource stay while its project key changes moves to
 * another project, a replacement through the other project's provider (its logical name carries
 * the key: reach.ts).
 */
const movedBindings: ReviewRule = (before, after) => {
    const [was, is] = [bindingKeys(before), bindingKeys(after)];
    return [...is]
        .filter(([binding, key]) => was.has(binding) && was.get(binding) !== key)
        .map(([binding, key]) =>
            widened(`${binding.replace(/ \{\}$/, "")}: moves from project ${show(was.get(binding))} to ${show(key)}, a replacement: pulumi up creates it through ${key}'s provider and deletes it through ${was.get(binding)!}'s`),
        );
};

/** What a binding adds or removes is diff's GCP access changes; a move between projects is gcp.bindings' rule. */
const BINDING_PART = derived("diff's GCP access changes: binding added, removed; gcp.bindings, whose rule compares the whole list, reports a binding moved to another project");

/** A grant's gcp.access: who holds the roles. Another holder cannot be ranked. */
const accessMode = unranked((after) =>
    after === "direct"
        ? "the grant's principalSets hold its roles directly; its service account and the bindings on it are deleted, and jobs must use the regenerated CI (no impersonation; some Google APIs do not accept federated principals)"
        : "the grant's service account holds its roles again, impersonated by its principalSets; regenerate the CI (it impersonates the account)",
);

/** gcp.projects.<key>.id: the key's provider and every binding through it move to another project. */
const projectId: ReviewRule = (before, after, context) =>
    before === undefined
        ? []
        : [widened(`${arrow(before, after)}: every binding through this key's provider moves to project ${String(after)}, a replacement (created there, deleted in ${String(before)})${sectionField(context.head, "gcp", "project") === after ? "; it is gcp.project, where the pool and the service accounts are" : ""}`)];

const QUOTA = cosmetic; // A quota the plan is checked against: it changes no resource and no access.

const SECTION: ReviewFields = {
    "": hazard(sectionRemoved),
    project: access((before, after) => [widened(`${arrow(before, after)}: every grant's roles are granted on project ${String(after)}, where its service account and the pool then live`)]),
    projectNumber: trust(anchor((gcp) => `the service accounts trust the principals of pool ${gcp.poolId} in project number ${String(gcp.projectNumber)}`)),
    poolId: trust(anchor((gcp) => `the service accounts trust the principals of pool ${gcp.poolId}`)),
    providerId: trust(anchor((gcp) => `GitLab's tokens come in through provider ${gcp.providerId} of pool ${gcp.poolId}`)),
    audience: trust(audience),
    poolDisplayName: cosmetic,
    protect: hazard(protectOff),
    "quotas.serviceAccounts": QUOTA,
    jwksJson: trust(jwks),
    "adopt.pool": trust(poolAdoption),
    "adopt.provider": derived("diff's resource changes: an import"),
    "projects.*.id": access(projectId),
    "projects.*.impersonateServiceAccount": derived("diff's resource changes: the project's Pulumi provider (pulumi:providers:gcp) is updated"),
};

const GRANT: ReviewFields = {
    roles: derived("diff's GCP access changes: project role added, removed"),
    accountId: derived("diff's GCP access changes: service account (a name)"),
    displayName: cosmetic,
    allowBroad: derived("diff's GCP access changes: a new loosening, with its reason"),
    bindings: access(movedBindings),
    "bindings.*.project": BINDING_PART,
    "bindings.*.folder": BINDING_PART,
    "bindings.*.bucket.project": BINDING_PART,
    "bindings.*.bucket.name": BINDING_PART,
    "bindings.*.artifactRegistry.project": BINDING_PART,
    "bindings.*.artifactRegistry.location": BINDING_PART,
    "bindings.*.artifactRegistry.repository": BINDING_PART,
    "bindings.*.cloudRun.project": BINDING_PART,
    "bindings.*.cloudRun.location": BINDING_PART,
    "bindings.*.cloudRun.service": BINDING_PART,
    "bindings.*.secret.project": BINDING_PART,
    "bindings.*.secret.secret": BINDING_PART,
    "bindings.*.roles": BINDING_PART,
    access: access(accessMode),
};

/** deployer.gcp.state: the deployer's service accounts get object roles on the bucket and key roles on the KMS key (deployer.ts deployerBindings). */
const gcsState: ReviewRule = (before, after) => {
    const [was, is] = [before as { bucket?: string; kmsKey?: string } | undefined, after as { bucket?: string; kmsKey?: string } | undefined];
    const findings = [];
    if (is?.bucket !== was?.bucket) {
        findings.push(
            is?.bucket === undefined
                ? narrowed(`bucket ${String(was?.bucket)} removed: the deployer's service accounts no longer reach it`)
                : widened(`bucket ${arrow(was?.bucket, is.bucket)}: the deployer's service accounts reach gs://${is.bucket} (planner: read objects; applier: read and write objects)`),
        );
    }
    if (is?.kmsKey !== was?.kmsKey) {
        findings.push(
            is?.kmsKey === undefined
                ? narrowed(`kmsKey ${String(was?.kmsKey)} removed: the deployer's service accounts no longer use it`)
                : widened(`kmsKey ${arrow(was?.kmsKey, is.kmsKey)}: the deployer's service accounts use ${is.kmsKey} (planner: decrypt; applier: encrypt and decrypt)`),
        );
    }
    return findings;
};

/** deployer.gcp. */
const DEPLOYER: ReviewFields = {
    acknowledgeProject: LOOSENING_REASON,
    state: access(gcsState),
    "state.bucket": derived("deployer.gcp.state, whose rule compares the whole location"),
    "state.kmsKey": derived("deployer.gcp.state, whose rule compares the whole location"),
};

export const GCP_REVIEW: TargetReview = { section: SECTION, grant: GRANT, deployer: DEPLOYER };
