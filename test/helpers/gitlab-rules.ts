/**
 * A reader of GitLab `rules:if` expressions, written from GitLab's documented syntax (docs
 * ci/jobs/job_rules.md: `$VAR`, `==`/`!=` with a "string" or null, `=~`/`!~` with a /regex/,
 * `&&`, `||`, parentheses; an undefined variable is null; `$VAR` alone is true when it is set
 * and not empty), and of rules themselves (the first rule whose `if` holds decides; `when: never`
 * means the job is not added; no match means not added). For tests: it reads what the generator
 * wrote, so generator and reader are separate readings of the same syntax.
 */
export type Variables = Readonly<Record<string, string | undefined>>;

type Token = { kind: "var"; name: string } | { kind: "str"; value: string } | { kind: "null" } | { kind: "re"; source: string } | { kind: "op"; op: string };

function tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    const pattern = /\s*(?:(\$[A-Za-z_][A-Za-z0-9_]*)|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(null)\b|\/((?:[^/\\]|\\.)*)\/|(==|!=|=~|!~|&&|\|\||\(|\)))/y;
    let at = 0;
    while (at < text.length) {
        if (/^\s*$/.test(text.slice(at))) break;
        pattern.lastIndex = at;
        const m = pattern.exec(text);
        if (m === null) throw new Error(`cannot read rules:if at ${JSON.stringify(text.slice(at))}`);
        at = pattern.lastIndex;
        if (m[1] !== undefined) tokens.push({ kind: "var", name: m[1].slice(1) });
        else if (m[2] !== undefined) tokens.push({ kind: "str", value: m[2].replace(/\\(.)/g, "$1") });
        else if (m[3] !== undefined) tokens.push({ kind: "str", value: m[3].replace(/\\(.)/g, "$1") });
        else if (m[4] !== undefined) tokens.push({ kind: "null" });
        else if (m[5] !== undefined) tokens.push({ kind: "re", source: m[5] });
        else tokens.push({ kind: "op", op: m[6]! });
    }
    return tokens;
}

/** Evaluates one `rules:if` expression. */
export function evaluateIf(text: string, variables: Variables): boolean {
    const tokens = tokenize(text);
    let i = 0;
    const peek = () => tokens[i];
    const value = (t: Token): string | null | { re: RegExp } => {
        if (t.kind === "var") return variables[t.name] ?? null;
        if (t.kind === "str") return t.value;
        if (t.kind === "null") return null;
        if (t.kind === "re") return { re: new RegExp(t.source) };
        throw new Error(`unexpected ${t.op}`);
    };
    const comparison = (): boolean => {
        const t = tokens[i++]!;
        if (t.kind === "op" && t.op === "(") {
            const inner = or();
            i++; // )
            return inner;
        }
        const left = value(t);
        const op = peek();
        if (op?.kind === "op" && ["==", "!=", "=~", "!~"].includes(op.op)) {
            i++;
            const right = value(tokens[i++]!);
            if (op.op === "==" || op.op === "!=") {
                const equal = left === right;
                return op.op === "==" ? equal : !equal;
            }
            const matches = typeof left === "string" && typeof right === "object" && right !== null && right.re.test(left);
            return op.op === "=~" ? matches : !matches;
        }
        return typeof left === "string" && left !== "";
    };
    const and = (): boolean => {
        let result = comparison();
        while (peek()?.kind === "op" && (peek() as { op: string }).op === "&&") {
            i++;
            const next = comparison();
            result = result && next;
        }
        return result;
    };
    const or = (): boolean => {
        let result = and();
        while (peek()?.kind === "op" && (peek() as { op: string }).op === "||") {
            i++;
            const next = and();
            result = result || next;
        }
        return result;
    };
    const result = or();
    if (i !== tokens.length) throw new Error(`cannot read rules:if ${JSON.stringify(text)}`);
    return result;
}

/** Whether rules add the job to a pipeline with these variables. */
export function jobRuns(rules: readonly { if?: string; when?: string }[], variables: Variables): boolean {
    for (const rule of rules) {
        if (rule.if === undefined || evaluateIf(rule.if, variables)) {
            return rule.when !== "never";
        }
    }
    return false;
}
