/**
 * A loopback GitLab REST API (v4) with the endpoints `gitlab-federation verify` reads, answering in
 * the shapes GitLab documents:
 * - GET /projects/:id: https://docs.gitlab.com/api/projects/#get-a-single-project; the ci_* fields
 *   only for a Maintainer (gitlabhq lib/api/entities/project.rb: `with_options if: admin_project`);
 *   an unknown id: 404 {"message":"404 Project Not Found"} (lib/api/helpers.rb `not_found!`).
 * - GET /projects/:id/protected_branches: https://docs.gitlab.com/api/protected_branches/#list-protected-branches
 * - GET /projects/:id/protected_tags: https://docs.gitlab.com/api/protected_tags/#list-protected-tags
 * - GET /projects/:id/protected_environments (Premium): https://docs.gitlab.com/api/protected_environments/#list-protected-environments;
 *   on Free, 404 {"message":"404 Not Found"} (UNVERIFIED: 403 or 404, the client takes both).
 * - Pagination: https://docs.gitlab.com/api/rest/#pagination ("Offset-based pagination"): page,
 *   per_page (default 20, max 100), headers x-page, x-per-page, x-next-page (empty on the last
 *   page) and Link with rel="next", "first", "last".
 * - Authentication: https://docs.gitlab.com/api/rest/authentication/: a token as
 *   `Authorization: Bearer` or `PRIVATE-TOKEN`; none or a wrong one: 401 {"message":"401 Unauthorized"};
 *   a token without the scope: 403 {"error":"insufficient_scope", ...} (lib/api/api_guard.rb).
 * - Rate limits: https://docs.gitlab.com/administration/settings/user_and_ip_rate_limits/ "Response
 *   headers": 429 with Retry-After (seconds) and the body "Retry later".
 */
import { IncomingMessage, Server, ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

type Json = Record<string, unknown>;

export interface FakeProject {
    readonly id: number;
    readonly path_with_namespace: string;
    readonly visibility?: string;
    readonly ci_allow_fork_pipelines_to_run_in_parent_project?: boolean;
    readonly ci_id_token_sub_claim_components?: readonly string[];
    readonly protected_branches?: readonly Json[];
    readonly protected_tags?: readonly Json[];
    /** undefined: GitLab Free (the endpoint answers 404). */
    readonly protected_environments?: readonly Json[];
}

/** A protected-branch rule as the API lists it, Maintainers only unless given. */
export function branchRule(name: string, options: { push?: number; merge?: number; forcePush?: boolean } = {}): Json {
    const level = (id: number, access: number) => ({ id, access_level: access, access_level_description: access === 30 ? "Developers + Maintainers" : "Maintainers", user_id: null, group_id: null });
    return { id: 1, name, push_access_levels: [level(1, options.push ?? 40)], merge_access_levels: [level(2, options.merge ?? 40)], allow_force_push: options.forcePush ?? false, code_owner_approval_required: false };
}

export function tagRule(name: string, create = 40): Json {
    return { name, create_access_levels: [{ id: 1, access_level: create, access_level_description: create === 30 ? "Developers + Maintainers" : "Maintainers" }] };
}

export function environmentRule(name: string, deploy = 40): Json {
    return { name, deploy_access_levels: [{ id: 1, access_level: deploy, access_level_description: deploy === 30 ? "Developers + Maintainers" : "Maintainers", user_id: null, group_id: null, group_inheritance_type: 0 }], required_approval_count: 0 };
}

export interface FakeOptions {
    readonly token: string;
    readonly projects: readonly FakeProject[];
    /** The token's user is a Maintainer (sees the ci_* fields); default true. */
    readonly maintainer?: boolean;
    /** The token lacks read_api: every request is 403 insufficient_scope. */
    readonly noScope?: boolean;
    /** An answer before the API's own (rate limits, server errors): undefined lets the API answer. */
    readonly before?: (path: string, count: number) => { status: number; headers?: Record<string, string>; body: string } | undefined;
}

/** The fake server: its base URL (…/api/v4) and every request's method and path with query. */
export interface FakeGitlab {
    readonly api: string;
    readonly requests: string[];
    close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
}

/** One page of a list, with GitLab's pagination headers. */
function page(res: ServerResponse, url: URL, items: readonly unknown[]): void {
    const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 20), 100);
    const current = Number(url.searchParams.get("page") ?? 1);
    const pages = Math.max(1, Math.ceil(items.length / perPage));
    const link = (p: number, rel: string) => {
        const u = new URL(url);
        u.searchParams.set("page", String(p));
        return `<${u.href}>; rel="${rel}"`;
    };
    const links = [...(current < pages ? [link(current + 1, "next")] : []), link(1, "first"), link(pages, "last")];
    send(res, 200, items.slice((current - 1) * perPage, current * perPage), {
        "x-page": String(current),
        "x-per-page": String(perPage),
        "x-next-page": current < pages ? String(current + 1) : "",
        "x-total": String(items.length),
        link: links.join(", "),
    });
}

function answer(options: FakeOptions, req: IncomingMessage, res: ServerResponse, url: URL): void {
    const auth = req.headers.authorization === `Bearer ${options.token}` || req.headers["private-token"] === options.token;
    if (!auth) {
        return send(res, 401, { message: "401 Unauthorized" });
    }
    if (options.noScope === true) {
        return send(res, 403, { error: "insufficient_scope", error_description: "The request requires higher privileges than provided by the access token.", scope: "api read_api" });
    }
    const match = /^\/api\/v4\/projects\/([^/]+)(?:\/(protected_branches|protected_tags|protected_environments))?$/.exec(url.pathname);
    // :id is the id or the URL-encoded path (https://docs.gitlab.com/api/rest/#namespaced-paths).
    const project = match === null ? undefined : options.projects.find((p) => String(p.id) === decodeURIComponent(match[1]!) || p.path_with_namespace === decodeURIComponent(match[1]!));
    if (match === null || project === undefined) {
        return send(res, 404, { message: match === null ? "404 Not Found" : "404 Project Not Found" });
    }
    const list = match[2] as "protected_branches" | "protected_tags" | "protected_environments" | undefined;
    if (list !== undefined) {
        const items = project[list];
        return items === undefined ? send(res, 404, { message: "404 Not Found" }) : page(res, url, items);
    }
    const { protected_branches: _b, protected_tags: _t, protected_environments: _e, ci_allow_fork_pipelines_to_run_in_parent_project: fork, ci_id_token_sub_claim_components: sub, ...visible } = project;
    const admin = options.maintainer !== false ? { ci_allow_fork_pipelines_to_run_in_parent_project: fork ?? false, ci_id_token_sub_claim_components: sub ?? ["project_path", "ref_type", "ref"] } : {};
    send(res, 200, { ...visible, visibility: project.visibility ?? "private", name: project.path_with_namespace.split("/").pop(), default_branch: "main", archived: false, ...admin });
}

/** Starts the fake on a free loopback port. */
export async function fakeGitlab(options: FakeOptions): Promise<FakeGitlab> {
    const requests: string[] = [];
    const counts = new Map<string, number>();
    const server: Server = createServer((req, res) => {
        const url = new URL(req.url!, `http://${req.headers.host}`);
        requests.push(`${req.method} ${url.pathname}${url.search}`);
        const count = (counts.get(url.pathname) ?? 0) + 1;
        counts.set(url.pathname, count);
        const early = options.before?.(url.pathname, count);
        if (early !== undefined) {
            res.writeHead(early.status, { "content-type": "application/json", ...(early.headers ?? {}) });
            res.end(early.body);
        } else {
            answer(options, req, res, url);
        }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        api: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v4`,
        requests,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

/** A loopback port nothing listens on (connections are refused). */
export function closedPort(): Promise<number> {
    return new Promise((done) => {
        const server = createServer();
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as AddressInfo).port;
            server.close(() => done(port));
        });
    });
}
