/**
 * AWS's testkit for the conformance suite. The oracle reads the trust policy JSON and applies
 * IAM's condition operators on its own (StringEquals exact; StringLike/StringNotLike with `*` any
 * run, `?` one character; every key of a block must hold; a key the request does not carry makes
 * the condition false), with the issuer and the 5 minutes STS allows past exp. The section lists
 * two accounts (aws.accounts); each grant names one of them.
 */
import fc from "fast-check";
import { GrantSpec, Json, TargetTestkit, audiencesOf, wildcard } from "../testkit";

const at = 'gitlab-federation:projects["platform/api"].grants.deploy.aws';

/** Two accounts: the stack's own and one reached through its own provider (aws.accounts). */
const SECTION = {
    audience: "sts.amazonaws.com",
    accounts: { main: { id: "111111111111" }, prod: { id: "222222222222", assumeRole: { roleArn: "arn:aws:iam::222222222222:role/federation-admin" } } },
};

export const AWS_TESTKIT: TargetTestkit = {
    section: SECTION,
    grant: (spec: GrantSpec) => {
        const pattern = [spec.ref].flat().some((r) => r.includes("*"));
        return fc.constantFrom("main", "prod").map((account) => ({ account, ...(pattern && spec.protected ? { acknowledge: { protected: "protected by a wildcard protection rule" } } : {}) }));
    },
    invalid: [
        {
            fields: { account: "prod", managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] },
            problems: [`${at}.managedPolicyArns[0]: "arn:aws:iam::aws:policy/AdministratorAccess" gives administrator-level access to any pipeline that matches this grant: attach a narrower policy, or set aws.allowBroad with a reason`],
        },
        { fields: { account: "main", maxSessionDuration: 100 }, problems: [`${at}.maxSessionDuration: must be between 1h and 12h (IAM MaxSessionDuration), got 100 (1m40s)`] },
        { fields: {}, problems: [`${at}: names no account, and aws.accounts lists 2 (main, prod): set aws.account to one of them`] },
    ],
    oracle(plan: Json, claims: Json, now: number): string[] {
        const host = plan.gitlab.url.replace("https://", "");
        const value = (key: string): string[] => (key === `${host}:aud` ? audiencesOf(claims) : key === `${host}:sub` ? [claims.sub] : []);
        // A role name is unique per account: roles are found by account and name.
        const roles = new Map<string, Json>(plan.aws.roles.map((r: Json) => [`${r.account}/${r.name}`, r]));
        const like = (p: string, v: string) => wildcard(p, ".*", ".").test(v);
        const holds = (block: Json | undefined, match: (p: string, v: string) => boolean, negate: boolean) =>
            Object.entries(block ?? {}).every(([key, expected]) => {
                const hit = value(key).some((v) => [expected].flat().some((p) => match(p as string, v)));
                return negate ? !hit : hit;
            });
        return plan.grants
            .filter((g: Json) => g.aws)
            .filter((g: Json) => {
                const condition = roles.get(`${g.aws.account}/${g.aws.roleName}`)!.assumeRolePolicy.Statement[0].Condition;
                return claims.iss === plan.gitlab.url && now <= claims.exp + 300 && holds(condition.StringEquals, (p, v) => p === v, false) && holds(condition.StringLike, like, false) && holds(condition.StringNotLike, like, true);
            })
            .map((g: Json) => `${g.project}/${g.grant}`);
    },
};
