/**
 * What the Akeyless dynamic providers do (provider.ts loads this module at call time): check,
 * diff, create, read, update and delete of the three resources a grant needs, on the typed client.
 *
 * - check and diff are pure: `pulumi preview` calls only them (and read, for a refresh or a
 *   `get`), so a preview never writes (see provider.ts for the engine side).
 * - create is transactional: an object it made is deleted again when a later step fails
 *   (the engine assumes a failed create left nothing behind: pulumi/pulumi sdk/nodejs/dynamic
 *   `ResourceProvider.create`).
 * - An object that already exists is never taken over silently: with `adopt: true` create reads
 *   it and brings it to the desired state instead. (The `import` resource option cannot adopt a
 *   dynamic resource: the engine's import Read carries neither inputs nor state, so the dynamic
 *   provider host cannot find the serialized provider — pulumi/pulumi pkg/resource/deploy/step.go
 *   `ImportStep.Apply`, sdk/nodejs/cmd/dynamic-provider `read`; issues pulumi/pulumi#3550, #16175.)
 * - update sends the complete desired object, as terraform-provider-akeyless does
 *   (resource_auth_method_oauth2.go `resourceAuthMethodOauth2Update`), because whether Akeyless
 *   treats omitted fields as "unchanged" is not documented; role rules are diffed against the live
 *   role by (rule type, path) and removed before being set again (resource_role.go `resourceRoleUpdate`).
 * - Security-relevant settings are read back after every write and must hold: the auth method
 *   forces sub-claims and splits values on "," only; associations are case-sensitive.
 */
import { z } from "zod";
import { audienceProblem, httpsUrlProblem } from "../../src/core/rules";
import { type AssociationRecord, type AuthMethodRecord, CAPABILITIES, DEFAULT_API_URL, RULE_TYPES, type RoleRecord } from "./api";
import { AkeylessClient, AlreadyExistsError, NotFoundError, apiUrlProblem } from "./client";

/** The engine's placeholder for a value not known during a preview (pulumi/pulumi sdk/nodejs/runtime/rpc.ts `unknownValue`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** The property that holds the serialized provider (sdk/nodejs/dynamic/index.ts `providerKey`). */
const PROVIDER_KEY = "__provider";

type Props = Readonly<Record<string, unknown>>;
export interface CheckFailure {
    readonly property: string;
    readonly reason: string;
}
export interface DiffResult {
    readonly changes: boolean;
    readonly replaces: string[];
    readonly deleteBeforeReplace: boolean;
}
/** The methods of a pulumi.dynamic.ResourceProvider, on plain property bags. */
export interface ResourceImplementation {
    check(olds: Props, news: Props): Promise<{ inputs: Props; failures: CheckFailure[] }>;
    diff(id: string, olds: Props, news: Props): Promise<DiffResult>;
    create(inputs: Props): Promise<{ id: string; outs: Props }>;
    read(id: string, props?: Props): Promise<{ id?: string; props?: Props; inputs?: Props }>;
    update(id: string, olds: Props, news: Props): Promise<{ outs: Props }>;
    delete(id: string, props: Props): Promise<void>;
}

const refine = (problem: (value: string) => string | undefined) => (value: string, ctx: z.RefinementCtx) => {
    const text = problem(value);
    if (text !== undefined) {
        ctx.addIssue({ code: "custom", message: text });
    }
};

/** Akeyless object names (auth methods, roles) are paths; the target writes only this plain form. */
const NAME = /^(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+$/;
const objectName = z.string().regex(NAME, 'must be an Akeyless path such as "/gitlab-federation/dev/gitlab": "/" then segments of letters, digits, "_", "-" and "."');
const common = { apiUrl: z.string().default(DEFAULT_API_URL).superRefine(refine(apiUrlProblem)), adopt: z.boolean().default(false) };

export const AuthMethodInputs = z.strictObject({
    ...common,
    name: objectName,
    jwksUri: z.string().superRefine(refine((v) => httpsUrlProblem(v, "Akeyless fetches GitLab's keys from it"))),
    issuer: z.string().superRefine(refine((v) => httpsUrlProblem(v, "it must equal the ID tokens' iss"))),
    audience: z.string().superRefine(refine(audienceProblem)),
    uniqueIdentifier: z.string().regex(/^[a-z_]+$/, "must be a claim name such as project_id"),
    /** Minutes; at least 1, because 0 (the account default) reads back as the default's value. */
    jwtTtl: z.number().int().min(1).max(1_440),
    boundIps: z.array(z.string().regex(/^[0-9A-Fa-f:.]+\/\d{1,3}$/, "must be a CIDR block such as 10.0.0.0/8")).default([]).transform((v) => [...new Set(v)].sort()),
    description: z.string().max(512).default(""),
    deleteProtection: z.boolean().default(true),
});
export type AuthMethodInputs = z.output<typeof AuthMethodInputs>;

const capabilities = z
    .array(z.enum(CAPABILITIES))
    .min(1)
    .transform((v) => [...new Set(v)].sort());
const Rule = z.strictObject({
    ruleType: z.enum(RULE_TYPES).default("item-rule"),
    path: z.string().regex(/^\/[^\s{}]*$/, 'must start with "/" and hold no white space and no "{{claim}}" templates'),
    capabilities,
});
export type Rule = z.output<typeof Rule>;

export const RoleInputs = z.strictObject({
    ...common,
    name: objectName,
    rules: z
        .array(Rule)
        .transform((rules) => [...rules].sort((a, b) => ruleKey(a).localeCompare(ruleKey(b))))
        .superRefine((rules, ctx) => {
            const keys = rules.map(ruleKey);
            const twice = keys.find((k, i) => keys.indexOf(k) !== i);
            if (twice !== undefined) {
                ctx.addIssue({ code: "custom", message: `lists the rule ${twice} twice; Akeyless keeps one rule per type and path, so merge their capabilities` });
            }
        }),
    deleteProtection: z.boolean().default(false),
});
export type RoleInputs = z.output<typeof RoleInputs>;

/** A sub-claim value the target sends: no "," (the list separator), no backtick (operators), nothing Akeyless might trim. */
function wireValueProblem(value: string): string | undefined {
    if (value === "" || value.includes(",") || value.includes("`") || /^\s|\s$|[\u0000-\u001f\u007f]/.test(value)) {
        return `cannot be sent as one Akeyless sub-claim value (got ${JSON.stringify(value)}): it must be non-empty, without ",", backticks, control characters or surrounding white space`;
    }
    return undefined;
}

export const AssociationInputs = z.strictObject({
    ...common,
    roleName: objectName,
    authMethodName: objectName,
    subClaims: z
        .record(z.string(), z.array(z.string().superRefine(refine(wireValueProblem))).min(1))
        .superRefine((claims, ctx) => {
            for (const claim of Object.keys(claims).filter((k) => !/^[a-z_]+$/.test(k))) {
                ctx.addIssue({ code: "custom", path: [claim], message: "must be a claim name such as project_id" });
            }
        })
        .refine((claims) => Object.keys(claims).length > 0, "must bind at least one claim (the auth method forces sub-claims)")
        .transform((claims) => Object.fromEntries(Object.keys(claims).sort().map((k) => [k, [...new Set(claims[k])].sort()]))),
});
export type AssociationInputs = z.output<typeof AssociationInputs>;

export function ruleKey(rule: { readonly ruleType: string; readonly path: string }): string {
    return `${rule.ruleType} ${rule.path}`;
}

/** check: the inputs validated and normalised; fields still unknown in a preview are left to the real run. */
function checkWith(schema: z.ZodObject, news: Props): { inputs: Props; failures: CheckFailure[] } {
    const given = Object.fromEntries(Object.entries(news).filter(([key]) => key !== PROVIDER_KEY));
    const unknown = Object.keys(given).filter((key) => JSON.stringify(given[key])?.includes(UNKNOWN) === true);
    const known = Object.fromEntries(Object.entries(given).filter(([key]) => !unknown.includes(key)));
    const parsed = (unknown.length > 0 ? schema.partial() : schema).safeParse(known);
    if (!parsed.success) {
        return { inputs: news, failures: parsed.error.issues.map((i) => ({ property: String(i.path[0] ?? ""), reason: `${i.path.join(".") || "(inputs)"}: ${i.message}` })) };
    }
    return { inputs: { ...given, ...(parsed.data as Props) }, failures: [] };
}

/** Values compare as JSON (inputs are normalised by check, outputs by read); an unknown value differs. */
function same(a: unknown, b: unknown): boolean {
    const right = JSON.stringify(b);
    return right !== undefined && !right.includes(UNKNOWN) && JSON.stringify(a) === right;
}

/**
 * diff: which compared fields differ; a change of a ForceNew field replaces. The ForceNew fields
 * are the object's identity (its name; an association's role and auth method: terraform-provider-akeyless
 * marks only `name` ForceNew and refuses role or auth method changes of an association), so a
 * replacement from a diff always creates under a new identity and never meets the old object:
 * create-first, no deleteBeforeReplace. A forced replacement (`--replace`) keeps the identity and
 * relies on the resource option instead (component.ts sets it for associations).
 */
function diffWith(olds: Props, news: Props, fields: readonly string[], forceNew: readonly string[], drift: readonly string[] = []): DiffResult {
    const changed = fields.filter((field) => !same(olds[field], news[field]));
    return { changes: changed.length > 0 || drift.length > 0, replaces: changed.filter((field) => forceNew.includes(field)), deleteBeforeReplace: false };
}

/** Runs `remove` and ignores "not found" (the object is gone either way). */
async function gone(remove: () => Promise<unknown>): Promise<void> {
    try {
        await remove();
    } catch (error) {
        if (!(error instanceof NotFoundError)) {
            throw error;
        }
    }
}

/** Reads an object, or undefined when Akeyless answers "not found". */
async function maybe<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
        return await read();
    } catch (error) {
        if (error instanceof NotFoundError) {
            return undefined;
        }
        throw error;
    }
}

/** A 409 after more than one request: an earlier request of the same create made the object (the client retried a lost answer). */
function retriedIntoItself(error: unknown): boolean {
    return error instanceof AlreadyExistsError && error.attempts > 1;
}

/** The error for an object that exists but is not ours to take. */
function existsError(what: string, name: string): Error {
    return new Error(`Akeyless ${what} ${name} already exists; gitlab-federation does not take over an existing object silently: set adopt to true for this resource to manage it as planned, or delete it in Akeyless`);
}

export type ClientFactory = (apiUrl: string) => AkeylessClient;

// ---------------------------------------------------------------------------------------------
// The OAuth2/JWT auth method (terraform-provider-akeyless resource_auth_method_oauth2.go).

const AUTH_METHOD_FIELDS = ["apiUrl", "name", "jwksUri", "issuer", "audience", "uniqueIdentifier", "jwtTtl", "boundIps", "description", "deleteProtection"] as const;

function oauth2Body(i: AuthMethodInputs) {
    return {
        name: i.name,
        "unique-identifier": i.uniqueIdentifier,
        "jwks-uri": i.jwksUri,
        issuer: i.issuer,
        audience: i.audience,
        "force-sub-claims": true,
        "jwt-ttl": i.jwtTtl,
        "bound-ips": [...i.boundIps],
        "subclaims-delimiters": [],
        description: i.description,
        delete_protection: String(i.deleteProtection) as "true" | "false",
    };
}

/** The auth method as read, in the resource's terms (resourceAuthMethodOauth2Read's mapping: bound-ips come back comma-joined). */
function authMethodState(record: AuthMethodRecord, name: string, apiUrl: string, adopt: boolean) {
    const info = record.access_info ?? {};
    const oauth2 = info.oauth2_access_rules ?? {};
    const inputs = {
        apiUrl,
        adopt,
        name,
        jwksUri: oauth2.jwks_uri ?? "",
        issuer: oauth2.issuer ?? "",
        audience: oauth2.audience ?? "",
        uniqueIdentifier: oauth2.unique_identifier ?? "",
        jwtTtl: info.jwt_ttl ?? 0,
        boundIps: (info.cidr_whitelist ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "").sort(),
        description: record.description ?? "",
        deleteProtection: record.delete_protection ?? false,
    };
    return { inputs, outs: { ...inputs, accessId: record.auth_method_access_id, forceSubClaims: info.force_sub_claims ?? false, subClaimsDelimiters: info.sub_claims_delimiters ?? [] } };
}

/** After a write: sub-claims must be forced and "," the only delimiter, or bindings could be skipped or split (wider access). */
function assertAuthMethodSafe(outs: { readonly name: string; readonly forceSubClaims: boolean; readonly subClaimsDelimiters: readonly string[] }): void {
    if (!outs.forceSubClaims || outs.subClaimsDelimiters.length > 0) {
        throw new Error(
            `Akeyless auth method ${outs.name} still has force-sub-claims ${outs.forceSubClaims} and extra sub-claim delimiters ${JSON.stringify(outs.subClaimsDelimiters)} after the update; gitlab-federation needs force-sub-claims true and no extra delimiters (values would be split, widening access): fix them in Akeyless`,
        );
    }
}

export function authMethodImplementation(clientFor: ClientFactory): ResourceImplementation {
    const fetchState = async (client: AkeylessClient, name: string, adopt: boolean) => authMethodState(await client.call("auth-method-get", { name }), name, client.apiUrl, adopt);
    const write = async (inputs: AuthMethodInputs, exists: boolean) => {
        const client = clientFor(inputs.apiUrl);
        const body = oauth2Body(inputs);
        const update = () => client.call("auth-method-update-oauth2", { ...body, "new-name": inputs.name });
        // A create that answered 409 after a retry met the object its own earlier request made.
        await (exists ? update() : client.call("auth-method-create-oauth2", body).catch((error) => (retriedIntoItself(error) ? update() : Promise.reject(error))));
        const state = await fetchState(client, inputs.name, inputs.adopt);
        assertAuthMethodSafe(state.outs);
        return state.outs;
    };
    return {
        check: async (_olds, news) => checkWith(AuthMethodInputs, news),
        diff: async (_id, olds, news) => {
            const drift = olds.forceSubClaims === true && same(olds.subClaimsDelimiters, []) ? [] : ["forceSubClaims"];
            return diffWith(olds, news, AUTH_METHOD_FIELDS, ["name"], drift);
        },
        create: async (props) => {
            const inputs = AuthMethodInputs.parse(strip(props));
            const existing = await maybe(() => clientFor(inputs.apiUrl).call("auth-method-get", { name: inputs.name }));
            if (existing !== undefined && !inputs.adopt) {
                throw existsError("auth method", inputs.name);
            }
            return { id: inputs.name, outs: await write(inputs, existing !== undefined) };
        },
        read: async (id, props = {}) => {
            const client = clientFor(typeof props.apiUrl === "string" ? props.apiUrl : DEFAULT_API_URL);
            const state = await maybe(() => fetchState(client, id, props.adopt === true));
            return state === undefined ? {} : { id, props: state.outs, inputs: state.inputs };
        },
        update: async (_id, _olds, news) => ({ outs: await write(AuthMethodInputs.parse(strip(news)), true) }),
        delete: async (id, props) => {
            try {
                await gone(() => clientFor(String(props.apiUrl ?? DEFAULT_API_URL)).call("auth-method-delete", { name: id }));
            } catch (error) {
                throw props.deleteProtection === true ? new Error(`${(error as Error).message} (the auth method has delete protection: set deleteProtection to false and run pulumi up before deleting it)`) : error;
            }
        },
    };
}

/** The inputs without the serialized provider. */
function strip(props: Props): Record<string, unknown> {
    return Object.fromEntries(Object.entries(props).filter(([key]) => key !== PROVIDER_KEY));
}

// ---------------------------------------------------------------------------------------------
// The access role and its rules (terraform-provider-akeyless resource_role.go).

/** A rule as read: item and target rules are the role's managed rules; every other type (role, auth-method, audit, ...) is only reported. */
interface ReadRule {
    readonly ruleType: string;
    readonly path: string;
    readonly capabilities: readonly string[];
}

const MANAGED_RULE_TYPES: readonly string[] = RULE_TYPES;

function sameRule(a: ReadRule | undefined, b: ReadRule): boolean {
    return a !== undefined && ruleKey(a) === ruleKey(b) && a.capabilities.join(",") === b.capabilities.join(",");
}

function rulesOf(record: RoleRecord): { managed: ReadRule[]; other: ReadRule[] } {
    const rules = (record.rules?.path_rules ?? []).map((r) => ({ ruleType: r.type, path: r.path, capabilities: [...new Set(r.capabilities ?? [])].sort() }));
    const sorted = rules.sort((a, b) => ruleKey(a).localeCompare(ruleKey(b)));
    return { managed: sorted.filter((r) => MANAGED_RULE_TYPES.includes(r.ruleType)), other: sorted.filter((r) => !MANAGED_RULE_TYPES.includes(r.ruleType)) };
}

/** Rules kept in the state as never to be touched (the state's restrictedRules). */
function restrictedOf(props: Props): ReadRule[] {
    const parsed = z.array(z.object({ ruleType: z.string(), path: z.string(), capabilities: z.array(z.string()) })).safeParse(props.restrictedRules);
    return parsed.success ? parsed.data : [];
}

/**
 * The role as read. Rules at a restricted (type, path) are the account's, not the grant's
 * (terraform-provider-akeyless resource_role.go `initRestrictedRules`, `readRules`).
 */
function roleState(record: RoleRecord, name: string, apiUrl: string, adopt: boolean, restricted: readonly ReadRule[]) {
    const { managed, other } = rulesOf(record);
    const restrictedKeys = new Set(restricted.map(ruleKey));
    const inputs = { apiUrl, adopt, name, rules: managed.filter((r) => !restrictedKeys.has(ruleKey(r))), deleteProtection: record.delete_protection ?? false };
    const associations = (record.role_auth_methods_assoc ?? []).map((a) => ({ assocId: a.assoc_id, authMethodName: a.auth_method_name ?? "" })).sort((a, b) => a.assocId.localeCompare(b.assocId));
    return { inputs, outs: { ...inputs, restrictedRules: managed.filter((r) => restrictedKeys.has(ruleKey(r))), otherRules: other, admin: record.rules?.admin ?? false, associations } };
}

/**
 * Brings the live role's managed rules to the desired ones: rules that are gone or whose
 * capabilities changed are deleted first (a moment of less access, never more, whether
 * set-role-rule merges or replaces capabilities), then the missing ones are set.
 */
async function applyRules(client: AkeylessClient, inputs: RoleInputs, restricted: readonly ReadRule[]): Promise<void> {
    const restrictedKeys = new Set(restricted.map(ruleKey));
    const clash = inputs.rules.find((r) => restrictedKeys.has(ruleKey(r)));
    if (clash !== undefined) {
        throw new Error(
            `Akeyless role ${inputs.name} holds a rule gitlab-federation did not write at ${ruleKey(clash)} (an account restriction, usually a deny rule), which it never changes; it cannot also give ${clash.capabilities.join(", ")} there: choose another path`,
        );
    }
    const live = rulesOf(await client.call("get-role", { name: inputs.name })).managed.filter((r) => !restrictedKeys.has(ruleKey(r)));
    const wanted = new Map(inputs.rules.map((r) => [ruleKey(r), r]));
    for (const rule of live.filter((r) => !sameRule(wanted.get(ruleKey(r)), r))) {
        await gone(() => client.call("delete-role-rule", { "role-name": inputs.name, path: rule.path, "rule-type": rule.ruleType }));
    }
    for (const rule of inputs.rules.filter((r) => !live.some((l) => sameRule(l, r)))) {
        await client.call("set-role-rule", { "role-name": inputs.name, path: rule.path, capability: [...rule.capabilities], "rule-type": rule.ruleType });
    }
}

/** Creates the role and returns the rules it already holds (the account's restrictions); deletes it again if reading them fails. */
async function createRole(client: AkeylessClient, inputs: RoleInputs): Promise<ReadRule[]> {
    const body = { name: inputs.name, delete_protection: String(inputs.deleteProtection) as "true" | "false" };
    await client.call("create-role", body).catch((error) => (retriedIntoItself(error) ? undefined : Promise.reject(error)));
    try {
        return rulesOf(await client.call("get-role", { name: inputs.name })).managed;
    } catch (error) {
        await gone(() => client.call("delete-role", { name: inputs.name })).catch(() => undefined);
        throw error;
    }
}

/** An existing role taken over (adopt): its deny rules stay as restrictions; allow rules the plan lacks are removed. */
function adoptedRestrictions(record: RoleRecord, inputs: RoleInputs): ReadRule[] {
    if (record.rules?.admin === true) {
        throw new Error(`Akeyless role ${inputs.name} is an admin role; gitlab-federation does not adopt it as a grant's role: choose another name`);
    }
    const wanted = new Set(inputs.rules.map(ruleKey));
    return rulesOf(record).managed.filter((r) => r.capabilities.includes("deny") && !wanted.has(ruleKey(r)));
}

async function setRoleProtection(client: AkeylessClient, inputs: RoleInputs): Promise<void> {
    const live = await client.call("get-role", { name: inputs.name });
    if ((live.delete_protection ?? false) !== inputs.deleteProtection) {
        await client.call("update-role", { name: inputs.name, delete_protection: String(inputs.deleteProtection) as "true" | "false" });
    }
}

export function roleImplementation(clientFor: ClientFactory): ResourceImplementation {
    const outsOf = async (client: AkeylessClient, inputs: RoleInputs, restricted: readonly ReadRule[]) =>
        roleState(await client.call("get-role", { name: inputs.name }), inputs.name, client.apiUrl, inputs.adopt, restricted).outs;
    return {
        check: async (_olds, news) => checkWith(RoleInputs, news),
        diff: async (_id, olds, news) => diffWith(olds, news, ["apiUrl", "name", "rules", "deleteProtection"], ["name"]),
        create: async (props) => {
            const inputs = RoleInputs.parse(strip(props));
            const client = clientFor(inputs.apiUrl);
            const existing = await maybe(() => client.call("get-role", { name: inputs.name }));
            if (existing !== undefined && !inputs.adopt) {
                throw existsError("role", inputs.name);
            }
            const restricted = existing === undefined ? await createRole(client, inputs) : adoptedRestrictions(existing, inputs);
            try {
                await applyRules(client, inputs, restricted);
                await setRoleProtection(client, inputs);
                return { id: inputs.name, outs: await outsOf(client, inputs, restricted) };
            } catch (error) {
                if (existing === undefined) {
                    await gone(() => client.call("delete-role", { name: inputs.name })).catch(() => undefined);
                }
                throw error;
            }
        },
        read: async (id, props = {}) => {
            const client = clientFor(typeof props.apiUrl === "string" ? props.apiUrl : DEFAULT_API_URL);
            const record = await maybe(() => client.call("get-role", { name: id }));
            const state = record === undefined ? undefined : roleState(record, id, client.apiUrl, props.adopt === true, restrictedOf(props));
            return state === undefined ? {} : { id, props: state.outs, inputs: state.inputs };
        },
        update: async (_id, olds, news) => {
            const inputs = RoleInputs.parse(strip(news));
            const client = clientFor(inputs.apiUrl);
            const restricted = restrictedOf(olds);
            await applyRules(client, inputs, restricted);
            await setRoleProtection(client, inputs);
            return { outs: await outsOf(client, inputs, restricted) };
        },
        delete: async (id, props) => {
            try {
                await gone(() => clientFor(String(props.apiUrl ?? DEFAULT_API_URL)).call("delete-role", { name: id }));
            } catch (error) {
                throw props.deleteProtection === true ? new Error(`${(error as Error).message} (the role has delete protection: set deleteProtection to false and run pulumi up before deleting it)`) : error;
            }
        },
    };
}

// ---------------------------------------------------------------------------------------------
// The role-auth method association with its sub-claims (terraform-provider-akeyless
// resource_assoc_role_am.go; read through describe-role-am-assoc, which needs only the id).

/** Names as Akeyless may return them: with or without the leading "/" (terraform-provider-akeyless common.DiffSuppressOnLeadingSlash). */
function sameName(a: string, b: string): boolean {
    return a.replace(/^\/+/, "") === b.replace(/^\/+/, "");
}

function wireSubClaims(subClaims: Readonly<Record<string, readonly string[]>>): Record<string, string> {
    return Object.fromEntries(Object.entries(subClaims).map(([claim, values]) => [claim, values.join(",")]));
}

/** The association as read; the role and auth method names as the state wrote them when they are the same names. */
function associationState(record: AssociationRecord, apiUrl: string, adopt: boolean, props: Props) {
    const name = (read: string, written: unknown) => (typeof written === "string" && sameName(read, written) ? written : read);
    const claims = record.auth_method_sub_claims ?? {};
    const inputs = {
        apiUrl,
        adopt,
        roleName: name(record.role_name, props.roleName),
        authMethodName: name(record.auth_method_name, props.authMethodName),
        subClaims: Object.fromEntries(Object.keys(claims).sort().map((k) => [k, [...new Set(claims[k])].sort()])),
    };
    return { inputs, outs: { ...inputs, assocId: record.assoc_id, caseSensitive: record.sub_claims_case_sensitive ?? false, withOperators: record.is_subclaims_with_operator ?? false } };
}

/** The association to write to: a new one, or with adopt the one existing association of the role with the auth method. */
async function associationFor(client: AkeylessClient, inputs: AssociationInputs): Promise<{ id: string; created: boolean }> {
    const existingIds = async () => {
        const role = await maybe(() => client.call("get-role", { name: inputs.roleName }));
        if (role === undefined) {
            throw new Error(`Akeyless role ${inputs.roleName} does not exist; the association needs the role first`);
        }
        return (role.role_auth_methods_assoc ?? []).filter((a) => sameName(a.auth_method_name ?? "", inputs.authMethodName)).map((a) => a.assoc_id);
    };
    const existing = await existingIds();
    if (existing.length > 0 && !inputs.adopt) {
        throw new Error(`Akeyless role ${inputs.roleName} already has association ${existing.join(", ")} with auth method ${inputs.authMethodName}, which would grant the role beside this one; set adopt to true to take it over, or delete it in Akeyless`);
    }
    if (existing.length > 1) {
        throw new Error(`Akeyless role ${inputs.roleName} has ${existing.length} associations with auth method ${inputs.authMethodName} (${existing.join(", ")}); delete all but one before adopting`);
    }
    if (existing.length === 1) {
        return { id: existing[0]!, created: false };
    }
    const body = { "role-name": inputs.roleName, "am-name": inputs.authMethodName, "sub-claims": wireSubClaims(inputs.subClaims), "case-sensitive": "true" as const };
    try {
        return { id: (await client.call("assoc-role-am", body)).assoc_id, created: true };
    } catch (error) {
        const mine = retriedIntoItself(error) ? await existingIds() : [];
        if (mine.length !== 1) {
            throw error;
        }
        return { id: mine[0]!, created: true };
    }
}

export function associationImplementation(clientFor: ClientFactory): ResourceImplementation {
    /** Writes the sub-claims (case-sensitive) unless just created with them, reads back, and insists on case-sensitive matching. */
    const settle = async (client: AkeylessClient, id: string, inputs: AssociationInputs, write: boolean) => {
        if (write) {
            await client.call("update-assoc", { "assoc-id": id, "sub-claims": wireSubClaims(inputs.subClaims), "case-sensitive": "true" });
        }
        const outs = associationState(await client.call("describe-role-am-assoc", { "assoc-id": id }), client.apiUrl, inputs.adopt, inputs).outs;
        if (!outs.caseSensitive) {
            throw new Error(`Akeyless association ${id} still matches sub-claims case-insensitively after the update; gitlab-federation needs case-sensitive matching: fix it in Akeyless`);
        }
        return outs;
    };
    return {
        check: async (_olds, news) => checkWith(AssociationInputs, news),
        diff: async (_id, olds, news) => diffWith(olds, news, ["apiUrl", "roleName", "authMethodName", "subClaims"], ["roleName", "authMethodName"], olds.caseSensitive === true ? [] : ["caseSensitive"]),
        create: async (props) => {
            const inputs = AssociationInputs.parse(strip(props));
            const client = clientFor(inputs.apiUrl);
            const { id, created } = await associationFor(client, inputs);
            try {
                return { id, outs: await settle(client, id, inputs, !created) };
            } catch (error) {
                if (created) {
                    await gone(() => client.call("delete-assoc", { "assoc-id": id })).catch(() => undefined);
                }
                throw error;
            }
        },
        read: async (id, props = {}) => {
            const client = clientFor(typeof props.apiUrl === "string" ? props.apiUrl : DEFAULT_API_URL);
            const record = await maybe(() => client.call("describe-role-am-assoc", { "assoc-id": id }));
            const state = record === undefined ? undefined : associationState(record, client.apiUrl, props.adopt === true, props);
            return state === undefined ? {} : { id, props: state.outs, inputs: state.inputs };
        },
        update: async (id, _olds, news) => {
            const inputs = AssociationInputs.parse(strip(news));
            return { outs: await settle(clientFor(inputs.apiUrl), id, inputs, true) };
        },
        delete: async (id, props) => gone(() => clientFor(String(props.apiUrl ?? DEFAULT_API_URL)).call("delete-assoc", { "assoc-id": id })),
    };
}

/** The implementations the dynamic providers run (provider.ts), on the real client; retries are reported on stderr. */
export function implementations(clientFor: ClientFactory = (apiUrl) => new AkeylessClient({ apiUrl, log: (line) => console.warn(line) })) {
    return { authMethod: authMethodImplementation(clientFor), role: roleImplementation(clientFor), association: associationImplementation(clientFor) };
}
