/**
 * What a GCP attribute condition or mapping (CEL over `assertion`, `attribute`, `google`,
 * docs/reference.md §5.2, §5.3) reads and requires, from its syntax tree (@bufbuild/cel `parse`,
 * bufbuild/cel-es packages/cel; the tree is cel-spec's `cel.expr.Expr`). Nothing is evaluated.
 *
 * The approximation, stated exactly:
 * - A claim is read through `assertion.<name>`, `assertion['<name>']` or `has(assertion.<name>)`,
 *   or through `attribute.<name>` / `google.<name>` whose mapping reads it.
 * - A claim is *bound* by an expression when, whenever the expression is true, the claim equals
 *   one of a set of literal strings: `claim == 'x'` (either side), `claim in ['x', 'y']` (a literal
 *   list of non-empty strings); `a && b` binds what either side binds; `a || b` what both bind;
 *   `c ? a : b` what (c or a) and b bind, a literal `false` branch binding everything (it is
 *   never true). An attribute binds a claim only when its mapping is exactly that claim
 *   (`attribute.project_id` mapped from `assertion.project_id`).
 * - Everything else binds nothing: negation, `!=`, `startsWith`, `matches`, macros such as
 *   `exists`, functions, comparisons with non-literals. So an expression this module calls
 *   unbound may still restrict the claim (it errs towards refusing), and one it calls bound does
 *   require that claim among the literals it lists, which a reader can check.
 */
import type { parse as celParse } from "@bufbuild/cel";

type Expr = ReturnType<typeof celParse>["expr"];

/** @bufbuild/cel, loaded on first use (loading takes a few hundred ms; only GCP providers need it). */
let parser: typeof celParse | undefined;
function parse(expression: string): Expr {
    parser ??= (require("@bufbuild/cel") as typeof import("@bufbuild/cel")).parse;
    return parser(expression).expr;
}

export interface CelFacts {
    /** The claims the expression reads. */
    readonly claims: ReadonlySet<string>;
    /** Whether it reads the token at all (assertion, attribute or google). */
    readonly readsToken: boolean;
    /** The claims it requires to equal literal strings whenever it is true. */
    readonly bound: ReadonlySet<string>;
}

const TOKEN_NAMES = ["assertion", "attribute", "google"];

/** Every direct sub-expression. */
function children(e: Expr): Expr[] {
    const kind = e.exprKind;
    switch (kind.case) {
        case "selectExpr":
            return kind.value.operand === undefined ? [] : [kind.value.operand];
        case "callExpr":
            return [...(kind.value.target === undefined ? [] : [kind.value.target]), ...kind.value.args];
        case "listExpr":
            return kind.value.elements;
        case "structExpr":
            return kind.value.entries.flatMap((entry) => [...(entry.keyKind.case === "mapKey" ? [entry.keyKind.value] : []), ...(entry.value === undefined ? [] : [entry.value])]);
        case "comprehensionExpr": {
            const c = kind.value;
            return [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result].filter((x): x is Expr => x !== undefined);
        }
        default:
            return [];
    }
}

function identName(e: Expr | undefined): string | undefined {
    return e?.exprKind.case === "identExpr" ? e.exprKind.value.name : undefined;
}

function stringLiteral(e: Expr | undefined): string | undefined {
    return e?.exprKind.case === "constExpr" && e.exprKind.value.constantKind.case === "stringValue" ? e.exprKind.value.constantKind.value : undefined;
}

/** `scope.name` or `scope['name']` for scope assertion, attribute or google: [scope, name]; `has(scope.name)` only when `tests`. */
function tokenField(e: Expr, tests = false): [string, string] | undefined {
    const kind = e.exprKind;
    if (kind.case === "selectExpr" && (tests || !kind.value.testOnly)) {
        const scope = identName(kind.value.operand);
        return scope !== undefined && TOKEN_NAMES.includes(scope) ? [scope, kind.value.field] : undefined;
    }
    if (kind.case === "callExpr" && kind.value.function === "_[_]") {
        const scope = identName(kind.value.args[0]);
        const name = stringLiteral(kind.value.args[1]);
        return scope !== undefined && name !== undefined && TOKEN_NAMES.includes(scope) ? [scope, name] : undefined;
    }
    return undefined;
}

/** The one claim an expression is (`assertion.x`, or an attribute mapped from exactly `assertion.x`). */
function claimOf(e: Expr, mapping: Readonly<Record<string, string>>): string | undefined {
    const field = tokenField(e);
    if (field === undefined) {
        return undefined;
    }
    const [scope, name] = field;
    if (scope === "assertion") {
        return name;
    }
    const mapped = mapping[`${scope}.${name}`];
    const inner = mapped === undefined ? undefined : safeParse(mapped);
    return inner === undefined ? undefined : claimOf(inner, {});
}

function safeParse(expression: string): Expr | undefined {
    try {
        return parse(expression);
    } catch {
        return undefined;
    }
}

/** The claims an expression reads (into `claims`), and whether it reads the token at all. */
function reads(e: Expr, mapping: Readonly<Record<string, string>>, claims: Set<string>): boolean {
    const field = tokenField(e, true);
    if (field?.[0] === "assertion") {
        claims.add(field[1]);
    } else if (field !== undefined) {
        const mapped = mapping[`${field[0]}.${field[1]}`];
        const inner = mapped === undefined ? undefined : safeParse(mapped);
        if (inner !== undefined) {
            reads(inner, {}, claims);
        }
    }
    const name = identName(e);
    const token = field !== undefined || (name !== undefined && TOKEN_NAMES.includes(name));
    return children(e).reduce((seen, child) => reads(child, mapping, claims) || seen, token);
}

const ALL = "all" as const;
type Bound = ReadonlySet<string> | typeof ALL;

function both(a: Bound, b: Bound): Bound {
    return a === ALL ? b : b === ALL ? a : new Set([...a].filter((x) => b.has(x)));
}

function either(a: Bound, b: Bound): Bound {
    return a === ALL || b === ALL ? ALL : new Set([...a, ...b]);
}

/** The claims an expression binds to literals (see the module comment); ALL when it is the literal false. */
function bound(e: Expr, mapping: Readonly<Record<string, string>>): Bound {
    const kind = e.exprKind;
    if (kind.case === "constExpr") {
        return kind.value.constantKind.case === "boolValue" && !kind.value.constantKind.value ? ALL : new Set();
    }
    if (kind.case !== "callExpr") {
        return new Set();
    }
    const [a, b, c] = kind.value.args;
    switch (kind.value.function) {
        case "_&&_":
            return either(bound(a!, mapping), bound(b!, mapping));
        case "_||_":
            return both(bound(a!, mapping), bound(b!, mapping));
        case "_?_:_":
            return both(either(bound(a!, mapping), bound(b!, mapping)), bound(c!, mapping));
        case "_==_": {
            const claim = claimOf(a!, mapping) ?? claimOf(b!, mapping);
            const literal = claimOf(a!, mapping) !== undefined ? stringLiteral(b) : stringLiteral(a);
            return claim !== undefined && literal !== undefined && literal !== "" ? new Set([claim]) : new Set();
        }
        case "@in": {
            const claim = claimOf(a!, mapping);
            const list = b?.exprKind.case === "listExpr" ? b.exprKind.value.elements : [];
            const literals = list.every((x) => (stringLiteral(x) ?? "") !== "");
            return claim !== undefined && list.length > 0 && literals ? new Set([claim]) : new Set();
        }
        default:
            return new Set();
    }
}

/** What an expression reads and binds, or the parser's first error line. */
export function celFacts(expression: string, mapping: Readonly<Record<string, string>>): CelFacts | { readonly error: string } {
    let tree: Expr;
    try {
        tree = parse(expression);
    } catch (error) {
        return { error: String((error as Error).message ?? error).split("\n")[0]! };
    }
    const claims = new Set<string>();
    const readsToken = reads(tree, mapping, claims);
    const b = bound(tree, mapping);
    return { claims, readsToken, bound: b === ALL ? new Set(claims) : b };
}
