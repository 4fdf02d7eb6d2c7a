import { type JWK, compactVerify, decodeJwt, decodeProtectedHeader, importJWK } from "jose";
import { targets } from "../../../components";
import { ASYMMETRIC_ALGS, Claims, jobClaims } from "../../core/claims";
import { Explainer, Explanation, GrantVerdict, anyAccepted, anyUndetermined } from "../../features/explain";
import { Command, CommandContext, EXIT, UsageError, UnreadableError, single, targetKeys } from "../command";
import { STACK_HELP, STACK_OPTIONS, STACK_USAGE, loadMap } from "../load";
import { printProblems } from "../report";

interface Input {
    readonly claims: Claims[];
    readonly verified: boolean;
    readonly signatureError?: string;
    readonly header?: Record<string, unknown>;
    readonly audiencePerTarget: boolean;
}

function readText(context: CommandContext, path: string, what: string): string {
    if (path === "-") {
        return context.io.readStdin();
    }
    try {
        return context.io.readFile(path);
    } catch (error) {
        throw new UnreadableError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`);
    }
}

/** One JSON object, or JSON lines (one object per line). */
export function parseClaimSets(text: string, file: string): Claims[] {
    const trimmed = text.trim();
    try {
        const one = JSON.parse(trimmed) as unknown;
        if (typeof one === "object" && one !== null && !Array.isArray(one)) {
            return [one as Claims];
        }
    } catch {
        // JSON lines, below
    }
    return trimmed.split("\n").flatMap((line, index) => {
        if (line.trim() === "") {
            return [];
        }
        let value: unknown;
        try {
            value = JSON.parse(line);
        } catch (error) {
            throw new UsageError(`${file}:${index + 1}: not a JSON object: ${(error as Error).message}`, "explain");
        }
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            throw new UsageError(`${file}:${index + 1}: each line must be one JSON object of claims`, "explain");
        }
        return [value as Claims];
    });
}

/** Seconds since the epoch from --now (seconds, or an ISO 8601 time). */
function nowOf(context: CommandContext): number {
    const value = single(context, "now");
    if (value === undefined) {
        return context.io.now?.() ?? Math.floor(Date.now() / 1000);
    }
    if (/^\d+$/.test(value)) {
        return Number(value);
    }
    const parsed = Date.parse(value);
    if (Number.isNaN(parsed)) {
        throw new UsageError(`--now must be seconds since the epoch or an ISO 8601 time, got ${JSON.stringify(value)}`, "explain");
    }
    return Math.floor(parsed / 1000);
}

/**
 * Verifies a token against a key set as go-oidc's `RemoteKeySet.verify` (coreos/go-oidc
 * oidc/jwks.go; Vault's jwks_url and OIDC discovery) does: only an asymmetric alg parses
 * (`allAlgs`); with no `kid` every key is tried, with a `kid` every key of that kid; a JWK's `use`
 * and `alg` are not consulted (go-jose v4 signing.go `newVerifier` verifies with the JWK's key
 * alone). The error when no key verifies it.
 */
export async function verifyAgainst(token: string, header: Readonly<Record<string, unknown>>, keySet: unknown): Promise<string | undefined> {
    const keys = (keySet as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys)) {
        return "the key set has no keys array";
    }
    const kid = header.kid ?? "";
    if (typeof header.alg !== "string" || !ASYMMETRIC_ALGS.includes(header.alg) || typeof kid !== "string") {
        return `malformed jwt: alg ${JSON.stringify(header.alg)}${typeof kid === "string" ? "" : `, kid ${JSON.stringify(kid)}`} cannot be verified with a key set`;
    }
    const candidates = (keys as Record<string, unknown>[]).filter((key) => kid === "" || key.kid === kid);
    for (const { use: _use, alg: _alg, key_ops: _ops, ...jwk } of candidates) {
        try {
            await compactVerify(token, await importJWK(jwk as JWK, header.alg), { algorithms: [header.alg] });
            return undefined;
        } catch {
            // go-oidc tries the next key
        }
    }
    return candidates.length === 0 ? `no key in the set has kid ${JSON.stringify(kid)}` : `failed to verify id token signature (tried ${candidates.length} key${candidates.length === 1 ? "" : "s"})`;
}

async function tokenInput(context: CommandContext, raw: string): Promise<Input> {
    const token = (raw === "-" ? context.io.readStdin() : raw).trim();
    let claims: Claims;
    let header: Record<string, unknown>;
    try {
        claims = decodeJwt(token);
        header = decodeProtectedHeader(token) as Record<string, unknown>;
    } catch (error) {
        throw new UsageError(`--token is not a JWT: ${(error as Error).message}`, "explain");
    }
    const jwks = single(context, "jwks");
    if (jwks === undefined) {
        return { claims: [claims], verified: false, header, audiencePerTarget: false };
    }
    let keys: unknown;
    try {
        const text = /^https?:\/\//.test(jwks) ? await context.io.fetchText!(jwks) : readText(context, jwks, "--jwks");
        keys = JSON.parse(text);
    } catch (error) {
        if (error instanceof UnreadableError) {
            throw error;
        }
        throw new UnreadableError(`cannot read the key set ${jwks}: ${(error as Error).message}`);
    }
    const signatureError = await verifyAgainst(token, header, keys);
    return { claims: [claims], verified: signatureError === undefined, ...(signatureError !== undefined ? { signatureError } : {}), header, audiencePerTarget: false };
}

function flagsInput(context: CommandContext, explainer: Explainer, now: number): Input {
    const project = single(context, "project")!;
    const id = single(context, "project-id") ?? explainer.plan.grants.find((g) => g.project === project)?.projectId;
    if (id === undefined) {
        throw new UsageError(`project ${JSON.stringify(project)} is not in the map: give its id with --project-id`, "explain");
    }
    const refType = single(context, "ref-type") ?? "branch";
    if (refType !== "branch" && refType !== "tag") {
        throw new UsageError(`--ref-type must be branch or tag, got ${JSON.stringify(refType)}`, "explain");
    }
    const environment = single(context, "environment");
    if (context.values["environment-protected"] === true && environment === undefined) {
        throw new UsageError(`--environment-protected needs --environment: GitLab sends environment_protected only with an environment`, "explain");
    }
    const aud = single(context, "aud");
    const pipelineSource = single(context, "pipeline-source");
    const claims = jobClaims({
        gitlabUrl: explainer.plan.gitlab.url,
        projectPath: project,
        projectId: id,
        ref: single(context, "ref") ?? "main",
        refType,
        protected: context.values.protected === true,
        ...(environment !== undefined ? { environment, environmentProtected: context.values["environment-protected"] === true } : {}),
        aud: aud ?? "",
        ...(pipelineSource !== undefined ? { pipelineSource } : {}),
        now,
    });
    return { claims: [claims], verified: false, audiencePerTarget: aud === undefined };
}

function describeToken(claims: Claims): string {
    const parts = [
        `project ${String(claims.project_path)} (id ${String(claims.project_id)})`,
        `${String(claims.ref_type)} ${String(claims.ref)} (${claims.ref_protected === "true" ? "protected" : "unprotected"})`,
        ...(typeof claims.environment === "string" ? [`${claims.environment_protected === "true" ? "protected " : ""}environment ${claims.environment}`] : []),
        ...(claims.pipeline_source !== undefined ? [`pipeline ${String(claims.pipeline_source)}`] : []),
    ];
    return parts.join(", ");
}

function verdictLines(verdict: GrantVerdict, kind: "accepted" | "rejected" | "undetermined"): string[] {
    const name = `${verdict.project} ${verdict.grant}`;
    if (kind === "accepted") {
        return [`  accepted  ${name}`, ...verdict.gives.map((g) => `              ${g}`)];
    }
    if (kind === "undetermined") {
        return [`  undetermined  ${name}:`, ...verdict.reasons.map((r) => `              ${r}`)];
    }
    if (verdict.reasons.length === 1) {
        return [`  rejected  ${name}: fails only: ${verdict.reasons[0]}`];
    }
    return [`  rejected  ${name}: fails ${verdict.reasons.length} checks:`, ...verdict.reasons.map((r) => `              ${r}`)];
}

export function renderExplanation(explanation: Explanation, style: CommandContext["style"]): string {
    const out = [`Token: ${describeToken(explanation.claims)}${explanation.verified ? "; signature verified" : `; ${explanation.notes.join("; ")}`}`];
    for (const target of targets()) {
        const result = explanation.targets[target.key];
        if (result === undefined) {
            continue;
        }
        const undetermined = result.undetermined.length > 0 ? `, ${result.undetermined.length} undetermined` : "";
        out.push("", style.heading(`${target.title} (aud ${JSON.stringify(result.audience)}): ${result.accepted.length} accepted, ${result.rejected.length} rejected${undetermined}`));
        if (result.accepted.length + result.rejected.length + result.undetermined.length === 0) {
            out.push("  no grant of this project uses it");
        }
        out.push(
            ...result.accepted.flatMap((v) => verdictLines(v, "accepted")),
            ...result.undetermined.flatMap((v) => verdictLines(v, "undetermined")),
            ...result.rejected.flatMap((v) => verdictLines(v, "rejected")),
        );
    }
    return `${out.join("\n")}\n`;
}

export const explain: Command = {
    name: "explain",
    summary: "which grants a CI job's ID token gets from each target, and why not the others",
    usage: `gitlab-federation explain ${STACK_USAGE} (--token <jwt|-> [--jwks <file|url>] | --claims <file|-> | --project <path> [--ref <ref>] [--ref-type branch|tag] [--protected] [--environment <name> [--environment-protected]]) [--json]`,
    get help() {
        return `Evaluates the token with each target's planned configuration (its roles, trust policies or
provider conditions, as the target applies them), for every grant of the token's project. Accepted grants say
what they give; rejected ones list every failing check in the target's own words, nearest miss
first. A grant is undetermined when no check fails but what the target does with such a token is
not verified (e.g. STS with an aud array); undetermined never counts as accepted. An unsigned
(alg none) or HMAC-signed token is refused for every target.

options:
${STACK_HELP}
  --token <jwt|->      a real ID token (or - for standard input)
  --jwks <file|url>    verify its signature against this key set (GitLab's /oauth/discovery/keys),
                       as Vault does: every key when the token has no kid, every key of its kid
                       otherwise; without it the signature is not verified, and the output says so
  --claims <file|->    claims as JSON: one object, or one object per line (JSON lines)
  --project <path>     build the claims as GitLab would for a job of this project (its id from
                       the map, or --project-id), with --ref (default main), --ref-type,
                       --protected, --environment, --environment-protected (environment_protected
                       "true"), --pipeline-source; each target is evaluated
                       with its own audience unless --aud is given
  --target <key>       only this target (${targetKeys()})
  --now <time>         evaluate at this time (seconds since the epoch, or ISO 8601)
  --json               {verified, claims, notes, targets: {<target>: {audience, accepted, rejected,
                       undetermined}, ...}}; with JSON lines, one result per line in the same order

exit codes: 0 something is accepted, 1 invalid map, 2 usage error, 3 nothing is accepted and
nothing is undetermined, 8 nothing is accepted but some grant is undetermined (over all claim
sets of a JSON lines file)`;
    },
    options: {
        ...STACK_OPTIONS,
        token: { type: "string", multiple: true },
        jwks: { type: "string", multiple: true },
        claims: { type: "string", multiple: true },
        project: { type: "string", multiple: true },
        "project-id": { type: "string", multiple: true },
        ref: { type: "string", multiple: true },
        "ref-type": { type: "string", multiple: true },
        protected: { type: "boolean" },
        environment: { type: "string", multiple: true },
        "environment-protected": { type: "boolean" },
        aud: { type: "string", multiple: true },
        "pipeline-source": { type: "string", multiple: true },
        target: { type: "string", multiple: true },
        now: { type: "string", multiple: true },
        json: { type: "boolean" },
    },
    async run(context) {
        const sources = ["token", "claims", "project"].filter((name) => context.values[name] !== undefined);
        if (sources.length !== 1) {
            throw new UsageError(sources.length === 0 ? "needs one of --token, --claims and --project" : `give one of --token, --claims and --project, not ${sources.map((s) => `--${s}`).join(" and ")}`, "explain");
        }
        if (context.values.jwks !== undefined && sources[0] !== "token") {
            throw new UsageError("--jwks verifies a --token; claims have no signature", "explain");
        }
        const loaded = loadMap(context);
        const plan = loaded.result?.plan;
        if (plan === undefined) {
            printProblems(context, loaded);
            return EXIT.invalid;
        }
        const target = single(context, "target");
        if (target !== undefined && !targets().some((t) => t.key === target)) {
            throw new UsageError(`--target must be one of ${targets().map((t) => t.key).join(", ")}, got ${JSON.stringify(target)}`, "explain");
        }
        const explainer = new Explainer(plan);
        const now = nowOf(context);
        const input =
            sources[0] === "token"
                ? await tokenInput(context, single(context, "token")!)
                : sources[0] === "claims"
                  ? { claims: parseClaimSets(readText(context, single(context, "claims")!, "--claims"), single(context, "claims")!), verified: false, audiencePerTarget: false }
                  : flagsInput(context, explainer, now);
        let accepted = false;
        let undetermined = false;
        const results = input.claims.map((claims) => {
            const explanation = explainer.explain(claims, {
                now,
                verified: input.verified,
                ...(input.signatureError !== undefined ? { signatureError: input.signatureError } : {}),
                ...(input.header !== undefined ? { header: input.header } : {}),
                audiencePerTarget: input.audiencePerTarget,
                ...(target !== undefined ? { targets: [target] } : {}),
            });
            accepted ||= anyAccepted(explanation);
            undetermined ||= anyUndetermined(explanation);
            return explanation;
        });
        if (context.values.json === true) {
            context.io.stdout(results.length === 1 ? `${JSON.stringify(results[0], null, 2)}\n` : results.map((r) => `${JSON.stringify(r)}\n`).join(""));
        } else {
            context.io.stdout(results.map((r) => renderExplanation(r, context.style)).join("\n"));
        }
        return accepted ? EXIT.ok : undetermined ? EXIT.undetermined : EXIT.nothingAccepted;
    },
};
