/**
 * The review classes (core/review.ts) of the Akeyless section, a grant's `akeyless` field and
 * deployer.akeyless, next to schema.ts: what `gitlab-federation diff` reports when one changes.
 */
import { LOOSENING_REASON, ReviewFields, ReviewRule, TargetReview, access, arrow, cosmetic, derived, hazard, hazardous, narrowed, trust, unranked, widened } from "../../src/core/review";
import { akeylessAuthMethodName } from "./names";
import type { AkeylessConfig } from "./schema";

/** The section removed: unprotected, pulumi up deletes the auth method (every job's login) with the roles. */
const sectionRemoved: ReviewRule = (before, after) => {
    const was = before as AkeylessConfig | undefined;
    return after === undefined && was !== undefined && !was.protect ? [hazardous(`removed while akeyless.protect is false: pulumi up deletes the auth method ${akeylessAuthMethodName(was.folder, was.authMethod)}, and every job's login with it`)] : [];
};

/** akeyless.boundIps: none means any address; otherwise compared as lists (a block added admits more). */
const boundIps: ReviewRule = (before, after) => {
    const [was, is] = [before as readonly string[] | undefined, after as readonly string[] | undefined];
    if (is === undefined) {
        return [widened(`removed (was ${was!.join(", ")}): logins from any address`)];
    }
    if (was === undefined) {
        return [narrowed(`${is.join(", ")} set: logins only from these blocks (any address before)`)];
    }
    const added = is.filter((cidr) => !was.includes(cidr));
    const removed = was.filter((cidr) => !is.includes(cidr));
    return [...(added.length > 0 ? [widened(`admits ${added.join(", ")} (was ${was.join(", ")})`)] : []), ...(removed.length > 0 ? [narrowed(`no longer admits ${removed.join(", ")}`)] : [])];
};

/** akeyless.jwtTtl: how long an Akeyless token from a login lives. Longer is wider. */
const jwtTtl: ReviewRule = (before, after) => {
    if (typeof before !== "number" || typeof after !== "number") {
        return []; // a new or removed section: reported as such
    }
    const [was, is] = [before, after];
    const text = `${arrow(before, after)}: Akeyless tokens from CI logins live ${is} minutes`;
    return [is > was ? widened(text) : narrowed(text)];
};

/** A new name is a new object: the auth method replaced (a new access id jobs must be given), or every role moved. */
const renamed = (what: string): ReviewRule => (before, after) => [hazardous(`${arrow(before, after)}: ${what}`)];

const SECTION: ReviewFields = {
    "": hazard(sectionRemoved),
    apiUrl: trust(unranked((after) => `the stack manages its objects at ${String(after)} and CI jobs send their Akeyless ID tokens there`)),
    folder: hazard(renamed("every auth method and role moves to the new folder: pulumi up creates them there and deletes the old ones (the protected auth method refuses); the auth method gets a new access id jobs must be given")),
    authMethod: hazard(renamed("pulumi up creates a new auth method (with a new access id jobs must be given) and deletes the old one (refused while it is protected)")),
    audience: trust(unranked((after) => `the auth method accepts the ID tokens requested for ${String(after)}`)),
    jwtTtl: access(jwtTtl),
    boundIps: trust(boundIps),
    description: cosmetic,
    protect: hazard((before, after) => (before !== false && after === false ? [hazardous(`${arrow(before, after)}: pulumi up may delete the auth method (a removed section, pulumi destroy), which cuts every job's login`)] : [])),
    adopt: trust((before, after) => (after === true && before !== true ? [widened(`${arrow(before, after)}: pulumi up takes over an existing auth method; roles already associated with it keep admitting their pipelines`)] : [])),
};

const GRANT: ReviewFields = {
    read: derived("diff's Akeyless access changes: read path added, removed"),
    adopt: access((before, after) => (after === true && before !== true ? [widened(`${arrow(before, after)}: pulumi up takes over an existing role: its rules are brought to the plan, other associations of the role are reported, not removed`)] : [])),
    allowOutsideProject: derived("diff's Akeyless access changes: a new loosening, with its reason"),
};

const DEPLOYER: ReviewFields = {
    folder: derived("the plan's deployer roles (an administrator's objects): the names the README's commands create"),
    accessId: trust(unranked((after) => `the pipeline's jobs log in to Akeyless as ${String(after)}`)),
    acknowledgeRoles: LOOSENING_REASON,
};

export const AKEYLESS_REVIEW: TargetReview = { section: SECTION, grant: GRANT, deployer: DEPLOYER };
