import { GitlabProjectSchema } from "../../features/verify";
import { Command, EXIT, UsageError, single } from "../command";
import { GitlabApi } from "../gitlab-api";
import { STACK_HELP, STACK_OPTIONS, STACK_USAGE, loadMap } from "../load";
import { printProblems } from "../report";
import { VERIFY_TOKEN_VARIABLES } from "./verify";

/** One project of the map: its path, the id the map gives (if any), the id GitLab has at that path (if any). */
interface IdLine {
    readonly path: string;
    readonly map?: string;
    readonly gitlab?: string;
}

function describe(line: IdLine): string {
    if (line.gitlab === undefined) {
        return `${line.path}: GitLab has no project at this path, or the token cannot see it${line.map !== undefined ? ` (the map says ${line.map})` : ""}`;
    }
    if (line.map === undefined) {
        return `${line.path}: ${line.gitlab} (the map has no id: add id: ${line.gitlab})`;
    }
    return line.map === line.gitlab ? `${line.path}: ${line.gitlab}` : `${line.path}: ${line.gitlab} (the map says ${line.map}: the project at this path is another one; check which is meant, then set id: ${line.gitlab} or move the key)`;
}

export const ids: Command = {
    name: "ids",
    summary: "look up each project's id by its path in GitLab's API, to fill or check the map's ids",
    usage: `gitlab-federation ids ${STACK_USAGE} [--api-url <url>] [--json]`,
    help: `Reads GitLab's REST API (GET /projects/<URL-encoded path>) with a token from
GITLAB_FEDERATION_VERIFY_TOKEN (or GITLAB_TOKEN; never printed) and prints, for every project key of
the map, the id GitLab has at that path, beside the map's. Works on a map that does not validate
yet (ids missing): it reads only the project keys, their ids and gitlab.url.

options:
${STACK_HELP}
  --api-url <url>      GitLab's API (default: the map's gitlab.url followed by /api/v4)
  --json               [{path, map, gitlab}] (absent where there is none)

exit codes: 0 every id is GitLab's; 1 the file cannot be read as a stack file; 2 usage error, no
token, or a token GitLab refuses; 7 GitLab could not be reached; 9 an id is missing, differs, or
a path has no project`,
    options: { ...STACK_OPTIONS, "api-url": { type: "string", multiple: true }, json: { type: "boolean" } },
    async run(context) {
        const name = VERIFY_TOKEN_VARIABLES.find((n) => (context.io.env[n] ?? "") !== "");
        if (name === undefined) {
            throw new UsageError(`needs a GitLab token in ${VERIFY_TOKEN_VARIABLES.join(" or ")} with the read_api scope`, "ids");
        }
        const loaded = loadMap(context);
        if (!loaded.file.readable) {
            printProblems(context, loaded);
            return EXIT.invalid;
        }
        const raw = loaded.file.raw as { gitlab?: { url?: unknown }; projects?: Record<string, { id?: unknown } | null> };
        const url = typeof raw.gitlab?.url === "string" ? `${raw.gitlab.url.replace(/\/+$/, "")}/api/v4` : undefined;
        const base = (single(context, "api-url") ?? url)?.replace(/\/+$/, "");
        if (base === undefined || !/^https?:\/\/[^/]/.test(base)) {
            throw new UsageError(`needs GitLab's API: the map's gitlab.url, or --api-url <url> (got ${JSON.stringify(base ?? null)})`, "ids");
        }
        const api = new GitlabApi(context.io.http!, { base, token: context.io.env[name]!, tokenName: name, command: "ids" });
        const lines: IdLine[] = [];
        for (const [path, project] of Object.entries(raw.projects ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
            const found = await api.get(`/projects/${encodeURIComponent(path)}`, GitlabProjectSchema);
            const id = project?.id;
            lines.push({ path, ...(id !== undefined && id !== null ? { map: String(id) } : {}), ...(found.value !== undefined ? { gitlab: String(found.value.id) } : {}) });
        }
        context.io.stdout(context.values.json === true ? `${JSON.stringify(lines, null, 2)}\n` : lines.map((l) => `${describe(l)}\n`).join(""));
        return lines.every((l) => l.gitlab !== undefined && l.map === l.gitlab) ? EXIT.ok : EXIT.unverified;
    },
};
