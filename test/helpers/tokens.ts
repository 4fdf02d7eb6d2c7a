/**
 * GitLab ID token claim sets, and evaluators that decide what each target would accept, written
 * from the documented semantics (../shared/reference/semantics.md), independent of the planner:
 * - Vault: bound_audiences any-match; bound_claims AND across keys, OR within; "string" mode
 *   compares typed values; "glob" mode is ryanuber/go-glob v1.0.0 (only "*"; non-strings never match).
 * - IAM: StringEquals exact; StringLike with "*" any run and "?" one character; keys ANDed.
 * - GCP: the provider's CEL evaluated by @marcbachmann/cel-js; an evaluation error rejects.
 */
import { evaluate } from "@marcbachmann/cel-js";
import type { GcpProviderEntry, TrustPolicyDocument, VaultRoleEntry } from "../../plan/types";

export type Claims = Record<string, unknown>;

export interface TokenOptions {
    projectId?: string;
    projectPath?: string;
    ref?: string;
    refType?: "branch" | "tag";
    protected?: boolean;
    environment?: string;
    aud?: string | string[];
    pipelineSource?: string;
}

/** A realistic claim set (GitLab 18.x) for a job; see the claim table in the reference. */
export function gitlabToken(o: TokenOptions = {}): Claims {
    const projectPath = o.projectPath ?? "platform/api";
    const ref = o.ref ?? "main";
    const refType = o.refType ?? "branch";
    const namespace = projectPath.slice(0, projectPath.lastIndexOf("/"));
    const claims: Claims = {
        namespace_id: "7",
        namespace_path: namespace,
        project_id: o.projectId ?? "42",
        project_path: projectPath,
        job_project_id: o.projectId ?? "42",
        job_project_path: projectPath,
        job_namespace_id: "7",
        job_namespace_path: namespace,
        user_id: "1001",
        user_login: "alice",
        user_email: "alice@example.com",
        user_access_level: "developer",
        pipeline_id: "123456",
        pipeline_source: o.pipelineSource ?? "push",
        job_id: "987654321",
        ref,
        ref_type: refType,
        ref_path: `refs/${refType === "tag" ? "tags" : "heads"}/${ref}`,
        ref_protected: String(o.protected ?? true),
        runner_id: 17,
        runner_environment: "self-hosted",
        sha: "0123456789abcdef0123456789abcdef01234567",
        project_visibility: "private",
        ci_config_ref_uri: `gitlab.example.com/${projectPath}//.gitlab-ci.yml@refs/heads/${ref}`,
        ci_config_sha: "0123456789abcdef0123456789abcdef01234567",
        jti: "5c1c6b6e-0000-4000-8000-000000000000",
        iss: "https://gitlab.example.com",
        iat: 1764000000,
        nbf: 1763999995,
        exp: 1764003600,
        sub: `project_path:${projectPath}:ref_type:${refType}:ref:${ref}`,
        aud: o.aud ?? "https://vault.example.com",
    };
    if (o.environment !== undefined) {
        Object.assign(claims, { environment: o.environment, environment_protected: "false", deployment_tier: "production", environment_action: "start" });
    }
    return claims;
}

/** ryanuber/go-glob v1.0.0, as used by Vault's bound_claims in glob mode. */
export function goGlob(pattern: string, subject: string): boolean {
    if (pattern === "") {
        return subject === pattern;
    }
    if (pattern === "*") {
        return true;
    }
    const parts = pattern.split("*");
    if (parts.length === 1) {
        return subject === pattern;
    }
    const leading = pattern.startsWith("*");
    const trailing = pattern.endsWith("*");
    const end = parts.length - 1;
    let rest = subject;
    for (let i = 0; i < end; i++) {
        const index = rest.indexOf(parts[i]!);
        if (i === 0 ? !leading && index !== 0 : index < 0) {
            return false;
        }
        rest = rest.slice(index + parts[i]!.length);
    }
    return trailing || rest.endsWith(parts[end]!);
}

/** Whether Vault would log this token in with this role (audience and bound claims). */
export function vaultAccepts(role: Pick<VaultRoleEntry, "boundAudiences" | "boundClaims" | "boundClaimsType">, claims: Claims): boolean {
    const auds = [claims.aud].flat();
    if (!role.boundAudiences.some((a) => auds.includes(a))) {
        return false;
    }
    return Object.entries(role.boundClaims).every(([key, value]) => {
        const expected = value.split(",").map((v) => v.trim()); // the provider splits on commas
        const actual = claims[key];
        if (actual === undefined) {
            return false;
        }
        const actuals = [actual].flat();
        return expected.some((e) => actuals.some((a) => (role.boundClaimsType === "glob" ? typeof a === "string" && goGlob(e, a) : a === e)));
    });
}

/** IAM StringLike: "*" any run of characters, "?" exactly one, case-sensitive, whole string. */
export function iamStringLike(pattern: string, value: string): boolean {
    const regex = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]");
    return new RegExp(`^${regex}$`).test(value);
}

/** Whether STS would let this token assume a role with this trust policy (self-managed GitLab: only aud and sub keys). */
export function awsAccepts(document: TrustPolicyDocument, claims: Claims, host: string): boolean {
    const [statement] = document.Statement;
    const value = (key: string) => {
        const claim = key.slice(host.length + 1);
        return key.startsWith(`${host}:`) && (claim === "aud" || claim === "sub") ? claims[claim] : undefined;
    };
    const check = (operator: Readonly<Record<string, string | readonly string[]>> | undefined, match: (p: string, v: string) => boolean) =>
        Object.entries(operator ?? {}).every(([key, expected]) => {
            const actual = value(key);
            return typeof actual === "string" && [expected].flat().some((e) => match(e as string, actual));
        });
    return check(statement.Condition.StringEquals, (e, a) => e === a) && check(statement.Condition.StringLike, iamStringLike);
}

export interface GcpExchange {
    /** The condition admitted the token and every mapping evaluated. */
    readonly accepted: boolean;
    readonly subject?: string;
    readonly groups: readonly string[];
    readonly error?: string;
}

/** Evaluates the provider's condition and mapping for a token, as GCP STS would. */
export function gcpExchange(provider: Pick<GcpProviderEntry, "attributeMapping" | "attributeCondition">, claims: Claims): GcpExchange {
    try {
        const attribute: Record<string, unknown> = {};
        const google: Record<string, unknown> = {};
        for (const [key, expression] of Object.entries(provider.attributeMapping)) {
            const value = evaluate(expression, { assertion: claims });
            const [scope, name] = key.split(".") as [string, string];
            (scope === "google" ? google : attribute)[name] = value;
        }
        const allowed = evaluate(provider.attributeCondition, { assertion: claims, google, attribute });
        if (allowed !== true) {
            return { accepted: false, groups: [] };
        }
        return { accepted: true, subject: String(google.subject), groups: (google.groups as string[] | undefined) ?? [] };
    } catch (error) {
        return { accepted: false, groups: [], error: (error as Error).message };
    }
}
