/**
 * Akeyless's part of a grant's CI template job: the job logs in with its GitLab ID token through
 * the stack's OAuth2/JWT auth method and exports AKEYLESS_TOKEN for its script.
 *
 * The login is the REST form of `akeyless auth --access-type jwt` (docs.akeyless.io "GitLab
 * Plugin"): `POST <api>/auth {"access-type":"jwt","access-id":…,"jwt":…}`, answering
 * `{"token":…}` (model Auth / AuthOutput of npm akeyless@5.0.23; the same body as
 * akeyless-community/akeyless-github-action src/auth.js `jwtLogin`). It needs node (18 or later,
 * for fetch) or curl, not the Akeyless CLI. The request
 * body holds the ID token, so it goes through a job-private file (mktemp, mode 0600), never a
 * command line, and the file is removed right after the request (and in after_script).
 * Transient failures (no answer, 429, 5xx) are retried a bounded number of times: node waits
 * Retry-After (at most 30 s) or 0.5, 1, 2, 4 s; curl's `--retry` does the same for 408, 429 and
 * 5xx within `--retry-max-time`.
 *
 * GitLab's own `secrets:akeyless` keyword is not generated: it is an Experiment since GitLab 17.4
 * ("not intended for production use", docs.gitlab.com/ci/secrets/akeyless) and GitLab's CI JSON
 * schema does not list it (`secrets` allows vault, azure_key_vault, gcp_secret_manager,
 * aws_secrets_manager, gitlab_secrets_manager only), so an editor or a linter would reject the
 * job. It reads AKEYLESS_ACCESS_ID, which this job sets, so a team can still opt in by hand.
 */
import type { z } from "zod";
import { JOB_FILE, JOB_FILES_CLEANUP } from "../../src/core/ci-shell";
import type { CiPiece, CiUnavailable, CiValue } from "../target";
import type { AkeylessContractSchema, AkeylessGrantContractSchema } from "./contract";

export const AKEYLESS_TOKEN_VARIABLE = "AKEYLESS_ID_TOKEN";
/** Requests of the node login at most. */
export const AKEYLESS_LOGIN_ATTEMPTS = 5;

export interface AkeylessCiInput {
    /** The API the job logs in to (https://api.akeyless.io, or a Gateway's). */
    readonly apiUrl: string;
    /** The stack's OAuth2/JWT auth method's access id. */
    readonly accessId: string;
    /** The `aud` the auth method checks. */
    readonly audience: string;
}

/**
 * The node login: reads the body file named by its argument, POSTs it to $AKEYLESS_API_URL/auth,
 * prints the answer's top-level `token`. No single quote inside (it is single-quoted in sh).
 */
const NODE_LOGIN = [
    'const body=require("fs").readFileSync(process.argv[1],"utf8");',
    "(async()=>{for(let i=1;;i++){let r,s=0;",
    'try{r=await fetch(process.env.AKEYLESS_API_URL+"/auth",{method:"POST",headers:{"Content-Type":"application/json"},body,signal:AbortSignal.timeout(30000)});s=r.status}catch(e){}',
    'if(s===200){const t=(await r.json()).token;if(typeof t!=="string"||t===""){console.error("Akeyless: /auth answered without a token");process.exit(1)}process.stdout.write(t);return}',
    `if(!(s===0||s===429||s>=500)||i>=${AKEYLESS_LOGIN_ATTEMPTS}){console.error("Akeyless: login failed"+(s?" (HTTP "+s+"): "+(await r.text()).slice(0,300):": no answer"));process.exit(1)}`,
    'const h=r?r.headers.get("retry-after"):null;const a=h===null||h.trim()===""?NaN:Number(h);',
    "await new Promise((f)=>setTimeout(f,Math.min(a>=0?a*1000:500*2**(i-1),30000)))}})()",
].join("");

/** The curl login: the HTTP status goes to stdout, the answer to the second file. */
const CURL_LOGIN =
    'curl --silent --show-error --retry 4 --retry-connrefused --retry-max-time 60 --max-time 30 -H "Content-Type: application/json" --data-binary @"$akeyless_body" -o "$akeyless_answer" -w "%{http_code}" "$AKEYLESS_API_URL/auth"';

/** The before_script item: validate, write the body, log in with node or curl, export AKEYLESS_TOKEN. */
function loginScript(): string {
    return [
        "# Akeyless: log in with the job's ID token; $AKEYLESS_TOKEN is the Akeyless token for the script",
        `case "$AKEYLESS_ACCESS_ID.$${AKEYLESS_TOKEN_VARIABLE}" in .*|*.|*[!A-Za-z0-9._-]*) echo "Akeyless: AKEYLESS_ACCESS_ID or ${AKEYLESS_TOKEN_VARIABLE} is empty or holds unexpected characters" >&2; exit 1;; esac`,
        `akeyless_body="$(mktemp ${JOB_FILE})"`,
        `akeyless_answer="$(mktemp ${JOB_FILE})"`,
        `printf '{"access-type":"jwt","access-id":"%s","jwt":"%s"}' "$AKEYLESS_ACCESS_ID" "$${AKEYLESS_TOKEN_VARIABLE}" > "$akeyless_body"`,
        "if command -v node >/dev/null 2>&1 && node -e 'process.exit(typeof fetch === \"function\" ? 0 : 1)'; then",
        `  AKEYLESS_TOKEN="$(node -e '${NODE_LOGIN}' "$akeyless_body")" || AKEYLESS_TOKEN=""`,
        "elif command -v curl >/dev/null 2>&1; then",
        `  akeyless_status="$(${CURL_LOGIN})" || akeyless_status="000"`,
        "  # the answer's token; Akeyless also nests one under creds, so exactly one distinct value is accepted",
        `  akeyless_tokens="$(tr -d '\\n' < "$akeyless_answer" | grep -o '"token" *: *"[^"]*"' | sed 's/.*"\\([^"]*\\)"$/\\1/' | grep -v '^$' | sort -u)" || true`,
        `  if [ "$akeyless_status" = "200" ] && [ -n "$akeyless_tokens" ] && [ "$(printf '%s\\n' "$akeyless_tokens" | wc -l)" -eq 1 ]; then AKEYLESS_TOKEN="$akeyless_tokens"; else echo "Akeyless: login failed (HTTP $akeyless_status): $(head -c 300 "$akeyless_answer")" >&2; AKEYLESS_TOKEN=""; fi`,
        "else",
        '  echo "Akeyless: the login needs node (18 or later) or curl in the job image" >&2; AKEYLESS_TOKEN=""',
        "fi",
        'rm -f "$akeyless_body" "$akeyless_answer"',
        '[ -n "$AKEYLESS_TOKEN" ] || exit 1',
        "export AKEYLESS_TOKEN",
    ].join("\n");
}

export function akeylessCi(input: AkeylessCiInput, value: CiValue): CiPiece {
    return {
        idToken: { variable: AKEYLESS_TOKEN_VARIABLE, audience: value("akeyless_audience", input.audience, "aud of the Akeyless ID token: the auth method's audience") },
        variables: {
            AKEYLESS_API_URL: value("akeyless_api_url", input.apiUrl, "Akeyless's API (or a Gateway's)"),
            AKEYLESS_ACCESS_ID: value("akeyless_access_id", input.accessId, "access id of the stack's OAuth2/JWT auth method"),
        },
        beforeScript: [loginScript()],
        afterScript: [JOB_FILES_CLEANUP],
        comments: [
            "Akeyless: the script reads a secret with the token, e.g.",
            `  printf '{"names":["%s"],"token":"%s"}' /path/to/secret "$AKEYLESS_TOKEN" | curl -sS -H "Content-Type: application/json" --data-binary @- "$AKEYLESS_API_URL/get-secret-value"`,
            "GitLab's secrets:akeyless is an Experiment (GitLab 17.4+) outside GitLab's CI schema, so it is not generated.",
        ],
    };
}

/** The ci capability's job part: the login needs the auth method's access id, which a deployed stack's contract has. */
export function akeylessJob(_section: z.output<typeof AkeylessContractSchema>, grant: z.output<typeof AkeylessGrantContractSchema>, value: CiValue): CiPiece | CiUnavailable {
    if (grant.accessId === undefined) {
        return {
            unavailable: `jobs log in with the access id of the Akeyless auth method ${grant.authMethodName}, which Akeyless assigns when it is created: run gitlab-federation ci with the deployed stack's contract (--contract), not the map`,
        };
    }
    return akeylessCi({ apiUrl: grant.apiUrl, accessId: grant.accessId, audience: grant.audience }, value);
}

/**
 * The pipeline's own jobs: the template's login has exported AKEYLESS_TOKEN; the dynamic
 * provider logs in itself instead, with the job's ID token (client.ts credentialsFrom:
 * AKEYLESS_ACCESS_ID with AKEYLESS_JWT), so it can log in again after a 401 during a long pulumi up.
 */
export const AKEYLESS_PIPELINE_LOGIN = [
    "# Akeyless: the provider logs in itself with the job's ID token (and again when its token expires)",
    `unset AKEYLESS_TOKEN; export AKEYLESS_JWT="$${AKEYLESS_TOKEN_VARIABLE}"`,
].join("\n");

export function akeylessPipelineLogin(): readonly string[] {
    return [AKEYLESS_PIPELINE_LOGIN];
}
