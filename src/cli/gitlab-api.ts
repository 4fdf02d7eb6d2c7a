/**
 * GitLab's REST API (v4) for the commands that talk to it (mr-note, verify). A network failure, a
 * server error (5xx) or a rate limit that does not clear is an UnreachableError (exit 7: nothing
 * was decided), never an internal error.
 *
 * Facts relied on (GitLab REST API docs, doc/api/rest/_index.md and troubleshooting.md):
 * - "Pagination", "Offset-based pagination": `per_page` is at most 100; the next page is the
 *   `Link` header's `rel="next"` ("use these links instead of generating your own URLs") or the
 *   `x-next-page` header (empty on the last page); `x-total` is left out above 10,000 records, so
 *   it is never relied on.
 * - "Status codes": 401 "The user isn't authenticated", 403 "The request isn't allowed", 404 "A
 *   resource couldn't be accessed ... or the user isn't authorized to access the resource", 429
 *   "The user exceeded the application rate limits"; error bodies are `{"message": ...}` (a string
 *   or an object) or, for OAuth scope errors, `{"error": "insufficient_scope", ...}`.
 * - doc/administration/settings/user_and_ip_rate_limits.md, "Response headers": a throttled
 *   request (429) carries `Retry-After`, "Remaining duration in seconds until the quota is reset".
 * - doc/api/rest/authentication.md, "Personal/project/group access tokens": every such token
 *   works as `Authorization: Bearer <token>`.
 * - doc/api/rest/_index.md, "Redirects": a moved project's old path may answer 301 with the new
 *   endpoint in `Location` (GitLab 16.7+); it is reported, never followed with the token.
 */
import { z } from "zod";
import type { Fetched } from "../features/verify";
import { UnreachableError } from "./command";
import type { Io } from "./io";

type Http = NonNullable<Io["http"]>;
export type HttpResponse = Awaited<ReturnType<Http>>;

/** What the caller says when GitLab cannot be reached: which request, and what it means for the command. */
export interface Failure {
    /** e.g. "mr-note: listing the notes". */
    readonly what: string;
    /** e.g. "nothing was posted, run the job again". */
    readonly outcome: string;
}

/** One request: a network failure or a server error (5xx) is an UnreachableError. */
export async function request(http: Http, url: string, init: Parameters<Http>[1], failure: Failure): Promise<HttpResponse> {
    let response: HttpResponse;
    try {
        response = await http(url, init);
    } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new UnreachableError(`${failure.what}: cannot reach GitLab at ${new URL(url).origin} (${cause?.code ?? cause?.message ?? (error as Error).message}); ${failure.outcome}`);
    }
    if (response.status >= 500) {
        throw new UnreachableError(`${failure.what}: GitLab answered HTTP ${response.status} (${response.text.slice(0, 200)}); ${failure.outcome}`);
    }
    return response;
}

/** GitLab refused the token itself (401, or 403 for a missing scope): nothing can be checked with it. */
export class TokenRefusedError extends Error {}

/** How often a rate-limited request (429) is sent again, and the longest Retry-After waited for. */
export const RATE_LIMIT = { retries: 3, maxWaitSeconds: 60 } as const;

export interface GitlabApiOptions {
    /** The API's base URL, e.g. https://gitlab.example.com/api/v4. */
    readonly base: string;
    readonly token: string;
    /** Where the token came from, for messages ("GITLAB_TOKEN"). */
    readonly tokenName: string;
    /** The command, for messages ("verify"). */
    readonly command: string;
    /** Waits (429 Retry-After); a test may pass a recorder. */
    readonly sleep?: (seconds: number) => Promise<void>;
}

const OUTCOME = "nothing was decided, run it again";

/** GitLab's error message of a 4xx body: `message` (a string or an object) or `error`. */
function messageOf(text: string): string {
    try {
        const body = JSON.parse(text) as { message?: unknown; error?: unknown; error_description?: unknown };
        const message = body.message ?? body.error_description ?? body.error;
        return typeof message === "string" ? message : JSON.stringify(message);
    } catch {
        return text.slice(0, 200);
    }
}

/** Seconds to wait: Retry-After in seconds (GitLab's form) or an HTTP date; 1 when absent or unreadable. */
export function retryAfterSeconds(header: string | undefined, now = Date.now()): number {
    if (header !== undefined && /^\d+$/.test(header.trim())) {
        return Number(header.trim());
    }
    const date = header !== undefined ? Date.parse(header) : NaN;
    return Number.isNaN(date) ? 1 : Math.max(0, Math.ceil((date - now) / 1000));
}

/** The URL of the next page: Link rel="next" (on the API's own origin only), else x-next-page; undefined on the last page. */
function nextPage(response: HttpResponse, current: string, base: string): string | undefined {
    const link = (response.headers.link ?? "")
        .split(",")
        .map((part) => /^\s*<([^>]*)>\s*;\s*rel="?next"?\s*$/.exec(part)?.[1])
        .find((u) => u !== undefined);
    if (link !== undefined) {
        const next = new URL(link, current);
        if (next.origin !== new URL(base).origin) {
            throw new UnreachableError(`GitLab's next page is on another origin (${next.origin}), and the token goes to ${new URL(base).origin} only; ${OUTCOME}`);
        }
        return next.href;
    }
    const page = (response.headers["x-next-page"] ?? "").trim();
    if (page === "") {
        return undefined;
    }
    const next = new URL(current);
    next.searchParams.set("page", page);
    return next.href;
}

/** GitLab's API with a token: GETs of one resource or of every page of a list. */
export class GitlabApi {
    private readonly headers: Record<string, string>;
    private readonly sleep: (seconds: number) => Promise<void>;

    constructor(
        private readonly http: Http,
        private readonly options: GitlabApiOptions,
    ) {
        this.headers = { Authorization: `Bearer ${options.token}`, Accept: "application/json" };
        this.sleep = options.sleep ?? ((seconds) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000)));
    }

    /** GET one resource (`path` below the base, e.g. /projects/42). */
    async get<T>(path: string, schema: z.ZodType<T>): Promise<Fetched<T>> {
        const url = `${this.options.base}${path}`;
        return this.answer(await this.send(url), url, schema);
    }

    /** GET every page of a list. */
    async list<T>(path: string, schema: z.ZodType<T>): Promise<Fetched<T[]>> {
        const items: T[] = [];
        const seen = new Set<string>();
        for (let url: string | undefined = `${this.options.base}${path}?per_page=100`; url !== undefined; ) {
            if (seen.has(url)) {
                throw new UnreachableError(`${this.options.command}: ${this.shown(url)}: GitLab's next page is one already read; ${OUTCOME}`);
            }
            seen.add(url);
            const response = await this.send(url);
            const page = this.answer(response, url, z.array(schema));
            if (page.missing !== undefined) {
                return page;
            }
            items.push(...page.value);
            try {
                url = nextPage(response, url, this.options.base);
            } catch (error) {
                throw new UnreachableError(`${this.options.command}: ${this.shown(url!)}: ${(error as Error).message}`);
            }
        }
        return { value: items };
    }

    /** The request as messages show it: method and path below the base (never the token). */
    private shown(url: string): string {
        const parsed = new URL(url);
        return `GET ${parsed.pathname.slice(new URL(this.options.base).pathname.length)}${parsed.search}`;
    }

    /** The text without the token: GitLab's answers are printed, and one could echo it. */
    private redact(text: string): string {
        return this.options.token === "" ? text : text.split(this.options.token).join("[token]");
    }

    /** One GET; every error it raises is redacted. */
    private async send(url: string): Promise<HttpResponse> {
        try {
            return await this.attempts(url);
        } catch (error) {
            if (error instanceof UnreachableError) {
                throw new UnreachableError(this.redact(error.message));
            }
            if (error instanceof TokenRefusedError) {
                throw new TokenRefusedError(this.redact(error.message));
            }
            throw error;
        }
    }

    /** One GET, sent again after a 429 when GitLab's Retry-After says, a bounded number of times. */
    private async attempts(url: string): Promise<HttpResponse> {
        for (let attempt = 1; ; attempt++) {
            const response = await request(this.http, url, { method: "GET", headers: this.headers, redirect: "manual" }, { what: `${this.options.command}: ${this.shown(url)}`, outcome: OUTCOME });
            if (response.status !== 429) {
                return this.accepted(response, url);
            }
            const wait = retryAfterSeconds(response.headers["retry-after"]);
            if (attempt > RATE_LIMIT.retries || wait > RATE_LIMIT.maxWaitSeconds) {
                throw new UnreachableError(
                    `${this.options.command}: ${this.shown(url)}: GitLab's rate limit (HTTP 429) after ${attempt} ${attempt === 1 ? "attempt" : "attempts"}, Retry-After ${wait}s (at most ${RATE_LIMIT.retries} retries, each waiting at most ${RATE_LIMIT.maxWaitSeconds}s); ${OUTCOME} later`,
                );
            }
            await this.sleep(wait);
        }
    }

    /** The response, unless GitLab refused the token itself (401, or 403 for a missing scope). */
    private accepted(response: HttpResponse, url: string): HttpResponse {
        const scope = response.status === 403 && /insufficient_scope/.test(response.text);
        if (response.status === 401 || scope) {
            const why = scope ? "it lacks the read_api scope" : `${this.options.tokenName} is wrong, expired or revoked`;
            throw new TokenRefusedError(
                `${this.options.command}: ${this.shown(url)}: GitLab refused the token (HTTP ${response.status}: ${messageOf(response.text)}): ${why}; give a personal, project or group access token with the read_api scope and the Maintainer role on every project of the map`,
            );
        }
        return response;
    }

    /** A 200's body parsed with the schema; 3xx and 4xx as Missing. */
    private answer<T>(response: HttpResponse, url: string, schema: z.ZodType<T>): Fetched<T> {
        if (response.status >= 300 && response.status < 400) {
            return { missing: { status: response.status, message: `moved to ${response.headers.location ?? "(no Location)"}` } };
        }
        if (response.status !== 200) {
            return { missing: { status: response.status, message: this.redact(messageOf(response.text)) } };
        }
        let body: unknown;
        try {
            body = JSON.parse(response.text);
        } catch {
            body = undefined;
        }
        const parsed = schema.safeParse(body);
        if (!parsed.success) {
            const issue = parsed.error.issues[0]!;
            const where = `${issue.path.join(".") || "(body)"}: ${issue.message}`;
            throw new UnreachableError(`${this.options.command}: ${this.shown(url)}: GitLab answered HTTP 200 with a body of another shape (${where}); ${OUTCOME}`);
        }
        return { value: parsed.data };
    }
}
