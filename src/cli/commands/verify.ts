import { GitlabProjectSchema, ProjectFacts, ProjectNeeds, ProtectedBranchSchema, ProtectedEnvironmentSchema, ProtectedTagSchema, VerifyFinding, judge, needs } from "../../features/verify";
import { Command, CommandContext, EXIT, UsageError, single } from "../command";
import { GitlabApi } from "../gitlab-api";
import { STACK_HELP, STACK_OPTIONS, STACK_USAGE, loadMap } from "../load";
import { printProblems } from "../report";

/** Where the token comes from, first set wins: the one verify documents, then glab's. */
export const VERIFY_TOKEN_VARIABLES = ["GITLAB_FEDERATION_VERIFY_TOKEN", "GITLAB_TOKEN"] as const;

/** How many projects are read at once: a few requests in flight, well inside GitLab's rate limits. */
const PARALLEL = 4;

/** What GitLab says of one project: the project, then the lists its grants need (none for a project GitLab does not show). */
async function factsOf(api: GitlabApi, need: ProjectNeeds): Promise<ProjectFacts> {
    const id = `/projects/${encodeURIComponent(need.projectId)}`;
    const project = await api.get(id, GitlabProjectSchema);
    if (project.missing !== undefined) {
        return { project };
    }
    return {
        project,
        ...(need.branches ? { branches: await api.list(`${id}/protected_branches`, ProtectedBranchSchema) } : {}),
        ...(need.tags ? { tags: await api.list(`${id}/protected_tags`, ProtectedTagSchema) } : {}),
        ...(need.environments ? { environments: await api.list(`${id}/protected_environments`, ProtectedEnvironmentSchema) } : {}),
    };
}

/** Every project's facts, PARALLEL at a time; the first failure (unreachable, token refused) stops it. */
async function gather(api: GitlabApi, all: readonly ProjectNeeds[]): Promise<Map<string, ProjectFacts>> {
    const facts = new Map<string, ProjectFacts>();
    let next = 0;
    const worker = async () => {
        for (let i = next++; i < all.length; i = next++) {
            facts.set(all[i]!.projectId, await factsOf(api, all[i]!));
        }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, all.length) }, worker));
    return facts;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function report(format: string, file: string, api: string, checked: string, findings: readonly VerifyFinding[]): string {
    if (format === "json") {
        return `${JSON.stringify({ file, api, ok: findings.length === 0, findings }, null, 2)}\n`;
    }
    const verdict = findings.length === 0 ? `GitLab guarantees what the map relies on (${checked})` : `GitLab does not guarantee what the map relies on (${checked})`;
    if (format === "markdown") {
        const cell = (t: string) => t.replace(/\|/g, "\\|");
        const table = ["", "| check | path | finding |", "|---|---|---|", ...findings.map((f) => `| ${f.check} | \`${f.path}\` | ${cell(f.message)} |`)];
        return `### gitlab-federation verify: ${findings.length === 0 ? "ok" : plural(findings.length, "finding")} (${file})\n\n${verdict}.\n${findings.length > 0 ? `${table.join("\n")}\n` : ""}`;
    }
    return `${file}: ${findings.length === 0 ? "" : `${plural(findings.length, "finding")}: `}${verdict}\n${findings.map((f) => `${f.path}: ${f.message}\n`).join("")}`;
}

/** The token from the environment (never printed), and which variable held it. */
function tokenOf(context: CommandContext): { readonly token: string; readonly name: string } {
    const name = VERIFY_TOKEN_VARIABLES.find((n) => (context.io.env[n] ?? "") !== "");
    if (name === undefined) {
        throw new UsageError(`needs a GitLab token in ${VERIFY_TOKEN_VARIABLES.join(" or ")}: a personal, project or group access token with the read_api scope whose user is a Maintainer of every project of the map`, "verify");
    }
    return { token: context.io.env[name]!, name };
}

export const verify: Command = {
    name: "verify",
    summary: "check against GitLab's API what the map relies on GitLab for: project paths, protection rules, protected environments, the sub claim",
    usage: `gitlab-federation verify ${STACK_USAGE} [--api-url <url>] [--json | --format text|markdown|json]`,
    help: `Reads GitLab's REST API with a token from GITLAB_FEDERATION_VERIFY_TOKEN (or GITLAB_TOKEN; never
printed) and checks, for every project of the map: its id is still at the map's path; every
protected grant's refs are covered by a protected-branch or protected-tag rule that lets only
Maintainers push, merge or create (no force push); every environment a target checks is a
protected environment only Maintainers deploy to; ci_id_token_sub_claim_components is what
each target's trust is written for; fork pipelines do not run in projects whose grants reach a
target that checks no protection. The token needs the read_api scope, and its user the
Maintainer role on every project (GitLab shows the CI/CD settings only to Maintainers).

options:
${STACK_HELP}
  --api-url <url>      GitLab's API (default: the map's gitlab.url followed by /api/v4)
  --json               the same as --format json
  --format <f>         text (default), markdown (a merge-request note) or json {file, api, ok, findings}

exit codes: 0 GitLab guarantees what the map relies on; 1 an invalid map; 2 usage error, no
token, or a token GitLab refuses (401, or 403 for a missing scope); 7 GitLab could not be
reached, answered with a server error, or kept rate-limiting: nothing was decided;
9 findings: GitLab does not guarantee something the map relies on, or does not show it to the token`,
    options: { ...STACK_OPTIONS, "api-url": { type: "string", multiple: true }, json: { type: "boolean" }, format: { type: "string", multiple: true } },
    async run(context) {
        const format = single(context, "format") ?? (context.values.json === true ? "json" : "text");
        if (!["text", "markdown", "json"].includes(format)) {
            throw new UsageError(`--format must be text, markdown or json, got ${JSON.stringify(format)}`, "verify");
        }
        const { token, name } = tokenOf(context);
        const loaded = loadMap(context);
        const plan = loaded.result?.plan;
        if (plan === undefined) {
            printProblems(context, loaded);
            return EXIT.invalid;
        }
        const base = (single(context, "api-url") ?? `${plan.gitlab.url}/api/v4`).replace(/\/+$/, "");
        if (!/^https?:\/\/[^/]/.test(base)) {
            throw new UsageError(`--api-url must be an http(s) URL, got ${JSON.stringify(base)}`, "verify");
        }
        const api = new GitlabApi(context.io.http!, { base, token, tokenName: name, command: "verify" });
        const all = needs(plan);
        const findings = judge(plan, await gather(api, all));
        const checked = `${plural(all.length, "project")}, ${plural(plan.grants.length, "grant")} checked at ${base}`;
        context.io.stdout(report(format, loaded.source.label, base, checked, findings));
        return findings.length === 0 ? EXIT.ok : EXIT.unverified;
    },
};
