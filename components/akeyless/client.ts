/**
 * A small typed client of Akeyless's REST API on Node's global fetch (no SDK: npm `akeyless` is
 * an untyped generated client that drags build tools in as runtime dependencies, and every
 * command has the same shape). Every call is `POST <apiUrl>/<command>` with a JSON body that the
 * command's zod schema checks before sending (api.ts); the admin token goes into the body.
 *
 * Credentials come from the environment at call time, never from arguments, and never reach a
 * log or an error message (see `credentialsFrom`). Logins are cached per process and per
 * credential, so concurrent resource operations in one provider process log in once.
 *
 * Errors map to classes by HTTP status. Akeyless declares only `200` and a default
 * `errorResponse` per operation (akeyless-go api/openapi.yaml); the statuses the target keys on
 * come from terraform-provider-akeyless, which treats 404 as "gone" (resource_role.go `getRole`,
 * resource_auth_method_oauth2.go `resourceAuthMethodOauth2Read`) and 409 on `assoc-role-am` as
 * "already exists" (resource_role.go `addRoleAssocs`). Rate limiting (429) is not documented
 * anywhere: it is retried after Retry-After, within bounds, like 5xx and network failures.
 */
import { createHash } from "node:crypto";
import { httpsUrlProblem } from "../../src/core/rules";
import { COMMANDS, type Command, DEFAULT_API_URL, type RequestOf, type ResponseOf } from "./api";

/** Environment variables the client reads its credentials from (never logged). */
export const CREDENTIAL_VARIABLES = {
    token: "AKEYLESS_TOKEN",
    accessId: "AKEYLESS_ACCESS_ID",
    accessKey: "AKEYLESS_ACCESS_KEY",
    jwt: "AKEYLESS_JWT",
} as const;

export type Credentials =
    | { readonly kind: "token"; readonly token: string }
    | { readonly kind: "access_key"; readonly accessId: string; readonly accessKey: string }
    | { readonly kind: "jwt"; readonly accessId: string; readonly jwt: string };

type Env = Readonly<Record<string, string | undefined>>;

/** Requests per call at most (the first and 4 retries). */
export const DEFAULT_ATTEMPTS = 5;
/** Longest wait a Retry-After may ask for; a longer one fails at once. */
export const MAX_RETRY_AFTER_MS = 30_000;
/** Backoff before retry n (1-based): 0.5 s, 1 s, 2 s, 4 s, then 8 s. */
export function backoffMs(retry: number): number {
    return Math.min(500 * 2 ** (retry - 1), 8_000);
}
/** A request that has not answered after this long is a network failure (and retried). */
const REQUEST_TIMEOUT_MS = 30_000;
/** Most pages a list call follows (a guard against a server that never ends). */
const MAX_PAGES = 1_000;

export class CredentialsError extends Error {
    override readonly name = "CredentialsError";
}

/** A failed command: which, the HTTP status (none for a network failure), Akeyless's message, and after how many requests. */
export class AkeylessError extends Error {
    constructor(
        readonly command: Command,
        readonly status: number | undefined,
        readonly detail: string,
        readonly attempts: number,
        what: string,
    ) {
        super(`Akeyless ${command}: ${what}${status === undefined ? "" : ` (HTTP ${status})`}${detail === "" ? "" : `: ${detail}`}${attempts > 1 ? ` (after ${attempts} requests)` : ""}`);
        this.name = new.target.name;
    }
}
export class NotFoundError extends AkeylessError {}
/** 409. When `attempts` > 1, an earlier request of the same call may have created the object. */
export class AlreadyExistsError extends AkeylessError {}
export class UnauthorizedError extends AkeylessError {}
export class RateLimitedError extends AkeylessError {}
export class ServerError extends AkeylessError {}
export class RequestError extends AkeylessError {}
export class NetworkError extends AkeylessError {}
export class ResponseError extends AkeylessError {}

/**
 * The credentials in `env`: a ready token (AKEYLESS_TOKEN), or AKEYLESS_ACCESS_ID with exactly
 * one of AKEYLESS_ACCESS_KEY (an API key) or AKEYLESS_JWT (a GitLab ID token for an OAuth2/JWT
 * auth method, the keyless way). Anything else is refused, naming the variables that are set.
 */
export function credentialsFrom(env: Env): Credentials {
    const v = CREDENTIAL_VARIABLES;
    const set = (Object.values(v) as string[]).filter((name) => (env[name] ?? "") !== "");
    const how = `set ${v.token} alone, or ${v.accessId} with ${v.accessKey} or with ${v.jwt}`;
    if (set.includes(v.token)) {
        if (set.some((name) => name === v.accessKey || name === v.jwt)) {
            throw new CredentialsError(`Akeyless credentials are ambiguous: ${set.join(", ")} are set; ${how}`);
        }
        return { kind: "token", token: env[v.token]! };
    }
    const secrets = set.filter((name) => name === v.accessKey || name === v.jwt);
    if (!set.includes(v.accessId) || secrets.length !== 1) {
        throw new CredentialsError(`Akeyless credentials are missing or ambiguous (set: ${set.length === 0 ? "none" : set.join(", ")}); ${how}`);
    }
    const accessId = env[v.accessId]!;
    return secrets[0] === v.accessKey ? { kind: "access_key", accessId, accessKey: env[v.accessKey]! } : { kind: "jwt", accessId, jwt: env[v.jwt]! };
}

/** The secret strings of credentials: redacted from every message. */
function secretsOf(credentials: Credentials): string[] {
    return credentials.kind === "token" ? [credentials.token] : [credentials.kind === "jwt" ? credentials.jwt : credentials.accessKey];
}

/** The Akeyless API's base URL: https, or http to the loopback interface only (a test server, a local tunnel). */
export function apiUrlProblem(url: string): string | undefined {
    if (/^http:\/\/(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?(?:\/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-])?$/.test(url)) {
        return undefined;
    }
    return httpsUrlProblem(url, "commands are sent to <url>/<command>", "every request carries the admin token, so only TLS (or the loopback interface) is allowed");
}

interface CachedLogin {
    readonly token: Promise<string>;
    expiresAt?: number;
}

/** Logins of this process, by API URL and credential (a hash of the secret, never the secret). */
const logins = new Map<string, CachedLogin>();

function loginKey(apiUrl: string, credentials: Credentials): string {
    const secret = secretsOf(credentials)[0]!;
    const id = credentials.kind === "token" ? "" : credentials.accessId;
    return [apiUrl, credentials.kind, id, createHash("sha256").update(secret).digest("hex")].join("\n");
}

/** Forgets every cached login (tests; a long-lived process after rotating credentials). */
export function forgetLogins(): void {
    logins.clear();
}

export interface ClientOptions {
    /** Default https://api.akeyless.io; a Gateway's API URL otherwise. */
    readonly apiUrl?: string;
    /** Where credentials are read, at each login; default `process.env`. */
    readonly env?: () => Env;
    readonly fetch?: typeof fetch;
    readonly sleep?: (ms: number) => Promise<void>;
    /** Requests per call at most; default DEFAULT_ATTEMPTS. */
    readonly attempts?: number;
    /** Receives one line per retry (command, status, wait); never a body or a credential. */
    readonly log?: (line: string) => void;
}

/** Akeyless's message from an error body (`{"error": …}`), else the body's start. */
function detailOf(text: string): string {
    try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed === "object" && parsed !== null && typeof (parsed as { error?: unknown }).error === "string") {
            return (parsed as { error: string }).error;
        }
    } catch {
        // not JSON: use the text
    }
    return text.trim().slice(0, 200);
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
    if (header === null || header.trim() === "") {
        return undefined;
    }
    if (/^\d+$/.test(header.trim())) {
        return Number(header.trim()) * 1000;
    }
    const date = Date.parse(header);
    return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

const ERROR_CLASSES: Record<number, [typeof AkeylessError, string]> = {
    401: [UnauthorizedError, "unauthorized"],
    403: [UnauthorizedError, "forbidden"],
    404: [NotFoundError, "not found"],
    409: [AlreadyExistsError, "already exists"],
};

/** What one HTTP exchange came to: a body, a retry after a wait, or a final error. */
type Outcome = { readonly body: string } | { readonly retryMs: number; readonly error: AkeylessError } | { readonly error: AkeylessError };

export class AkeylessClient {
    readonly apiUrl: string;
    private readonly attempts: number;

    constructor(private readonly options: ClientOptions = {}) {
        this.apiUrl = options.apiUrl ?? DEFAULT_API_URL;
        const problem = apiUrlProblem(this.apiUrl);
        if (problem !== undefined) {
            throw new Error(`Akeyless API URL ${problem}`);
        }
        this.attempts = Math.max(1, options.attempts ?? DEFAULT_ATTEMPTS);
    }

    /** Runs a command with the admin token (a login when needed; once more after a 401 on a cached login). */
    async call<C extends Command>(command: C, body: RequestOf<C>): Promise<ResponseOf<C>> {
        const spec = COMMANDS[command];
        const request = spec.request.parse(body) as Record<string, unknown>;
        if (!spec.token) {
            return this.send(command, request, secretsOfRequest(request));
        }
        const credentials = credentialsFrom(this.env());
        const secrets = secretsOf(credentials);
        const token = await this.token(credentials);
        try {
            return await this.send(command, { ...request, token }, [...secrets, token]);
        } catch (error) {
            if (!(error instanceof UnauthorizedError) || error.status !== 401 || credentials.kind === "token") {
                throw error;
            }
            logins.delete(loginKey(this.apiUrl, credentials));
            const fresh = await this.token(credentials);
            return this.send(command, { ...request, token: fresh }, [...secrets, fresh]);
        }
    }

    /** Every item of a paginated list command, following `next_page` (ListRolesOutput, ListAuthMethodsOutput). */
    async listAll<C extends "list-roles" | "auth-method-list">(command: C, body: RequestOf<C>): Promise<ResponseOf<C>[]> {
        const pages: ResponseOf<C>[] = [];
        const seen = new Set<string>();
        let next: string | undefined;
        do {
            const page = await this.call(command, { ...body, ...(next === undefined ? {} : { "pagination-token": next }) } as RequestOf<C>);
            pages.push(page);
            next = page.next_page ?? undefined;
            if (next === "" || next === undefined) {
                return pages;
            }
            if (seen.has(next) || pages.length >= MAX_PAGES) {
                throw new ResponseError(command, undefined, `next_page ${JSON.stringify(next)} repeats or the list exceeds ${MAX_PAGES} pages`, pages.length, "pagination does not end");
            }
            seen.add(next);
        } while (true);
    }

    /** The admin token for these credentials: the ready one, or a cached or fresh login. */
    async token(credentials: Credentials = credentialsFrom(this.env())): Promise<string> {
        if (credentials.kind === "token") {
            return credentials.token;
        }
        const key = loginKey(this.apiUrl, credentials);
        const cached = logins.get(key);
        if (cached !== undefined && (cached.expiresAt === undefined || cached.expiresAt > Date.now())) {
            return cached.token;
        }
        const login: CachedLogin = { token: this.login(credentials).then(({ token, expiresAt }) => ((login.expiresAt = expiresAt), token)) };
        logins.set(key, login);
        login.token.catch(() => logins.get(key) === login && logins.delete(key));
        return login.token;
    }

    private async login(credentials: Exclude<Credentials, { kind: "token" }>): Promise<{ token: string; expiresAt: number | undefined }> {
        const body =
            credentials.kind === "jwt"
                ? ({ "access-type": "jwt", "access-id": credentials.accessId, jwt: credentials.jwt } as const)
                : ({ "access-type": "access_key", "access-id": credentials.accessId, "access-key": credentials.accessKey } as const);
        const out = await this.call("auth", body);
        // The expiration's format is not documented; a minute's margin when it parses, else until a 401.
        const expires = Date.parse(out.expiration ?? "");
        return { token: out.token, expiresAt: Number.isFinite(expires) ? expires - 60_000 : undefined };
    }

    private env(): Env {
        return this.options.env?.() ?? process.env;
    }

    /** Sends a body, retrying 429, 5xx and network failures a bounded number of times; parses the answer. */
    private async send<C extends Command>(command: C, body: Record<string, unknown>, secrets: readonly string[]): Promise<ResponseOf<C>> {
        for (let attempt = 1; ; attempt++) {
            const outcome = await this.exchange(command, body, attempt, secrets);
            if ("body" in outcome) {
                return this.parse(command, outcome.body, attempt);
            }
            if (!("retryMs" in outcome) || attempt >= this.attempts) {
                throw outcome.error;
            }
            this.options.log?.(`Akeyless ${command}: ${outcome.error.status === undefined ? "network failure" : `HTTP ${outcome.error.status}`}, retrying in ${outcome.retryMs / 1000} s (request ${attempt + 1} of ${this.attempts})`);
            await (this.options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))))(outcome.retryMs);
        }
    }

    private async exchange(command: Command, body: Record<string, unknown>, attempt: number, secrets: readonly string[]): Promise<Outcome> {
        let response: Response;
        try {
            response = await (this.options.fetch ?? fetch)(`${this.apiUrl}/${command}`, {
                method: "POST",
                headers: { "Content-Type": "application/json", Accept: "application/json" },
                body: JSON.stringify(body),
                signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
            });
        } catch (cause) {
            const error = new NetworkError(command, undefined, redact(String((cause as Error)?.message ?? cause), secrets), attempt, "no answer");
            return { retryMs: backoffMs(attempt), error };
        }
        const text = await response.text();
        if (response.ok) {
            return { body: text };
        }
        return classify(command, response, redact(detailOf(text), secrets), attempt);
    }

    private parse<C extends Command>(command: C, text: string, attempts: number): ResponseOf<C> {
        let json: unknown;
        try {
            json = text.trim() === "" ? {} : JSON.parse(text);
        } catch {
            throw new ResponseError(command, 200, "the body is not JSON", attempts, "unreadable answer");
        }
        const parsed = COMMANDS[command].response.safeParse(json);
        if (!parsed.success) {
            const issue = parsed.error.issues[0]!;
            throw new ResponseError(command, 200, `${issue.path.join(".") || "(body)"}: ${issue.message}`, attempts, "unexpected answer");
        }
        return parsed.data as ResponseOf<C>;
    }
}

/** The outcome of a non-2xx answer: 429 and 5xx are retried (429 after Retry-After, up to MAX_RETRY_AFTER_MS). */
function classify(command: Command, response: Response, detail: string, attempt: number): Outcome {
    const status = response.status;
    if (status === 429) {
        const asked = retryAfterMs(response.headers.get("retry-after"));
        if (asked !== undefined && asked > MAX_RETRY_AFTER_MS) {
            return { error: new RateLimitedError(command, status, detail, attempt, `rate limited; Retry-After asks for ${asked / 1000} s, more than the ${MAX_RETRY_AFTER_MS / 1000} s this client waits`) };
        }
        return { retryMs: asked ?? backoffMs(attempt), error: new RateLimitedError(command, status, detail, attempt, "rate limited") };
    }
    if (status >= 500) {
        return { retryMs: backoffMs(attempt), error: new ServerError(command, status, detail, attempt, "server error") };
    }
    const [Class, what] = ERROR_CLASSES[status] ?? [RequestError, "request refused"];
    return { error: new Class(command, status, detail, attempt, what) };
}

/** The credential fields of a login body (access-key, jwt): redacted from its errors. */
function secretsOfRequest(body: Record<string, unknown>): string[] {
    return ["access-key", "jwt"].map((field) => body[field]).filter((value): value is string => typeof value === "string");
}

function redact(text: string, secrets: readonly string[]): string {
    return secrets.filter((s) => s.length > 0).reduce((out, secret) => out.split(secret).join("[redacted]"), text);
}
