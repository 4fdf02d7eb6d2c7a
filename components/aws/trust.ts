/**
 * AWS trust: a grant's role trust policy, its guardrail, and what AWS can check of a grant.
 * Facts relied on (docs/reference.md §4, §7.2, §7.3, §7.11, §7.23, §7.24):
 * - For a self-managed GitLab, a role's trust policy can check only `<host>:aud` and `<host>:sub`.
 * - GitLab's default sub is `project_path:<path>:ref_type:<branch|tag>:ref:<ref>`.
 * - StringLike's "*" crosses "/" and ":" and "?" is a wildcard; refs here contain neither ":" nor "?",
 *   and the project path is always literal, so a pattern can only widen the ref part.
 * - The trust policy quota is 2,048 characters by default (whitespace ignored), 4,096 at most.
 */
import { defaultSubject } from "../../src/core/claims";
import { subjectEnforcement } from "../../src/core/model";
import { isPattern } from "../../src/core/rules";
import { conditionPrefix } from "./names";
import type { TrustPolicyDocument } from "./plan-schema";

/** GitLab's default sub claim for a project path, ref type and ref. */
export const subject = defaultSubject;

/**
 * The trust policy of a grant's role. aud is always an exact StringEquals; sub is StringEquals
 * when every ref is exact and StringLike when any ref is a pattern (conditions under different
 * operators are ANDed, so the subjects cannot be split across them).
 */
export function trustPolicy(providerArn: string, gitlabUrl: string, audience: string, projectPath: string, refType: string, refs: readonly string[]): TrustPolicyDocument {
    const prefix = conditionPrefix(gitlabUrl);
    const subjects = refs.map((ref) => subject(projectPath, refType, ref));
    const sub = subjects.length === 1 ? subjects[0]! : subjects;
    const aud = { [`${prefix}:aud`]: audience };
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: refs.some(isPattern)
                    ? { StringEquals: aud, StringLike: { [`${prefix}:sub`]: sub }, StringNotLike: { [`${prefix}:sub`]: EXTRA_SUB_COMPONENTS } }
                    : { StringEquals: { ...aud, [`${prefix}:sub`]: sub } },
            },
        ],
    };
}

/**
 * A sub with more components than GitLab's default three (a project that customised
 * ci_id_token_sub_claim_components, e.g. `...:ref:main:ref_protected:false`). StringLike's "*"
 * crosses ":", so a pattern such as `ref:*production` would also match such a sub's extra
 * components; this StringNotLike refuses any sub with a ":" after the ref (refs cannot hold one).
 */
export const EXTRA_SUB_COMPONENTS = "project_path:*:ref_type:*:ref:*:*";

/** The trust policy with the provider ARN the program actually has (an output at deploy time). */
export function withFederatedPrincipal(document: TrustPolicyDocument, providerArn: string): TrustPolicyDocument {
    const [statement] = document.Statement;
    return { ...document, Statement: [{ ...statement!, Principal: { Federated: providerArn } }] };
}

/** Length as IAM counts it against the quota: the JSON without whitespace. */
export function policyLength(document: unknown): number {
    return JSON.stringify(document).replace(/\s/g, "").length;
}

/**
 * Guardrail on every trust policy the plan emits: an aud condition, a sub condition, and every
 * sub inside the grant's own project (literal project path, wildcards only in the ref part).
 * Throws on violation: that would be a bug in this module, never a user error.
 */
export function assertTrustPolicy(document: TrustPolicyDocument, gitlabUrl: string, audience: string, projectPath: string): void {
    const prefix = conditionPrefix(gitlabUrl);
    const statement = document.Statement[0]!;
    const fail = (why: string) => {
        throw new Error(`internal error: trust policy for ${projectPath} ${why}: ${JSON.stringify(document)}`);
    };
    if (document.Statement.length !== 1 || statement.Effect !== "Allow" || statement.Action !== "sts:AssumeRoleWithWebIdentity") {
        fail("must be one Allow statement for sts:AssumeRoleWithWebIdentity");
    }
    if (statement.Condition.StringEquals[`${prefix}:aud`] !== audience) {
        fail("has no exact aud condition");
    }
    const equals = statement.Condition.StringEquals[`${prefix}:sub`];
    const like = statement.Condition.StringLike?.[`${prefix}:sub`];
    if ((equals === undefined) === (like === undefined)) {
        fail("must have exactly one sub condition");
    }
    if (like !== undefined && statement.Condition.StringNotLike?.[`${prefix}:sub`] !== EXTRA_SUB_COMPONENTS) {
        fail("has a StringLike sub without the StringNotLike that refuses extra sub components");
    }
    const subs = [equals ?? like].flat() as string[];
    const own = `project_path:${projectPath}:ref_type:`;
    for (const sub of subs) {
        const ref = sub.slice(sub.indexOf(":ref:") + 5);
        if (!sub.startsWith(own) || !/^(branch|tag):ref:/.test(sub.slice(own.length)) || sub.includes("?") || ref.includes(":") || sub.slice(0, sub.length - ref.length).includes("*")) {
            fail(`has a sub outside its project: ${sub}`);
        }
    }
    for (const key of [...Object.keys(statement.Condition.StringEquals), ...Object.keys(statement.Condition.StringLike ?? {}), ...Object.keys(statement.Condition.StringNotLike ?? {})]) {
        if (key !== `${prefix}:aud` && key !== `${prefix}:sub`) {
            fail(`has an unexpected condition key ${key}`);
        }
    }
}

/** AWS checks sub (project path, ref type, ref) and aud; nothing else of a self-managed GitLab's token. */
export const awsEnforcement = subjectEnforcement;
