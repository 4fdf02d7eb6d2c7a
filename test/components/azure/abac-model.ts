/**
 * A small, independent evaluator of the Azure ABAC condition language, for the subset the
 * deployer's conditions use, and of Azure RBAC's decision for a principal's role assignments.
 * Written from "Azure role assignment condition format and syntax"
 * (https://learn.microsoft.com/azure/role-based-access-control/conditions-format) and the
 * examples of "Examples to delegate Azure role assignment management with conditions", not from
 * components/azure/deployer.ts:
 * - an expression is `!`, `AND`, `OR` (NOT binds tightest, then AND, then OR) over parenthesised
 *   expressions, `ActionMatches{'<action>'}` (true when the request's action matches; `*` is a
 *   wildcard) and `@Request[<attribute>]` / `@Resource[<attribute>]` compared with
 *   `ForAnyOfAnyValues:GuidEquals {<guid>, ...}` or `ForAnyOfAnyValues:StringEqualsIgnoreCase
 *   {'<string>', ...}`: true when any value of the attribute equals any listed value (GUIDs and
 *   the IgnoreCase strings compare case-insensitively); an attribute the request or resource does
 *   not carry has no value, so the comparison is false;
 * - a principal may perform an action at a scope when one of its role assignments at that scope
 *   or above holds a role whose actions include it, and that assignment has no condition or a
 *   condition that is true for the request.
 */

export interface AbacRequest {
    readonly action: string;
    /** Attributes of the request (a role assignment write): RoleDefinitionId as a GUID, PrincipalType. */
    readonly request?: Readonly<Record<string, readonly string[]>>;
    /** Attributes of the existing resource (a role assignment being deleted). */
    readonly resource?: Readonly<Record<string, readonly string[]>>;
}

type Token = { readonly kind: "set" | "symbol" | "attribute" | "word"; readonly text: string };

function tokenize(condition: string): Token[] {
    const tokens: Token[] = [];
    const pattern = /\s*(?:(\{[^}]*\})|([()!])|(@(?:Request|Resource)\[[^\]]+\])|([A-Za-z][A-Za-z:]*))\s*/y;
    let index = condition.length - condition.trimStart().length;
    while (index < condition.length) {
        pattern.lastIndex = index;
        const match = pattern.exec(condition);
        if (match === null) {
            throw new Error(`cannot read the condition at ${JSON.stringify(condition.slice(index, index + 30))}`);
        }
        const [, set, symbol, attribute, word] = match;
        tokens.push(set !== undefined ? { kind: "set", text: set } : symbol !== undefined ? { kind: "symbol", text: symbol } : attribute !== undefined ? { kind: "attribute", text: attribute } : { kind: "word", text: word! });
        index = pattern.lastIndex;
    }
    return tokens;
}

/** The values of `{a, b}` or `{'a', 'b'}`. */
function setValues(set: string): string[] {
    return set
        .slice(1, -1)
        .split(",")
        .map((v) => v.trim().replace(/^'(.*)'$/, "$1"))
        .filter((v) => v !== "");
}

function actionMatches(pattern: string, action: string): boolean {
    const regex = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
    return new RegExp(`^${regex}$`, "i").test(action);
}

/** Evaluates a condition for a request. */
export function evaluateCondition(condition: string, request: AbacRequest): boolean {
    const tokens = tokenize(condition);
    let at = 0;
    const peek = () => tokens[at];
    const take = (text?: string) => {
        const token = tokens[at++];
        if (token === undefined || (text !== undefined && token.text !== text)) {
            throw new Error(`expected ${text ?? "a token"} at token ${at - 1}, got ${JSON.stringify(token)}`);
        }
        return token;
    };
    const or = (): boolean => {
        let value = and();
        while (peek()?.text === "OR") {
            take();
            value = and() || value;
        }
        return value;
    };
    const and = (): boolean => {
        let value = not();
        while (peek()?.text === "AND") {
            take();
            value = not() && value;
        }
        return value;
    };
    const not = (): boolean => {
        if (peek()?.text === "!") {
            take();
            return !not();
        }
        if (peek()?.text === "(") {
            take("(");
            const value = or();
            take(")");
            return value;
        }
        return atom();
    };
    const atom = (): boolean => {
        const head = take();
        if (head.text === "ActionMatches") {
            return setValues(take().text).some((pattern) => actionMatches(pattern, request.action));
        }
        const attribute = /^@(Request|Resource)\[(.+)\]$/.exec(head.text);
        if (attribute === null) {
            throw new Error(`unexpected ${head.text}`);
        }
        const operator = take().text;
        const listed = setValues(take().text).map((v) => v.toLowerCase());
        const values = ((attribute[1] === "Request" ? request.request : request.resource)?.[attribute[2]!] ?? []).map((v) => v.toLowerCase());
        if (operator !== "ForAnyOfAnyValues:GuidEquals" && operator !== "ForAnyOfAnyValues:StringEqualsIgnoreCase") {
            throw new Error(`operator ${operator} is outside the subset`);
        }
        return values.some((v) => listed.includes(v));
    };
    const value = or();
    if (at !== tokens.length) {
        throw new Error(`unread tokens after ${at}: ${JSON.stringify(tokens.slice(at))}`);
    }
    return value;
}

/** A role assignment of the principal: the role's actions, where, and its condition. */
export interface ModelAssignment {
    readonly actions: readonly string[];
    readonly scope: string;
    readonly condition?: string;
}

/** Whether the principal may perform `request.action` at `scope`. */
export function rbacAllows(assignments: readonly ModelAssignment[], scope: string, request: AbacRequest): boolean {
    const within = (outer: string) => scope.toLowerCase() === outer.toLowerCase() || scope.toLowerCase().startsWith(`${outer.toLowerCase()}/`);
    return assignments.some((a) => within(a.scope) && a.actions.some((p) => actionMatches(p, request.action)) && (a.condition === undefined || evaluateCondition(a.condition, request)));
}
