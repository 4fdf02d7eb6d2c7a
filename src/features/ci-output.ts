/**
 * Everything a map or a contract puts into generated CI (`gitlab-federation ci` and `pipeline`)
 * passes through this module, so nothing of theirs can become YAML of its own:
 * - values only through a YAML emitter (js-yaml `dump`, which quotes and escapes what YAML
 *   would read otherwise, line breaks of YAML 1.1 included: \N, \L, \P);
 * - comments only through `comment`, which makes any text one comment line;
 * - every string of a contract (contractStringRules: the shared fields here, each target's from its
 *   contract capability; a test walks the contract's schema against it) checked before anything is
 *   generated, by the rule the map uses for the same value, or emitted as a comment only. The
 *   rules keep "$" out of every value GitLab expands (id_tokens aud, variables:, rules if:,
 *   environment:), so only this program's own literals carry one ($CI_COMMIT_REF_NAME, ...).
 * GitLab reads CI YAML with Ruby's Psych, that is libyaml, a YAML 1.1 reader: it also breaks
 * lines at U+0085, U+2028 and U+2029 (yaml/libyaml src/yaml_private.h `IS_BREAK_AT`), and refuses
 * a file with a control character anywhere, comments included (src/reader.c
 * `yaml_parser_update_buffer`: "control characters are not allowed"). Verified with libyaml
 * through PyYAML's CLoader: `# x<U+2028>k: 1` reads as {k: 1}.
 */
import { dump } from "js-yaml";
import type { Contract } from "../contract/contract";
import { schemaRule } from "../core/contract-rules";
import { environmentProblem, grantNameProblem, httpsUrlProblem, projectPathProblem, refProblem } from "../core/rules";
import { ProjectIdSchema } from "../core/schema";
import { targets } from "../../components";
import type { ContractString } from "../../components/target";
import { CONDITIONS, ContractSchema, DEPLOYER_ROLE } from "./contract";

/** A value as YAML: js-yaml's emitter, lines never folded, no anchors. */
export function yamlOf(value: unknown): string {
    return dump(value, { lineWidth: -1, noRefs: true });
}

/**
 * What a comment cannot hold as it is: "\" (escaped too, so the escaping can be read back), every
 * line break of YAML 1.1 and 1.2 (\n, \r, U+0085, U+2028, U+2029), the other C0 and C1 control
 * characters and DEL, U+FEFF, U+FFFE, U+FFFF, and unpaired surrogates (none of them printable
 * for YAML: YAML 1.2 §5.1 c-printable; libyaml reader.c).
 */
const NOT_IN_COMMENT = /[\\\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const SHORT_ESCAPES: Readonly<Record<string, string>> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * The one way text becomes a comment of generated CI: one line, `<indent># <text>`, whatever the
 * text holds; what a comment cannot hold is escaped as \\, \n, \r, \t or \uXXXX.
 */
export function comment(text: string, indent = ""): string {
    const escaped = text.replace(NOT_IN_COMMENT, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`);
    return `${indent}# ${escaped}`;
}

const q = JSON.stringify;

/**
 * Every string of a contract, by its place (`grants{}` a key of grants, `.*` any key, `[]` any
 * item), and how it may reach generated CI: the shared fields here, each target's from its
 * contract capability (`<key>.<field>` of its section, `grants.*.*.<key>.<field>` of a grant's part).
 */
export function contractStringRules(): Readonly<Record<string, ContractString>> {
    const rules: Record<string, ContractString> = {
        schemaVersion: { rule: schemaRule(ContractSchema().shape.schemaVersion) },
        gitlabUrl: { rule: (value) => httpsUrlProblem(value, "it must equal the iss claim of GitLab's ID tokens byte for byte") },
        "grants{}": { rule: projectPathProblem },
        "grants.*{}": { rule: grantNameProblem },
        "grants.*.*.projectId": { rule: schemaRule(ProjectIdSchema) },
        "grants.*.*.description": { comment: true },
        "grants.*.*.conditions.ref[]": { rule: refProblem },
        "grants.*.*.conditions.refType": { rule: schemaRule(CONDITIONS.shape.refType) },
        "grants.*.*.conditions.environment": { rule: environmentProblem },
        "grants.*.*.deployer": { rule: schemaRule(DEPLOYER_ROLE) },
    };
    for (const target of targets()) {
        for (const [field, how] of Object.entries(target.contract?.strings ?? {})) {
            rules[field.startsWith("grant.") ? `grants.*.*.${target.key}.${field.slice("grant.".length)}` : `${target.key}.${field}`] = how;
        }
    }
    return rules;
}

let cachedRules: Readonly<Record<string, ContractString>> | undefined;
/** A place in a contract as people read it: grants["platform/api"].deploy.vault.read[0]. */
export function placeOf(segments: readonly (string | number)[]): string {
    return segments.map((s, i) => (typeof s === "number" ? `[${s}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `${i === 0 ? "" : "."}${s}` : `[${q(s)}]`)).join("");
}

/** Every string of a contract value with its place and its CONTRACT_STRINGS key. */
export function contractStrings(value: unknown, visit: (key: string, segments: readonly (string | number)[], text: string) => void, key = "", segments: (string | number)[] = []): void {
    if (typeof value === "string") {
        visit(key, segments, value);
    } else if (Array.isArray(value)) {
        value.forEach((item, i) => contractStrings(item, visit, `${key}[]`, [...segments, i]));
    } else if (typeof value === "object" && value !== null) {
        const record = key === "grants" || key === "grants.*";
        for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
            if (record) {
                visit(`${key}{}`, [...segments, name], name);
            }
            contractStrings(child, visit, record ? `${key}.*` : key === "" ? name : `${key}.${name}`, [...segments, name]);
        }
    }
}

/**
 * Every string of a contract that breaks the map's rule for it, as `<source>: <place>: <problem>`.
 * Generation starts only when there is none.
 */
export function contractProblems(contract: Contract, source: string): string[] {
    const problems: string[] = [];
    contractStrings(contract, (key, segments, text) => {
        const how = (cachedRules ??= contractStringRules())[key];
        if (how === undefined) {
            throw new Error(`internal error: the contract field ${key} has no rule (contractStringRules)`);
        }
        const problem = "rule" in how ? how.rule(text) : undefined;
        if (problem !== undefined) {
            problems.push(`${source}: ${placeOf(segments)}${key.endsWith("{}") ? " (a key)" : ""}: ${problem}`);
        }
    });
    return problems;
}
