/**
 * A fake Akeyless on the loopback interface, speaking the documented wire shapes (see
 * components/akeyless/api.ts): `POST /<command>` with a JSON body, admin token in the body,
 * `{"error": …}` on failure, 404 for a missing object, 409 for an existing one, 401 for a bad
 * login or token. It keeps auth methods, roles and associations in memory.
 *
 * Every request body is checked twice: against the client's zod request schema and against the
 * field names of Akeyless's published API description (openapi-fields.json, an excerpt): a field
 * the model lacks, or a missing required field, is recorded in `violations` and answered 400.
 *
 * Faults are queued per command (`fail`) and answered after the body was checked: 429 with an
 * optional Retry-After, 5xx, or any status. Lists are paginated (`pageSize`), `next_page` empty
 * on the last page.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { COMMANDS, type Command } from "../../../components/akeyless/api";

interface Fields {
    readonly operation: string;
    readonly required: readonly string[];
    readonly fields: readonly string[];
}
export const OPENAPI_FIELDS = (JSON.parse(readFileSync("test/components/akeyless/openapi-fields.json", "utf8")) as { commands: Record<string, Fields> }).commands;

export interface AuthMethodState {
    name: string;
    accessId: string;
    uniqueIdentifier: string;
    jwksUri: string;
    issuer: string;
    audience: string;
    forceSubClaims: boolean;
    jwtTtl: number;
    boundIps: string[];
    delimiters: string[];
    description: string;
    deleteProtection: boolean;
}
export interface RuleState {
    type: string;
    path: string;
    capabilities: string[];
}
export interface RoleState {
    name: string;
    deleteProtection: boolean;
    rules: RuleState[];
}
export interface AssociationState {
    id: string;
    role: string;
    authMethod: string;
    subClaims: Record<string, string[]>;
    caseSensitive: boolean;
}
export interface Fault {
    readonly status: number;
    readonly retryAfter?: string;
    readonly error?: string;
    /** The request takes effect first; only its answer is the fault (an answer lost on the way). */
    readonly after?: boolean;
}
export interface Recorded {
    readonly command: string;
    /** The body with token, access-key and jwt replaced by "<redacted>". */
    readonly body: Record<string, unknown>;
}

/** Commands that change something. */
export const WRITES: readonly string[] = Object.keys(COMMANDS).filter((c) => !/^(auth|auth-method-get|get-role|auth-method-list|list-roles|describe-role-am-assoc)$/.test(c));

class Answer {
    constructor(
        readonly status: number,
        readonly body: unknown,
        readonly headers: Record<string, string> = {},
    ) {}
}
const error = (status: number, message: string) => new Answer(status, { error: message });
const ok = (body: unknown = {}) => new Answer(200, body);

function random(length: number): string {
    return randomBytes(length).toString("hex").slice(0, length);
}

export class FakeAkeyless {
    url = "";
    readonly requests: Recorded[] = [];
    readonly violations: string[] = [];
    readonly authMethods = new Map<string, AuthMethodState>();
    readonly roles = new Map<string, RoleState>();
    readonly associations = new Map<string, AssociationState>();
    /** The API key the admin logs in with. */
    readonly admin = { accessId: "p-adminadmin01", accessKey: `key-${random(24)}` };
    /** ID tokens accepted by `auth` with access-type jwt, by access id. */
    readonly jwts = new Map<string, string>();
    /** Rules every new role gets (an account's deny restrictions). */
    accountRules: RuleState[] = [];
    pageSize = 2;
    /** Auth method fields an update leaves as they were (as if Akeyless patched them), to test read-back checks. */
    readonly ignoreAuthMethodFields = new Set<string>();
    /** `creds.token` in auth answers: the same token, or another value. */
    credsToken: "same" | "other" = "same";
    private readonly tokens = new Set<string>();
    private readonly faults = new Map<string, Fault[]>();
    private readonly server = createServer((req, res) => void this.serve(req, res));

    async start(): Promise<this> {
        await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
        return this;
    }

    close(): Promise<void> {
        this.server.closeAllConnections();
        return new Promise((resolve) => this.server.close(() => resolve()));
    }

    /** Answers the next requests of `command` with these faults, in order. */
    fail(command: Command, ...faults: Fault[]): void {
        this.faults.set(command, [...(this.faults.get(command) ?? []), ...faults]);
    }

    /** Invalidates every issued token (as on expiry). */
    expireTokens(): void {
        this.tokens.clear();
    }

    /** Commands of the requests that write, in order. */
    writes(): string[] {
        return this.requests.map((r) => r.command).filter((c) => WRITES.includes(c));
    }

    commands(): string[] {
        return this.requests.map((r) => r.command);
    }

    private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const chunks: Buffer[] = [];
        for await (const chunk of req) {
            chunks.push(chunk as Buffer);
        }
        const answer = this.answer(req.method ?? "", (req.url ?? "/").slice(1), Buffer.concat(chunks).toString("utf8"));
        res.writeHead(answer.status, { "Content-Type": "application/json", ...answer.headers });
        res.end(JSON.stringify(answer.body));
    }

    private answer(method: string, command: string, text: string): Answer {
        if (method !== "POST" || !Object.hasOwn(COMMANDS, command)) {
            return error(404, `unknown command ${method} /${command}`);
        }
        let body: Record<string, unknown>;
        try {
            body = JSON.parse(text) as Record<string, unknown>;
        } catch {
            return error(400, "the body is not JSON");
        }
        this.requests.push({ command, body: Object.fromEntries(Object.entries(body).map(([k, v]) => [k, ["token", "access-key", "jwt"].includes(k) ? "<redacted>" : v])) });
        const violation = this.violation(command as Command, body);
        if (violation !== undefined) {
            this.violations.push(`${command}: ${violation}`);
            return error(400, violation);
        }
        const fault = this.faults.get(command)?.shift();
        if (fault !== undefined && fault.after !== true) {
            return new Answer(fault.status, { error: fault.error ?? `injected ${fault.status}` }, fault.retryAfter === undefined ? {} : { "Retry-After": fault.retryAfter });
        }
        if (COMMANDS[command as Command].token && !this.tokens.has(String(body.token))) {
            return error(401, "access denied: the token is invalid or expired");
        }
        const answer = this.handle(command as Command, body);
        return fault === undefined ? answer : new Answer(fault.status, { error: fault.error ?? `injected ${fault.status}` });
    }

    /** The body against the published field names and against the client's schema. */
    private violation(command: Command, body: Record<string, unknown>): string | undefined {
        const spec = OPENAPI_FIELDS[command]!;
        const unknown = Object.keys(body).filter((k) => !spec.fields.includes(k));
        const missing = spec.required.filter((k) => !(k in body));
        if (unknown.length > 0 || missing.length > 0) {
            return `fields not in the ${spec.operation} model: [${unknown.join(", ")}], required fields missing: [${missing.join(", ")}]`;
        }
        const { token, ...rest } = body;
        const parsed = COMMANDS[command].request.safeParse(rest);
        if (!parsed.success || (COMMANDS[command].token && typeof token !== "string")) {
            return `the body does not match the ${command} request schema: ${parsed.success ? "token missing" : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`;
        }
        return undefined;
    }

    private handle(command: Command, b: Record<string, any>): Answer {
        switch (command) {
            case "auth":
                return this.login(b);
            case "auth-method-create-oauth2":
            case "auth-method-update-oauth2":
                return this.writeAuthMethod(command, b);
            case "auth-method-get":
                return this.withAuthMethod(b.name, (am) => ok(this.authMethodRecord(am)));
            case "auth-method-delete":
                return this.withAuthMethod(b.name, (am) => this.remove(am.deleteProtection, `auth method ${am.name}`, () => this.dropAuthMethod(am.name)));
            case "auth-method-list":
                return this.page([...this.authMethods.values()].filter((am) => am.name.includes(b.filter ?? "")).map((am) => this.authMethodRecord(am)), b["pagination-token"], "auth_methods");
            case "list-roles":
                return this.page([...this.roles.values()].filter((r) => r.name.includes(b.filter ?? "")).map((r) => this.roleRecord(r)), b["pagination-token"], "roles");
            default:
                return this.handleRole(command, b);
        }
    }

    private handleRole(command: Command, b: Record<string, any>): Answer {
        switch (command) {
            case "create-role":
                if (this.roles.has(b.name)) {
                    return error(409, `role ${b.name} already exists`);
                }
                this.roles.set(b.name, { name: b.name, deleteProtection: b.delete_protection === "true", rules: this.accountRules.map((r) => ({ ...r })) });
                return ok({});
            case "update-role":
                return this.withRole(b.name, (role) => ((role.deleteProtection = b.delete_protection === "true"), ok({ updated: true })));
            case "get-role":
                return this.withRole(b.name, (role) => ok(this.roleRecord(role)));
            case "delete-role":
                return this.withRole(b.name, (role) => this.remove(role.deleteProtection, `role ${role.name}`, () => this.dropRole(role.name)));
            case "set-role-rule":
                return this.withRole(b["role-name"], (role) => {
                    role.rules = [...role.rules.filter((r) => !(r.type === b["rule-type"] && r.path === b.path)), { type: b["rule-type"], path: b.path, capabilities: [...b.capability] }];
                    return ok({});
                });
            case "delete-role-rule":
                return this.withRole(b["role-name"], (role) => {
                    const before = role.rules.length;
                    role.rules = role.rules.filter((r) => !(r.type === b["rule-type"] && r.path === b.path));
                    return before === role.rules.length ? error(404, `rule ${b.path} not found`) : ok({ deleted: true, result: "" });
                });
            default:
                return this.handleAssociation(command, b);
        }
    }

    private handleAssociation(command: Command, b: Record<string, any>): Answer {
        switch (command) {
            case "assoc-role-am":
                return this.associate(b);
            case "update-assoc":
                return this.withAssociation(b["assoc-id"], (a) => ((a.subClaims = parseSubClaims(b["sub-claims"])), (a.caseSensitive = b["case-sensitive"] === "true"), ok({})));
            case "delete-assoc":
                return this.withAssociation(b["assoc-id"], (a) => (this.associations.delete(a.id), ok({})));
            case "describe-role-am-assoc":
                return this.withAssociation(b["assoc-id"], (a) => ok({ ...this.associationRecord(a), role_name: a.role, is_subclaims_with_operator: false }));
            default:
                return error(500, `unhandled ${command}`);
        }
    }

    private login(b: Record<string, any>): Answer {
        const good = b["access-type"] === "access_key" ? b["access-id"] === this.admin.accessId && b["access-key"] === this.admin.accessKey : this.jwts.get(b["access-id"]) === b.jwt;
        if (!good) {
            return error(401, "access denied: wrong access id or credentials");
        }
        const token = `t-${random(32)}`;
        this.tokens.add(token);
        const expiration = new Date(Date.now() + 3_600_000).toISOString();
        return ok({ token, expiration, creds: { access_id: b["access-id"], token: this.credsToken === "same" ? token : `t-${random(32)}`, expiry: 0 } });
    }

    private writeAuthMethod(command: Command, b: Record<string, any>): Answer {
        const existing = this.authMethods.get(b.name);
        if (command === "auth-method-create-oauth2" ? existing !== undefined : existing === undefined) {
            return existing === undefined ? error(404, `auth method ${b.name} not found`) : error(409, `auth method ${b.name} already exists`);
        }
        const state: AuthMethodState = {
            name: b["new-name"] ?? b.name,
            accessId: existing?.accessId ?? `p-${random(12)}`,
            uniqueIdentifier: b["unique-identifier"],
            jwksUri: b["jwks-uri"] ?? "",
            issuer: b.issuer ?? "",
            audience: b.audience ?? "",
            forceSubClaims: existing !== undefined && this.ignoreAuthMethodFields.has("force-sub-claims") ? existing.forceSubClaims : (b["force-sub-claims"] ?? false),
            jwtTtl: b["jwt-ttl"] ?? 60,
            boundIps: b["bound-ips"] ?? [],
            delimiters: existing !== undefined && this.ignoreAuthMethodFields.has("subclaims-delimiters") ? existing.delimiters : (b["subclaims-delimiters"] ?? []),
            description: b.description ?? "",
            deleteProtection: b.delete_protection === "true",
        };
        this.authMethods.delete(b.name);
        this.authMethods.set(state.name, state);
        return ok(command === "auth-method-create-oauth2" ? { access_id: state.accessId, name: state.name } : { name: state.name });
    }

    private associate(b: Record<string, any>): Answer {
        const role = this.roles.get(b["role-name"]);
        const am = this.authMethods.get(b["am-name"]);
        if (role === undefined || am === undefined) {
            return error(404, `${role === undefined ? "role" : "auth method"} not found`);
        }
        const subClaims = parseSubClaims(b["sub-claims"]);
        if (am.forceSubClaims && Object.keys(subClaims).length === 0) {
            return error(400, "the auth method requires sub-claims");
        }
        const twin = [...this.associations.values()].find((a) => a.role === role.name && a.authMethod === am.name && JSON.stringify(a.subClaims) === JSON.stringify(subClaims));
        if (twin !== undefined) {
            return error(409, `association ${twin.id} already exists`);
        }
        const id = `ass-${random(20)}`;
        this.associations.set(id, { id, role: role.name, authMethod: am.name, subClaims, caseSensitive: b["case-sensitive"] !== "false" });
        return ok({ assoc_id: id });
    }

    private remove(protectedObject: boolean, what: string, drop: () => void): Answer {
        if (protectedObject) {
            return error(400, `${what} is protected from deletion`);
        }
        drop();
        return ok({});
    }

    private dropAuthMethod(name: string): void {
        this.authMethods.delete(name);
        [...this.associations.values()].filter((a) => a.authMethod === name).forEach((a) => this.associations.delete(a.id));
    }

    private dropRole(name: string): void {
        this.roles.delete(name);
        [...this.associations.values()].filter((a) => a.role === name).forEach((a) => this.associations.delete(a.id));
    }

    private withAuthMethod(name: string, then: (am: AuthMethodState) => Answer): Answer {
        const am = this.authMethods.get(name);
        return am === undefined ? error(404, `auth method ${name} not found`) : then(am);
    }

    private withRole(name: string, then: (role: RoleState) => Answer): Answer {
        const role = this.roles.get(name);
        return role === undefined ? error(404, `role ${name} not found`) : then(role);
    }

    private withAssociation(id: string, then: (a: AssociationState) => Answer): Answer {
        const a = this.associations.get(id);
        return a === undefined ? error(404, `association ${id} not found`) : then(a);
    }

    private page(items: unknown[], token: string | undefined, key: string): Answer {
        const start = token === undefined ? 0 : Number(Buffer.from(token, "base64").toString("utf8"));
        const end = start + this.pageSize;
        return ok({ [key]: items.slice(start, end), next_page: end < items.length ? Buffer.from(String(end)).toString("base64") : "" });
    }

    private authMethodRecord(am: AuthMethodState): Record<string, unknown> {
        return {
            auth_method_name: am.name,
            auth_method_access_id: am.accessId,
            description: am.description,
            delete_protection: am.deleteProtection,
            access_info: {
                jwt_ttl: am.jwtTtl,
                force_sub_claims: am.forceSubClaims,
                cidr_whitelist: am.boundIps.join(","),
                sub_claims_delimiters: am.delimiters.length === 0 ? null : am.delimiters,
                oauth2_access_rules: { jwks_uri: am.jwksUri, issuer: am.issuer, audience: am.audience, unique_identifier: am.uniqueIdentifier, bound_clients_id: null },
            },
            auth_method_roles_assoc: [...this.associations.values()].filter((a) => a.authMethod === am.name).map((a) => ({ assoc_id: a.id, role_name: a.role, auth_method_sub_claims: a.subClaims })),
        };
    }

    private roleRecord(role: RoleState): Record<string, unknown> {
        return {
            role_name: role.name,
            delete_protection: role.deleteProtection,
            rules: { admin: false, path_rules: role.rules.map((r) => ({ type: r.type, path: r.path, capabilities: r.capabilities, ttl: 0 })) },
            role_auth_methods_assoc: [...this.associations.values()].filter((a) => a.role === role.name).map((a) => this.associationRecord(a)),
        };
    }

    private associationRecord(a: AssociationState): Record<string, unknown> {
        return { assoc_id: a.id, auth_method_name: a.authMethod, auth_method_access_id: this.authMethods.get(a.authMethod)?.accessId ?? "", auth_method_sub_claims: a.subClaims, sub_claims_case_sensitive: a.caseSensitive };
    }
}

/** Sub-claims as Akeyless reads them: each value a comma-separated list (docs.akeyless.io "Sub-Claims"). */
function parseSubClaims(wire: Record<string, string> | undefined): Record<string, string[]> {
    return Object.fromEntries(Object.entries(wire ?? {}).map(([k, v]) => [k, v.split(",")]));
}

export async function fakeAkeyless(): Promise<FakeAkeyless> {
    return new FakeAkeyless().start();
}
