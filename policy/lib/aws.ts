/**
 * AWS: IAM roles whose trust policy lets a GitLab OIDC provider's tokens assume them
 * (`aws:iam/role:Role` `assumeRolePolicy`, a JSON string or an object; `aws-native:iam:Role`
 * `assumeRolePolicyDocument`, pulumi/pulumi-aws-native `sdk/nodejs/iam/role.ts` @630ac89
 * `RoleArgs`). A trust is GitLab's when its provider is a configured GitLab instance or when a
 * `<host>:sub` value in it starts with `project_path:`, GitLab's sub (docs/reference.md §1.2).
 *
 * IAM facts relied on: for a self-managed GitLab a trust policy can test only `<host>:aud` and
 * `<host>:sub` (docs/reference.md §4.3); `StringLike`'s `*` and `?` cross `/` and `:` (§4.4); a
 * key absent from the request makes a positive operator false and a negated one true (§4.3);
 * condition key names are case-insensitive, values case-sensitive (IAM User Guide, "IAM JSON
 * policy elements: Condition"). Set operators: "Do not use a condition set operator with a
 * single-valued context key", and `ForAllValues` is also true when the request has no such key
 * (IAM User Guide, "Single-valued vs. multivalued context keys", key points and "ForAllValues",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
 * A document that is not JSON is skipped: IAM refuses it anyway (MalformedPolicyDocument).
 */
import { iamLike } from "./glob";
import { issuerHost } from "./gitlab";
import { GITLAB_URLS, ResourceRule, resourcePolicy, typeTokens } from "./policy";
import type { JsonSchema, ResourcePolicy } from "./types";

export const AWS_ROLE_TYPES = typeTokens(["aws:iam/role:Role", "aws-native:iam:Role"]);
const SCOPE = "IAM roles whose trust policy lets a GitLab OIDC provider's tokens assume them";
const OIDC_PROVIDER = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/(.+)$/i;
const POSITIVE = new Set(["stringequals", "stringlike", "stringequalsignorecase"]);
/** The sub of a project that adds components after the ref (docs/reference.md §1.2). */
export const EXTRA_COMPONENTS_FIX = "project_path:*:ref_type:*:ref:*:*";

/** One key of one condition operator: `"<operator>": {"<key>": <values>}`. */
export interface Condition {
    /** As written, e.g. `ForAnyValue:StringLikeIfExists`. */
    readonly operator: string;
    /** Lower-cased, without set qualifier and `IfExists`: `stringlike`. */
    readonly test: string;
    /** The operator as written without set qualifier and `IfExists`: `StringLike`. */
    readonly base: string;
    readonly qualifier: "forallvalues" | "foranyvalue" | undefined;
    readonly ifExists: boolean;
    readonly key: string;
    readonly values: readonly string[];
}

/** A statement that lets a GitLab OIDC provider's tokens assume the role. */
export interface GitlabTrust {
    /** Where, for messages: `assumeRolePolicy Statement[0]`. */
    readonly where: string;
    readonly provider: string;
    /** The provider URL without scheme, lower-cased: the prefix of its condition keys. */
    readonly host: string;
    readonly conditions: readonly Condition[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An element of a policy document by name, case-insensitively (aws-native's own examples write `statement`, `effect`). */
function element(object: unknown, name: string): unknown {
    if (!isObject(object)) {
        return undefined;
    }
    const key = Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? undefined : object[key];
}

function strings(value: unknown): string[] {
    return [value].flat().filter((v): v is string => typeof v === "string");
}

function conditions(statement: unknown): Condition[] {
    const block = element(statement, "Condition");
    if (!isObject(block)) {
        return [];
    }
    return Object.entries(block).flatMap(([operator, keys]) => {
        const m = /^(ForAllValues:|ForAnyValue:)?(.*?)(IfExists)?$/i.exec(operator)!;
        const qualifier = m[1]?.slice(0, -1).toLowerCase() as Condition["qualifier"];
        const common = { operator, test: m[2]!.toLowerCase(), base: m[2]!, qualifier, ifExists: m[3] !== undefined };
        return isObject(keys) ? Object.entries(keys).map(([key, values]) => ({ ...common, key, values: strings(values) })) : [];
    });
}

/** Whether a statement allows sts:AssumeRoleWithWebIdentity (Action patterns match it, or NotAction does not). */
function allowsWebIdentity(statement: unknown): boolean {
    const matches = (patterns: unknown) => strings(patterns).some((p) => iamLike(p, "sts:AssumeRoleWithWebIdentity", true));
    const notAction = element(statement, "NotAction");
    return String(element(statement, "Effect")).toLowerCase() === "allow" && (notAction !== undefined ? !matches(notAction) : matches(element(statement, "Action")));
}

/** The trust document of a role: parsed from JSON text, or as given. */
function trustDocument(props: Json): { property: string; document: unknown } {
    const property = props.assumeRolePolicy !== undefined ? "assumeRolePolicy" : "assumeRolePolicyDocument";
    const raw = props[property];
    if (typeof raw !== "string") {
        return { property, document: raw };
    }
    try {
        return { property, document: JSON.parse(raw) };
    } catch {
        return { property, document: undefined };
    }
}

/** The statements of a role's trust policy that GitLab tokens can use. */
export function gitlabTrusts(props: Json, gitlabUrls: readonly string[]): GitlabTrust[] {
    const { property, document } = trustDocument(props);
    const listed = element(document, "Statement");
    const statements = Array.isArray(listed) ? listed.map((s, i) => ({ s, at: `Statement[${i}]` })) : listed === undefined ? [] : [{ s: listed, at: "Statement" }];
    const hosts = gitlabUrls.map(issuerHost);
    return statements.flatMap(({ s, at }) => {
        if (!allowsWebIdentity(s)) {
            return [];
        }
        const found = conditions(s);
        return strings(element(element(s, "Principal"), "Federated")).flatMap((provider) => {
            const host = OIDC_PROVIDER.exec(provider)?.[1]?.toLowerCase();
            const gitlab = host !== undefined && (hosts.includes(host) || found.some((c) => c.key.toLowerCase() === `${host}:sub` && c.values.some((v) => v.startsWith("project_path:"))));
            return gitlab ? [{ where: `${property} ${at}`, provider, host, conditions: found }] : [];
        });
    });
}

/** The conditions of a trust on `<host>:<claim>`. */
function on(trust: GitlabTrust, claim: "aud" | "sub"): Condition[] {
    return trust.conditions.filter((c) => c.key.toLowerCase() === `${trust.host}:${claim}`);
}

/** A condition AWS always evaluates and that holds only for the values it lists. */
function binds(c: Condition): boolean {
    return c.qualifier === undefined && !c.ifExists && POSITIVE.has(c.test) && c.values.some((v) => v !== "");
}

/** The role's tags: a map (aws) or a list of {key, value} (aws-native). */
function tags(props: Json): Record<string, string> {
    const raw = props.tags;
    if (Array.isArray(raw)) {
        return Object.fromEntries(raw.filter(isObject).map((t) => [String(t.key), String(t.value)]));
    }
    return isObject(raw) ? Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)])) : {};
}

const anyone = (host: string) => (host === "gitlab.com" ? " (on gitlab.com: anyone's)" : "");

interface UrlsConfig {
    readonly gitlabUrls: readonly string[];
}

/** A rule over the GitLab trusts of a role. */
function trustRule<C extends UrlsConfig>(rule: Omit<ResourceRule<C>, "types" | "scope" | "check">, check: (trust: GitlabTrust, config: C, props: Json) => string[]): ResourcePolicy {
    return resourcePolicy<C>({
        ...rule,
        types: AWS_ROLE_TYPES,
        scope: SCOPE,
        check(props, config) {
            const trusts = gitlabTrusts(props, config.gitlabUrls);
            return trusts.length === 0 ? undefined : trusts.flatMap((t) => check(t, config, props));
        },
    });
}

const audience = trustRule<UrlsConfig>(
    {
        name: "aws-gitlab-trust-audience",
        description: "An IAM role trusting a GitLab OIDC provider conditions the token's audience (<host>:aud) exactly.",
        enforcementLevel: "mandatory",
        config: { gitlabUrls: GITLAB_URLS },
    },
    (t) =>
        on(t, "aud").some(binds)
            ? []
            : [
                  `${t.where} trusts ${t.provider} without a StringEquals condition on ${t.host}:aud: the role accepts a token GitLab issued for any audience the OIDC provider lists as a client ID, not only the one meant for this role; add "StringEquals": {"${t.host}:aud": "<the aud your jobs request in id_tokens, e.g. sts.amazonaws.com>"}`,
              ],
);

const subject = trustRule<UrlsConfig>(
    {
        name: "aws-gitlab-trust-subject",
        description: "An IAM role trusting a GitLab OIDC provider conditions the token's subject (<host>:sub), which names the project and ref.",
        enforcementLevel: "mandatory",
        config: { gitlabUrls: GITLAB_URLS },
    },
    (t) =>
        on(t, "sub").some(binds)
            ? []
            : [
                  `${t.where} trusts ${t.provider} without a StringEquals or StringLike condition on ${t.host}:sub: every project on ${t.host}${anyone(t.host)} can assume the role; add "StringEquals": {"${t.host}:sub": "project_path:<group>/<project>:ref_type:branch:ref:<branch>"}`,
              ],
);

/** How far a sub pattern reaches beyond one project: every project, a path prefix, or (undefined) one project. */
export function subjectReach(pattern: string): { readonly kind: "instance" } | { readonly kind: "prefix"; readonly prefix: string } | undefined {
    const wildcard = pattern.search(/[*?]/);
    if (wildcard < 0) {
        return undefined;
    }
    const before = pattern.slice(0, wildcard);
    if (!before.startsWith("project_path:")) {
        return { kind: "instance" };
    }
    const path = before.slice("project_path:".length);
    if (path.includes(":")) {
        return undefined;
    }
    return path.includes("/") ? { kind: "prefix", prefix: path } : { kind: "instance" };
}

const ALLOW_GROUP_TAG: JsonSchema = {
    type: "string",
    minLength: 1,
    description: "The role tag whose non-empty value gives the reason a sub pattern may match every project under a path prefix (a group)",
    default: "gitlab-federation:allow-group-sub",
};

const anyProject = trustRule<UrlsConfig & { readonly allowGroupTag: string }>(
    {
        name: "aws-gitlab-trust-any-project",
        description: "A GitLab trust's sub pattern names one project: never every project of the instance, and a group only with a reason tag.",
        enforcementLevel: "mandatory",
        config: { gitlabUrls: GITLAB_URLS, allowGroupTag: ALLOW_GROUP_TAG },
    },
    (t, config, props) => {
        const reason = tags(props)[config.allowGroupTag] ?? "";
        return on(t, "sub")
            .filter((c) => c.test === "stringlike")
            .flatMap((c) =>
                c.values.flatMap((v) => {
                    const reach = subjectReach(v);
                    if (reach?.kind === "instance") {
                        return [`${t.where} ${c.operator} ${c.key} ${JSON.stringify(v)} matches the sub of every project on ${t.host}${anyone(t.host)}, which no reason tag allows: name one project, e.g. "project_path:<group>/<project>:ref_type:branch:ref:main"`];
                    }
                    if (reach?.kind === "prefix" && reason.trim() === "") {
                        return [
                            `${t.where} ${c.operator} ${c.key} ${JSON.stringify(v)} matches every project whose path starts with ${JSON.stringify(reach.prefix)} ("*" crosses "/": subgroups, and projects created or moved there later, too), and the role has no tag ${config.allowGroupTag} giving the reason: name one project, or tag the role ${config.allowGroupTag}=<reason>`,
                        ];
                    }
                    return [];
                }),
            );
    },
);

const audienceWildcard = trustRule<UrlsConfig>(
    {
        name: "aws-gitlab-trust-audience-pattern",
        description: "A GitLab trust compares the audience exactly (StringEquals), never with a pattern.",
        enforcementLevel: "mandatory",
        config: { gitlabUrls: GITLAB_URLS },
    },
    (t) =>
        on(t, "aud")
            .filter((c) => c.test.includes("like") && !c.test.includes("not"))
            .map(
                (c) =>
                    `${t.where} ${c.operator} ${c.key} ${JSON.stringify(c.values.length === 1 ? c.values[0] : c.values)} compares the audience with a pattern ("*" and "?" match any audience they cover): an audience is one exact string; write "StringEquals": {"${t.host}:aud": "<audience>"}`,
            ),
);

/** A sub the pattern matches that has a component after the ref, when its ref part has a `*`; otherwise undefined. */
export function extraComponentWitness(pattern: string): string | undefined {
    const marker = /:ref_type:[^:]*:ref:/.exec(pattern);
    if (marker === null) {
        return undefined;
    }
    const start = marker.index + marker[0].length;
    const last = pattern.lastIndexOf("*");
    if (last < start) {
        return undefined;
    }
    const concrete = (text: string) => text.replace(/[*?]/g, "x");
    return `${concrete(pattern.slice(0, last))}x:x${concrete(pattern.slice(last + 1))}`;
}

const extraComponents = trustRule<UrlsConfig>(
    {
        name: "aws-gitlab-trust-extra-sub-components",
        description: "A GitLab trust whose sub pattern has a \"*\" in the ref also refuses subs with components after the ref (StringNotLike).",
        enforcementLevel: "mandatory",
        config: { gitlabUrls: GITLAB_URLS },
    },
    (t) => {
        const refusals = on(t, "sub").filter((c) => c.test === "stringnotlike" && c.qualifier === undefined && !c.ifExists);
        return on(t, "sub")
            .filter((c) => c.test === "stringlike")
            .flatMap((c) =>
                c.values.flatMap((v) => {
                    const witness = extraComponentWitness(v);
                    if (witness === undefined || refusals.some((r) => r.values.some((n) => iamLike(n, witness)))) {
                        return [];
                    }
                    return [
                        `${t.where} ${c.operator} ${c.key} ${JSON.stringify(v)} has a "*" in the ref, and no StringNotLike on ${c.key} refuses a sub with components after the ref: if the project customises its sub claim (ci_id_token_sub_claim_components), the pattern matches tokens such as ${JSON.stringify(witness)}; add "StringNotLike": {"${t.host}:sub": "${EXTRA_COMPONENTS_FIX}"}`,
                    ];
                }),
            );
    },
);

function setOperatorProblem(t: GitlabTrust, c: Condition, claim: "aud" | "sub"): string | undefined {
    const one = claim === "sub" ? "a token's one sub" : "the one aud of a token for AWS (an array aud is undocumented for AWS)";
    const fix = `write "${c.base}"`;
    if (c.qualifier === "forallvalues") {
        return `${t.where} ${c.operator} ${c.key}: ForAllValues is also true when the token has no ${claim} value at all, and ${c.key} holds ${one}; ${fix}`;
    }
    if (c.qualifier === "foranyvalue") {
        return `${t.where} ${c.operator} ${c.key}: ${c.key} holds ${one}, and AWS warns that set operators on single-valued keys can make a policy overly permissive; ${fix}`;
    }
    return c.ifExists ? `${t.where} ${c.operator} ${c.key}: IfExists makes the condition true when the key is absent; ${fix}` : undefined;
}

const setOperators = trustRule<UrlsConfig>(
    {
        name: "aws-gitlab-trust-set-operators",
        description: "A GitLab trust tests aud and sub with plain operators: no ForAnyValue, ForAllValues or IfExists.",
        enforcementLevel: "mandatory",
        config: { gitlabUrls: GITLAB_URLS },
    },
    (t) => (["aud", "sub"] as const).flatMap((claim) => on(t, claim).flatMap((c) => setOperatorProblem(t, c, claim) ?? [])),
);

const PROJECT_ID_TAG: JsonSchema = {
    type: "string",
    minLength: 1,
    description: "The role tag that records the numeric id of the GitLab project its sub names by path",
    default: "gitlab-project-id",
};

const pathBinding = trustRule<UrlsConfig & { readonly projectIdTag: string }>(
    {
        name: "aws-gitlab-trust-path-binding",
        description: "AWS binds GitLab projects by path only; a role records the project's id in a tag to acknowledge it.",
        enforcementLevel: "advisory",
        config: { gitlabUrls: GITLAB_URLS, projectIdTag: PROJECT_ID_TAG },
    },
    (t, config, props) => {
        const bound = on(t, "sub").some((c) => binds(c) && c.values.some((v) => v.startsWith("project_path:")));
        if (!bound || /^\d+$/.test(tags(props)[config.projectIdTag] ?? "")) {
            return [];
        }
        return [
            `${t.where} binds GitLab projects by path (${t.host}:sub holds project_path; AWS sees no project id): after a rename or transfer the role stops matching, and a project created at the old path matches it; record the project's numeric id in tag ${config.projectIdTag} (e.g. ${config.projectIdTag}=42) to acknowledge this and let audits compare path and id`,
        ];
    },
);

export const AWS_POLICIES: readonly ResourcePolicy[] = [audience, subject, anyProject, audienceWildcard, extraComponents, setOperators, pathBinding];
