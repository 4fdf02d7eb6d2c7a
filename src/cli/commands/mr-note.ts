import { Command, EXIT, UnreadableError, UsageError, single } from "../command";
import { request } from "../gitlab-api";

/** The hidden first line that finds the note again: one note per key (stack) and merge request. */
export function noteMarker(key: string): string {
    return `<!-- gitlab-federation:note:${key} -->`;
}

/** A network failure or a server error: nothing was posted (exit 7). */
const failure = (what: string) => ({ what: `mr-note: ${what}`, outcome: "nothing was posted, run the job again" });

export const mrNote: Command = {
    name: "mr-note",
    summary: "post a diff report as one merge-request note, updated in place on every pipeline",
    usage: "gitlab-federation mr-note --file <markdown> [--key <stack>]",
    help: `Posts the file as a note on the merge request of the pipeline, or updates the note it posted
before (found by a hidden first line with the key), through GitLab's API: CI_API_V4_URL,
CI_PROJECT_ID and CI_MERGE_REQUEST_IID from the job, the token from GITLAB_FEDERATION_NOTE_TOKEN
(sent as PRIVATE-TOKEN). Merge-request pipelines can read that variable: give it a token that can
do nothing but write notes on this project (a project access token, Reporter role, api scope),
or leave it unset and read the report from the job's exposed artifact.

options:
  --file <markdown>    the note (gitlab-federation diff --format markdown --always)
  --key <name>         which note to update (default: the file name), e.g. the stack

exit codes: 0 posted or updated, 1 GitLab refused (a 4xx answer, printed), 2 usage error,
7 GitLab could not be reached or answered with a server error (5xx): nothing was posted`,
    options: { file: { type: "string", multiple: true }, key: { type: "string", multiple: true } },
    async run(context) {
        const file = single(context, "file");
        if (file === undefined) {
            throw new UsageError("needs --file <markdown>", "mr-note");
        }
        const env = context.io.env;
        const missing = ["CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID", "GITLAB_FEDERATION_NOTE_TOKEN"].filter((name) => !env[name]);
        if (missing.length > 0) {
            throw new UsageError(`needs ${missing.join(", ")} in the environment (a merge-request pipeline sets the CI_ ones)`, "mr-note");
        }
        let text: string;
        try {
            text = context.io.readFile(file);
        } catch (error) {
            throw new UnreadableError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
        const marker = noteMarker(single(context, "key") ?? file);
        const body = `${marker}\n${text}`;
        const notes = `${env.CI_API_V4_URL}/projects/${encodeURIComponent(env.CI_PROJECT_ID!)}/merge_requests/${encodeURIComponent(env.CI_MERGE_REQUEST_IID!)}/notes`;
        const headers = { "PRIVATE-TOKEN": env.GITLAB_FEDERATION_NOTE_TOKEN!, "Content-Type": "application/json" };
        const http = context.io.http!;
        let found: number | undefined;
        for (let page = "1"; page !== "" && found === undefined; ) {
            const response = await request(http, `${notes}?per_page=100&page=${page}`, { method: "GET", headers }, failure("listing the notes"));
            if (response.status !== 200) {
                context.io.stderr(`gitlab-federation mr-note: listing the notes: HTTP ${response.status}: ${response.text.slice(0, 500)}\n`);
                return EXIT.invalid;
            }
            const list = JSON.parse(response.text) as { id: number; body: string }[];
            found = list.find((n) => n.body.startsWith(`${marker}\n`))?.id;
            page = response.headers["x-next-page"] ?? "";
        }
        const response = await request(http, found !== undefined ? `${notes}/${found}` : notes, { method: found !== undefined ? "PUT" : "POST", headers, body: JSON.stringify({ body }) }, failure(found !== undefined ? "updating the note" : "posting the note"));
        if (response.status !== 200 && response.status !== 201) {
            context.io.stderr(`gitlab-federation mr-note: ${found !== undefined ? "updating" : "posting"} the note: HTTP ${response.status}: ${response.text.slice(0, 500)}\n`);
            return EXIT.invalid;
        }
        context.io.stdout(`${found !== undefined ? "updated" : "posted"} note ${found ?? (JSON.parse(response.text) as { id?: number }).id ?? ""}\n`);
        return EXIT.ok;
    },
};
