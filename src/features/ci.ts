/**
 * `gitlab-federation ci`: the .gitlab-ci.yml an app project includes to use its grants, from the
 * output contract alone (so it comes out the same from a map and from a deployed stack's
 * `contract` output). Per grant a hidden job `.gitlab-federation:<grant>` that real jobs extend:
 * - one ID token per target the grant uses, with exactly that target's audience;
 * - the variables GitLab and the tools read (VAULT_SERVER_URL, AWS_ROLE_ARN, ...), the setup
 *   script and its cleanup, and commented examples of use (each target's ci.ts);
 * - `environment:` when the grant requires one, and `rules:` that run the job exactly where
 *   the token will be accepted: in the grant's project (not a fork), on the grant's refs
 *   (`$CI_COMMIT_REF_NAME`, which is the ID token's `ref` also in merge-request pipelines;
 *   `$CI_COMMIT_TAG` for tags, since every other pipeline's ref_type is branch) and, when the
 *   grant requires it, a protected ref.
 * As a GitLab CI/CD component (`--format component`) the values that differ between stacks
 * (addresses, audiences, role names) become inputs whose defaults are this stack's.
 * Nothing of the contract reaches the file but through ci-output.ts: every string checked by the
 * map's rule first, values written by the YAML emitter, text (a grant's description, the
 * examples) as comments by `comment`.
 */
import { targets } from "../../components";
import type { Contract, GrantConditions, GrantContract } from "../contract/contract";
import type { CiPiece, CiUnavailable, CiValue } from "../../components/target";
import { comment, contractProblems, yamlOf } from "./ci-output";

export type CiFormat = "yaml" | "component";

export interface CiOptions {
    readonly project: string;
    /** Grant names; all of the project's when absent. */
    readonly grants?: readonly string[];
    readonly format: CiFormat;
    /** What the contract came from, for the header (a stack file, a contract file). */
    readonly source: string;
}

export interface CiFile {
    /** For components: the path in a components project (templates/<name>.yml). */
    readonly path?: string;
    readonly text: string;
}

export type CiResult = { readonly files: readonly CiFile[] } | { readonly problems: readonly string[] };

/** The hidden job of a grant. */
export function templateName(grant: string): string {
    return `.gitlab-federation:${grant}`;
}

/** A component's name: the project path and grant, e.g. platform-api--deploy. */
export function componentName(project: string, grant: string): string {
    return `${project.replace(/\//g, "-")}--${grant}`.toLowerCase();
}

/** A ref pattern (`*` = any run of characters, as Vault globs and IAM StringLike read it) as an anchored RE2 regex. */
export function refRegex(pattern: string): string {
    return `/^${pattern.replace(/[.*/\\^$+?()[\]{}|]/g, (c) => (c === "*" ? ".*" : `\\${c}`))}$/`;
}

/** The rules of a grant's job: never in another project or a fork's merge request; then one rule per ref. */
export function rulesFor(projectId: string, conditions: GrantConditions): { if: string; when?: "never" }[] {
    const ref = conditions.refType === "tag" ? "$CI_COMMIT_TAG" : "$CI_COMMIT_REF_NAME";
    const kind = conditions.refType === "tag" ? [] : ["$CI_COMMIT_TAG == null"];
    const protection = conditions.protected ? ['$CI_COMMIT_REF_PROTECTED == "true"'] : [];
    return [
        { if: `$CI_PROJECT_ID != "${projectId}"`, when: "never" },
        { if: `$CI_MERGE_REQUEST_SOURCE_PROJECT_ID && $CI_MERGE_REQUEST_SOURCE_PROJECT_ID != "${projectId}"`, when: "never" },
        ...conditions.ref.map((r) => ({ if: [...kind, r.includes("*") ? `${ref} =~ ${refRegex(r)}` : `${ref} == "${r}"`, ...protection].join(" && ") })),
    ];
}

function describe(conditions: GrantConditions): string {
    const environment = conditions.environment !== undefined ? `, ${conditions.environmentProtected === true ? "protected " : ""}environment ${conditions.environment}` : "";
    return `${conditions.refType} ${conditions.ref.join(" or ")}, ${conditions.protected ? "protected" : "protected or not"}${environment}`;
}

/**
 * The job's environment:name for a grant's environment: the name itself, or for a pattern each
 * "*" replaced by $CI_COMMIT_REF_SLUG (GitLab's review apps, `review/$CI_COMMIT_REF_SLUG`):
 * GitLab expands CI/CD variables in environment:name (gitlab-org/gitlab-foss!6323 "Add support
 * for dynamic environments": "it allows environment names to use CI predefined variables"), and
 * the slug of any ref is a run of characters, which "*" matches on every target.
 */
export function environmentName(environment: string): string {
    return environment.replace(/\*/g, "$CI_COMMIT_REF_SLUG");
}

export interface Built {
    readonly job: Record<string, unknown>;
    readonly comments: readonly string[];
}

/**
 * A grant's job (id_tokens, variables, environment, rules, setup), or why it cannot be written.
 * The contract's strings must have passed contractProblems: rules compare refs, the project id
 * and the environment as they are.
 */
export function buildJob(contract: Contract, grant: GrantContract, value: CiValue, where: string): Built | { problems: string[] } {
    const problems: string[] = [];
    const pieces: CiPiece[] = [];
    const sections = contract as unknown as Record<string, unknown>;
    const parts = grant as unknown as Record<string, unknown>;
    for (const target of targets()) {
        if (parts[target.key] === undefined || target.ci === undefined) {
            continue;
        }
        if (sections[target.key] === undefined) {
            problems.push(`${where}: uses ${target.title}, but the contract has no ${target.key} section`);
            continue;
        }
        const piece: CiPiece | CiUnavailable = target.ci.job(sections[target.key], parts[target.key], value);
        if ("unavailable" in piece) {
            problems.push(`${where}: ${piece.unavailable}`);
        } else {
            pieces.push(piece);
        }
    }
    if (problems.length > 0) {
        return { problems };
    }
    const unique = (items: readonly string[]) => [...new Set(items)];
    const job: Record<string, unknown> = {
        id_tokens: Object.fromEntries(pieces.map((p) => [p.idToken.variable, { aud: p.idToken.audience }])),
        variables: Object.assign({}, ...pieces.map((p) => p.variables)) as Record<string, string>,
        ...(grant.conditions.environment !== undefined ? { environment: { name: environmentName(grant.conditions.environment) } } : {}),
        rules: rulesFor(grant.projectId, grant.conditions),
        ...(pieces.some((p) => p.beforeScript.length > 0) ? { before_script: pieces.flatMap((p) => p.beforeScript) } : {}),
        ...(pieces.some((p) => p.afterScript.length > 0) ? { after_script: unique(pieces.flatMap((p) => p.afterScript)) } : {}),
    };
    return { job, comments: pieces.flatMap((p) => p.comments) };
}

function jobText(name: string, project: string, grantName: string, grant: GrantContract, built: Built): string {
    return [
        comment(`${project} ${grantName}${grant.description !== undefined ? `: ${grant.description}` : ""}`),
        comment(`accepted on: ${describe(grant.conditions)}`),
        yamlOf({ [name]: built.job }).trimEnd(),
        ...built.comments.map((line) => comment(line, "  ")),
    ].join("\n");
}

/** The literal value of every parameter (plain YAML, not a component). */
export const LITERAL: CiValue = (_input, literal) => literal;

const USAGE = (first: string) =>
    [
        "A job gets a grant's ID tokens, variables, setup and rules by extending its hidden job:",
        "  deploy:",
        `    extends: ${templateName(first)}`,
        "    script: [./deploy.sh]",
        "A job's own rules:, before_script: or after_script: replace these; keep them with",
        `  !reference [${templateName(first)}, before_script]`,
    ].map((line) => comment(line));

/** A grant's job as a GitLab CI/CD component: the inputs (spec), then the job. */
function componentFile(options: CiOptions, name: string, inputs: Record<string, unknown>, job: string): CiFile {
    const component = componentName(options.project, name);
    return {
        path: `templates/${component}.yml`,
        text: [
            comment(`templates/${component}.yml: a GitLab CI/CD component generated by gitlab-federation ci from ${options.source}.`),
            comment("Publish it in a components project, then include it:"),
            comment("  include:"),
            comment(`    - component: $CI_SERVER_FQDN/<group>/<components project>/${component}@<version>`),
            ...USAGE(name),
            yamlOf({ spec: { inputs } }).trimEnd(),
            "---",
            job,
            "",
        ].join("\n"),
    };
}

/** Generates the CI configuration of a project's grants from a contract, once every string of the contract passed its rule. */
export function generateCi(contract: Contract, options: CiOptions): CiResult {
    const invalid = contractProblems(contract, options.source);
    if (invalid.length > 0) {
        return { problems: invalid };
    }
    const grants = contract.grants[options.project];
    if (grants === undefined) {
        return { problems: [`${options.source} has no project ${JSON.stringify(options.project)}; its projects: ${Object.keys(contract.grants).sort().join(", ") || "none"}`] };
    }
    const names = options.grants ?? Object.keys(grants).sort();
    const missing = names.filter((n) => grants[n] === undefined);
    if (missing.length > 0) {
        return { problems: missing.map((n) => `${options.project} has no grant ${JSON.stringify(n)} in ${options.source}; its grants: ${Object.keys(grants).sort().join(", ")}`) };
    }
    const problems: string[] = [];
    const files: CiFile[] = [];
    const jobs: string[] = [];
    for (const name of names) {
        const grant = grants[name]!;
        const inputs: Record<string, { type: "string"; default: string; description: string }> = {};
        const value: CiValue =
            options.format === "component"
                ? (input, literal, description) => {
                      // type stated: GitLab's CI schema reads an input without one against every type's default rule.
                      inputs[input] = { type: "string", default: literal, description };
                      return `$[[ inputs.${input} ]]`;
                  }
                : LITERAL;
        const built = buildJob(contract, grant, value, `${options.project} ${name}`);
        if ("problems" in built) {
            problems.push(...built.problems);
            continue;
        }
        const text = jobText(templateName(name), options.project, name, grant, built);
        if (options.format === "component") {
            files.push(componentFile(options, name, inputs, text));
        } else {
            jobs.push(text);
        }
    }
    if (problems.length > 0) {
        return { problems };
    }
    if (options.format === "yaml") {
        const header = [
            comment(`Generated by gitlab-federation ci from ${options.source} for ${options.project} (project ${grants[names[0]!]!.projectId}): regenerate it after the map changes, do not edit it.`),
            ...USAGE(names[0]!),
        ];
        files.push({ text: `${[header.join("\n"), ...jobs].join("\n\n")}\n` });
    }
    return { files };
}
