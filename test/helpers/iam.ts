/**
 * An IAM policy evaluator for tests, written from AWS's documentation, not from the product
 * (IAM User Guide; quoted from awsdocs/iam-user-guide doc_source/, last version before the
 * repository was archived, 2023; the live pages have the same names):
 * - reference_policies_evaluation-logic.md: every request starts implicitly denied; "an explicit
 *   deny in any of these policies overrides the allow"; within one account, "If an action is
 *   allowed by an identity-based policy, a resource-based policy, or both, then AWS allows the
 *   action".
 * - reference_policies_elements_action.md: "The prefix and the action name are case
 *   insensitive"; `*` (and `?`) wildcards.
 * - reference_policies_elements_resource.md: `*` and `?` "within ARN segments (the parts
 *   separated by colons)"; a `*` may expand over "/".
 * - reference_policies_elements_condition.md: "Condition key names are not case-sensitive".
 * - reference_policies_elements_condition_operators.md: String and ARN operators ("ArnEquals and
 *   ArnLike ... behave identically": each of the six ARN components matched separately, with
 *   wildcards); "If the key that you specify in a policy condition is not present in the request
 *   context, the values do not match and the condition is false. If the policy condition requires
 *   that the key is not matched, such as StringNotLike or ArnNotLike, and the right key is not
 *   present, the condition is true"; ...IfExists: "If the key is not present, evaluate the
 *   condition element as true".
 * - reference_policies_multi-value-conditions.md: operators AND, keys AND, values OR; the values
 *   of a negated operator NOR.
 * - reference_policies_condition-keys.md aws:PrincipalArn: "For IAM roles, the request context
 *   returns the ARN of the role, not the ARN of the user that assumed the role"; a role's ARN
 *   carries its path (reference_identifiers.md: `role/role-name-with-path`), a session's does not
 *   (`arn:aws:sts::account:assumed-role/role-name/role-session-name`).
 * - reference_policies_elements_principal.md: a role ARN as principal covers the role's sessions
 *   ("IAM role principals"); "*" is every principal. reference_policies_elements_notprincipal.md:
 *   for an assumed role "AWS might validate the account first, then the role, and then the
 *   assumed-role user", so a NotPrincipal exempts a session only if it lists all three (modelled so).
 * Not modelled, and refused with an error rather than guessed: NotAction, NotResource, set
 * operators, other operator families, multi-valued keys without a set operator, policy variables,
 * account principals, boundaries, SCPs, session policies, cross-account requests.
 */

export type Values = string | readonly string[];

export interface Statement {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Action: Values;
    readonly Resource: Values;
    readonly Principal?: "*" | { readonly AWS: Values };
    readonly NotPrincipal?: { readonly AWS: Values };
    readonly Condition?: Readonly<Record<string, Readonly<Record<string, Values>>>>;
}

export interface Policy {
    readonly Version: "2012-10-17";
    readonly Statement: readonly Statement[];
}

/** Who makes a request: an IAM role's session (or an IAM user, without session). */
export interface Caller {
    readonly account: string;
    /** The role's ARN with its path (or the user's ARN): aws:PrincipalArn. */
    readonly arn: string;
    /** The assumed-role session ARN, the principal of the request. */
    readonly session?: string;
}

export interface Request {
    readonly caller: Caller;
    readonly action: string;
    readonly resource: string;
    /** The keys IAM supplies for this action; aws:PrincipalArn and aws:PrincipalAccount come from the caller. */
    readonly context?: Readonly<Record<string, Values>>;
}

export type Decision = "allow" | "explicit deny" | "implicit deny";

/** A session of a role, as AssumeRoleWithWebIdentity makes one. */
export function roleSession(roleArn: string, sessionName: string): Caller {
    const [, partition, , , account, resource] = splitArn(roleArn) ?? [];
    if (account === undefined || !resource!.startsWith("role/")) {
        throw new Error(`not a role ARN: ${roleArn}`);
    }
    const name = resource!.slice(resource!.lastIndexOf("/") + 1);
    return { account, arn: roleArn, session: `arn:${partition}:sts::${account}:assumed-role/${name}/${sessionName}` };
}

/** The decision for a request in one account, from the caller's identity policies and the resource's policies. */
export function decide(request: Request, policies: { readonly identity?: readonly Policy[]; readonly resource?: readonly Policy[] }): Decision {
    const context = contextOf(request);
    const applying = [
        ...(policies.identity ?? []).flatMap((p) => p.Statement.filter((s) => applies(s, request, context, false))),
        ...(policies.resource ?? []).flatMap((p) => p.Statement.filter((s) => applies(s, request, context, true))),
    ];
    if (applying.some((s) => s.Effect === "Deny")) {
        return "explicit deny";
    }
    return applying.some((s) => s.Effect === "Allow") ? "allow" : "implicit deny";
}

function contextOf(request: Request): Map<string, Values> {
    const entries: [string, Values][] = [...Object.entries(request.context ?? {}), ["aws:PrincipalArn", request.caller.arn], ["aws:PrincipalAccount", request.caller.account]];
    return new Map(entries.map(([key, value]) => [key.toLowerCase(), value]));
}

function applies(statement: Statement, request: Request, context: Map<string, Values>, resourcePolicy: boolean): boolean {
    const known = ["Sid", "Effect", "Action", "Resource", "Condition", ...(resourcePolicy ? ["Principal", "NotPrincipal"] : [])];
    const unknown = Object.keys(statement).filter((key) => !known.includes(key));
    if (unknown.length > 0) {
        throw new Error(`not modelled: ${unknown.join(", ")} in a${resourcePolicy ? " resource" : "n identity"} policy`);
    }
    return (
        list(statement.Action).some((pattern) => wildcard(pattern, request.action, "i")) &&
        list(statement.Resource).some((pattern) => pattern === "*" || arnMatches(pattern, request.resource)) &&
        (!resourcePolicy || principalMatches(statement, request.caller)) &&
        Object.entries(statement.Condition ?? {}).every(([operator, keys]) => conditionHolds(operator, keys, context))
    );
}

function principalMatches(statement: Statement, caller: Caller): boolean {
    const identities = [caller.arn, ...(caller.session !== undefined ? [caller.session] : [])];
    if (statement.Principal !== undefined) {
        const listed = statement.Principal === "*" ? ["*"] : list(statement.Principal.AWS);
        if (listed.some((p) => p !== "*" && !p.includes(":role/") && !p.includes(":user/") && !p.includes(":assumed-role/"))) {
            throw new Error(`not modelled: account principal in ${JSON.stringify(listed)}`);
        }
        return listed.some((p) => p === "*" || identities.includes(p));
    }
    if (statement.NotPrincipal !== undefined) {
        const listed = list(statement.NotPrincipal.AWS);
        return ![`arn:${splitArn(caller.arn)![1]}:iam::${caller.account}:root`, ...identities].every((identity) => listed.includes(identity));
    }
    throw new Error("a resource policy statement needs Principal or NotPrincipal");
}

interface Operator {
    readonly negated: boolean;
    readonly matches: (pattern: string, value: string) => boolean;
}

const equals = (pattern: string, value: string) => pattern === value;
const like = (pattern: string, value: string) => wildcard(pattern, value, "");

const OPERATORS: Readonly<Record<string, Operator>> = {
    StringEquals: { negated: false, matches: equals },
    StringNotEquals: { negated: true, matches: equals },
    StringLike: { negated: false, matches: like },
    StringNotLike: { negated: true, matches: like },
    ArnEquals: { negated: false, matches: arnMatches },
    ArnLike: { negated: false, matches: arnMatches },
    ArnNotEquals: { negated: true, matches: arnMatches },
    ArnNotLike: { negated: true, matches: arnMatches },
};

/** One condition operator with its keys: every key must hold. */
function conditionHolds(operator: string, keys: Readonly<Record<string, Values>>, context: ReadonlyMap<string, Values>): boolean {
    const ifExists = operator.endsWith("IfExists");
    const op = OPERATORS[ifExists ? operator.slice(0, -"IfExists".length) : operator];
    if (op === undefined) {
        throw new Error(`not modelled: condition operator ${operator}`);
    }
    return Object.entries(keys).every(([key, patterns]) => {
        const value = context.get(key.toLowerCase());
        if (value === undefined) {
            return ifExists || op.negated;
        }
        if (typeof value !== "string") {
            throw new Error(`not modelled: ${operator} on the multi-valued key ${key}`);
        }
        const any = list(patterns).some((pattern) => op.matches(pattern, value));
        return op.negated ? !any : any;
    });
}

/** `*` any run of characters, `?` one; flags "i" for case-insensitive. */
function wildcard(pattern: string, value: string, flags: string): boolean {
    const regex = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    return new RegExp(`^${regex}$`, flags).test(value);
}

/** ARN matching: each of the six colon-separated components separately, case-sensitive, with wildcards. */
function arnMatches(pattern: string, value: string): boolean {
    const p = splitArn(pattern);
    const v = splitArn(value);
    return p !== undefined && v !== undefined && p.every((segment, i) => wildcard(segment, v[i]!, ""));
}

function splitArn(arn: string): string[] | undefined {
    const parts = arn.split(":");
    return parts.length >= 6 && parts[0] === "arn" ? [...parts.slice(0, 5), parts.slice(5).join(":")] : undefined;
}

function list(values: Values): readonly string[] {
    return typeof values === "string" ? [values] : values;
}
