/**
 * Everything a map or a contract puts into generated CI (`gitlab-federation ci` and `pipeline`)
 * passes through this module, so nothing of theirs can become YAML of its own:
 * - values only through a YAML emitter (js-yaml `dump`, which quotes and escapes what YAML
 *   would read otherwise, line breaks of YAML 1.1 included: \N, \L, \P);
 * - comments only through `comment`, which makes any text one comment line;
 * - every string of a contract (CONTRACT_STRINGS, listed here so a new field cannot be
 *   forgotten: a test walks the contract's schema against it) checked before anything is
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
import type { z } from "zod";
import type { Contract } from "../contract/contract";
import { audienceProblem, environmentProblem, grantNameProblem, httpsUrlProblem, projectPathProblem, refProblem } from "../core/rules";
import { ProjectIdSchema } from "../core/schema";
import { AwsGrantSchema, AwsSchema } from "../targets/aws/schema";
import { IAM_SERVICE } from "../targets/gcp/names";
import { serviceAccountIdProblem, workloadIdentityIdProblem } from "../targets/gcp/rules";
import { GcpGrantSchema, GcpSchema } from "../targets/gcp/schema";
import { mountPathProblem, secretPrefixProblem } from "../targets/vault/rules";
import { VaultGrantSchema } from "../targets/vault/schema";
import { ContractSchema } from "./contract";

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

type Rule = (value: string) => string | undefined;

/** How a contract string may reach generated CI: checked by `rule` first, or written only as a comment. */
export type ContractString = { readonly rule: Rule } | { readonly comment: true };

const q = JSON.stringify;

/** The rule of a map schema (its own message, with the value when the message lacks it), for the same value in a contract. */
function schemaRule(schema: z.ZodType): Rule {
    return (value) => {
        const parsed = schema.safeParse(value);
        const message = parsed.success ? undefined : parsed.error.issues[0]!.message;
        return message === undefined || message.includes(q(value)) ? message : `${message}, got ${q(value)}`;
    };
}

/** A part's problem, said of the part: "in its role name: must be ...". */
function inPart(label: string, problem: string | undefined): string | undefined {
    return problem === undefined ? undefined : `in its ${label}: ${problem}`;
}

/** A rule from a pattern, for values the map derives rather than takes (policy names, accessors). */
function patternRule(pattern: RegExp, expected: string): Rule {
    return (value) => (pattern.test(value) ? undefined : `must be ${expected}, got ${q(value)}`);
}

const gcpProject = schemaRule(GcpSchema.shape.project);
const projectNumber = schemaRule(GcpSchema.shape.projectNumber);

/** projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>, each part by the map's rule. */
function providerNameProblem(value: string): string | undefined {
    const parts = /^projects\/([^/]*)\/locations\/global\/workloadIdentityPools\/([^/]*)\/providers\/([^/]*)$/.exec(value);
    if (parts === null) {
        return `must be projects/<project number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>, got ${q(value)}`;
    }
    return inPart("project number", projectNumber(parts[1]!)) ?? inPart("pool id", workloadIdentityIdProblem(parts[2]!)) ?? inPart("provider id", workloadIdentityIdProblem(parts[3]!));
}

function providerResourceNameProblem(value: string): string | undefined {
    return value.startsWith(IAM_SERVICE) ? providerNameProblem(value.slice(IAM_SERVICE.length)) : `must start with ${IAM_SERVICE}, got ${q(value)}`;
}

/** <account id>@<project>.iam.gserviceaccount.com. */
function serviceAccountEmailProblem(value: string): string | undefined {
    const parts = /^([^@]*)@([^@]*)\.iam\.gserviceaccount\.com$/.exec(value);
    if (parts === null) {
        return `must be a service account email, <account id>@<project>.iam.gserviceaccount.com, got ${q(value)}`;
    }
    return inPart("account id", serviceAccountIdProblem(parts[1]!)) ?? inPart("project", gcpProject(parts[2]!));
}

/** An account in an ARN: 12 digits, or the placeholder of a plan whose map names no account (aws ci then says what to do). */
const account = (value: string) => (value === "<account-id>" ? undefined : schemaRule(AwsSchema.shape.accountId.unwrap())(value));

/** arn:<partition>:iam::<account>:role<path><name>, path and name by the map's rules. */
function roleArnProblem(value: string): string | undefined {
    const parts = /^arn:aws(?:-cn|-us-gov)?:iam::([^:]*):role(\/(?:.*\/)?)([^/]*)$/.exec(value);
    if (parts === null) {
        return `must be an IAM role ARN, arn:<partition>:iam::<account>:role/<path/><name>, got ${q(value)}`;
    }
    return inPart("account", account(parts[1]!)) ?? inPart("path", schemaRule(AwsSchema.shape.rolePath.unwrap())(parts[2]!)) ?? inPart("role name", schemaRule(AwsGrantSchema.shape.roleName.unwrap())(parts[3]!));
}

/** arn:<partition>:iam::<account>:oidc-provider/<GitLab URL without https://>. */
function oidcProviderArnProblem(value: string): string | undefined {
    const parts = /^arn:aws(?:-cn|-us-gov)?:iam::([^:]*):oidc-provider\/(.*)$/.exec(value);
    if (parts === null) {
        return `must be an IAM OIDC provider ARN, arn:<partition>:iam::<account>:oidc-provider/<GitLab host and path>, got ${q(value)}`;
    }
    return inPart("account", account(parts[1]!)) ?? inPart("GitLab URL (after oidc-provider/, without https://)", httpsUrlProblem(`https://${parts[2]!}`, "the provider's URL is GitLab's"));
}

const url: Rule = (value) => httpsUrlProblem(value, "an address jobs reach", "jobs send their tokens over it");
const vaultGrant = VaultGrantSchema.shape;
const awsGrant = AwsGrantSchema.shape;

/**
 * Every string of a contract, by its place (`grants{}` a key of grants, `.*` any key, `[]` any
 * item), and how it may reach generated CI. Each rule is the map's rule for the value the
 * contract field carries, so a contract holds nothing a map could not.
 */
export const CONTRACT_STRINGS: Readonly<Record<string, ContractString>> = {
    schemaVersion: { rule: schemaRule(ContractSchema.shape.schemaVersion) },
    gitlabUrl: { rule: (value) => httpsUrlProblem(value, "it must equal the iss claim of GitLab's ID tokens byte for byte") },
    "vault.serverUrl": { rule: url },
    "vault.authPath": { rule: mountPathProblem },
    "vault.audience": { rule: audienceProblem },
    "vault.kvMount": { rule: mountPathProblem },
    "vault.accessor": { rule: patternRule(/^[A-Za-z0-9_.-]{1,128}$/, "a Vault accessor (letters, digits, _, . and -), e.g. auth_jwt_1234abcd") },
    "aws.audience": { rule: audienceProblem },
    "aws.oidcProviderArn": { rule: oidcProviderArnProblem },
    "aws.partition": { rule: schemaRule(AwsSchema.shape.partition.unwrap()) },
    "gcp.audience": { rule: audienceProblem },
    "gcp.providerName": { rule: providerNameProblem },
    "gcp.providerResourceName": { rule: providerResourceNameProblem },
    "grants{}": { rule: projectPathProblem },
    "grants.*{}": { rule: grantNameProblem },
    "grants.*.*.projectId": { rule: schemaRule(ProjectIdSchema) },
    "grants.*.*.description": { comment: true },
    "grants.*.*.conditions.ref[]": { rule: refProblem },
    "grants.*.*.conditions.refType": { rule: schemaRule(ContractSchema.shape.grants.valueType.valueType.shape.conditions.shape.refType) },
    "grants.*.*.conditions.environment": { rule: environmentProblem },
    "grants.*.*.deployer": { rule: schemaRule(ContractSchema.shape.grants.valueType.valueType.shape.deployer.unwrap()) },
    "grants.*.*.vault.roleName": { rule: schemaRule(vaultGrant.roleName.unwrap()) },
    "grants.*.*.vault.policyNames[]": { rule: patternRule(/^[a-z0-9_.-]{1,256}$/, "a Vault policy name as gitlab-federation names them (lowercase letters, digits, _, . and -)") },
    "grants.*.*.vault.read[]": { rule: secretPrefixProblem },
    "grants.*.*.vault.authPath": { rule: mountPathProblem },
    "grants.*.*.vault.audience": { rule: audienceProblem },
    "grants.*.*.vault.kvMount": { rule: mountPathProblem },
    "grants.*.*.vault.serverUrl": { rule: url },
    "grants.*.*.aws.roleArn": { rule: roleArnProblem },
    "grants.*.*.aws.roleName": { rule: schemaRule(awsGrant.roleName.unwrap()) },
    "grants.*.*.aws.audience": { rule: audienceProblem },
    "grants.*.*.aws.managedPolicyArns[]": { rule: schemaRule(awsGrant.managedPolicyArns.unwrap().element) },
    "grants.*.*.gcp.serviceAccountEmail": { rule: serviceAccountEmailProblem },
    "grants.*.*.gcp.providerName": { rule: providerNameProblem },
    "grants.*.*.gcp.providerResourceName": { rule: providerResourceNameProblem },
    "grants.*.*.gcp.audience": { rule: audienceProblem },
    "grants.*.*.gcp.roles[]": { rule: schemaRule(GcpGrantSchema.shape.roles.unwrap().element) },
};

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
        const record = CONTRACT_STRINGS[`${key}{}`] !== undefined;
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
        const how = CONTRACT_STRINGS[key];
        if (how === undefined) {
            throw new Error(`internal error: the contract field ${key} is not in CONTRACT_STRINGS`);
        }
        const problem = "rule" in how ? how.rule(text) : undefined;
        if (problem !== undefined) {
            problems.push(`${source}: ${placeOf(segments)}${key.endsWith("{}") ? " (a key)" : ""}: ${problem}`);
        }
    });
    return problems;
}
