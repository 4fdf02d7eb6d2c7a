/**
 * The claims of a GitLab CI ID token, as GitLab builds them (gitlabhq lib/gitlab/ci/jwt.rb,
 * jwt_v2.rb and claim_mapper.rb). Evaluators read claims
 * through this model; `jobClaims` fills a claim set the way GitLab does for a job, for
 * `gitlab-federation explain` and tests.
 */

/** A decoded ID token payload. */
export type Claims = Readonly<Record<string, unknown>>;

/**
 * GitLab's default components of `sub`, in order: a project's `ci_id_token_sub_claim_components`
 * unless a maintainer changed it (gitlab-org/gitlab!160562: "The default value of
 * ci_id_token_sub_claim_components is ["project_path", "ref_type", "ref"]"; gitlabhq
 * app/models/project_ci_cd_setting.rb).
 */
export const DEFAULT_SUB_CLAIM_COMPONENTS: readonly string[] = ["project_path", "ref_type", "ref"];

/**
 * GitLab's default `sub` (ci_id_token_sub_claim_components [project_path, ref_type, ref]):
 * `project_path:<path>:ref_type:<branch|tag>:ref:<ref>`.
 */
export function defaultSubject(projectPath: string, refType: string, ref: string): string {
    return `project_path:${projectPath}:ref_type:${refType}:ref:${ref}`;
}

/** GitLab signs ID tokens for `exp - iat` = the job timeout; 300 s without one. This is the default project timeout. */
export const DEFAULT_JOB_TIMEOUT_SECONDS = 3600;

/** GitLab sets nbf 5 s before iat (jwt.rb NOT_BEFORE_TIME). */
export const NOT_BEFORE_SECONDS = 5;

export interface JobClaimsOptions {
    /** The instance URL: `iss`, and the host in ci_config_ref_uri. */
    readonly gitlabUrl: string;
    readonly projectPath: string;
    readonly projectId: string;
    readonly ref: string;
    readonly refType: "branch" | "tag";
    readonly protected: boolean;
    readonly environment?: string;
    /** `environment_protected` (always "false" on GitLab CE). */
    readonly environmentProtected?: boolean;
    readonly aud: string | readonly string[];
    readonly pipelineSource?: string;
    /** Issued at, seconds since the epoch. */
    readonly now: number;
    readonly jobTimeoutSeconds?: number;
    readonly namespaceId?: string;
    readonly userLogin?: string;
    readonly jobId?: string;
    readonly pipelineId?: string;
}

/**
 * A claim set as GitLab 18.x issues it for a job with these properties. Claims GitLab derives
 * from data the options do not give (ids of users, runners, pipelines, the commit) get
 * placeholder values of the right type.
 */
export function jobClaims(o: JobClaimsOptions): Record<string, unknown> {
    const slash = o.projectPath.lastIndexOf("/");
    const namespace = o.projectPath.slice(0, slash);
    const host = o.gitlabUrl.replace(/^https?:\/\//, "");
    const namespaceId = o.namespaceId ?? "0";
    const claims: Record<string, unknown> = {
        namespace_id: namespaceId,
        namespace_path: namespace,
        project_id: o.projectId,
        project_path: o.projectPath,
        job_project_id: o.projectId,
        job_project_path: o.projectPath,
        job_namespace_id: namespaceId,
        job_namespace_path: namespace,
        user_id: "0",
        user_login: o.userLogin ?? "gitlab-federation-explain",
        user_email: null,
        user_access_level: null,
        pipeline_id: o.pipelineId ?? "0",
        pipeline_source: o.pipelineSource ?? "push",
        job_id: o.jobId ?? "0",
        ref: o.ref,
        ref_type: o.refType,
        ref_path: `refs/${o.refType === "tag" ? "tags" : "heads"}/${o.ref}`,
        ref_protected: String(o.protected),
        runner_environment: "self-hosted",
        sha: "0".repeat(40),
        project_visibility: "private",
        ci_config_ref_uri: `${host}/${o.projectPath}//.gitlab-ci.yml@refs/${o.refType === "tag" ? "tags" : "heads"}/${o.ref}`,
        ci_config_sha: "0".repeat(40),
        jti: "00000000-0000-4000-8000-000000000000",
        iss: o.gitlabUrl,
        iat: o.now,
        nbf: o.now - NOT_BEFORE_SECONDS,
        exp: o.now + (o.jobTimeoutSeconds ?? DEFAULT_JOB_TIMEOUT_SECONDS),
        sub: defaultSubject(o.projectPath, o.refType, o.ref),
        aud: typeof o.aud === "string" ? o.aud : [...o.aud],
    };
    if (o.environment !== undefined) {
        claims.environment = o.environment;
        claims.environment_protected = String(o.environmentProtected ?? false);
        claims.environment_action = "start";
    }
    return claims;
}

/** The token's audiences as a list (`aud` may be a string or an array). */
export function audiences(claims: Claims): string[] {
    const aud = claims.aud;
    if (typeof aud === "string") {
        return [aud];
    }
    return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === "string") : [];
}

/** A claim's value as a string when it is one. */
export function stringClaim(claims: Claims, name: string): string | undefined {
    const value = claims[name];
    return typeof value === "string" ? value : undefined;
}

/** A numeric date claim (iat, nbf, exp) when it is a number. */
export function timeClaim(claims: Claims, name: "iat" | "nbf" | "exp"): number | undefined {
    const value = claims[name];
    return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/**
 * The signature algorithms any target verifies a GitLab ID token with: the asymmetric ones.
 * go-oidc `RemoteKeySet.VerifySignature` (what Vault's jwks_url and OIDC discovery use) parses
 * with exactly these (`allAlgs`) and refuses any other alg as a malformed JWT; cap and Vault's
 * `/login` default to the same list (vault-plugin-auth-jwt path_login.go). An unsigned (`none`) or
 * HMAC (`HS*`) token cannot be verified against a public key set (GitLab's /oauth/discovery/keys),
 * so no target accepts one.
 */
export const ASYMMETRIC_ALGS: readonly string[] = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"];
