/** What marks a trust as GitLab's: its issuer URL, or the claims it binds. */

/**
 * Claims only GitLab CI ID tokens carry (docs/reference.md §1.3: GL `jwt.rb` `predefined_claims`,
 * `project_claims`, `job_project_claims`, `ci_claims`; `jwt_v2.rb`), used to recognise a GitLab
 * trust whose issuer is not configured. `sub`, `ref`, `ref_type`, `sha`, `runner_environment`,
 * `environment`, `job_id` and `pipeline_id` are left out: other CI issuers use such names (GitHub
 * Actions `ref`, `runner_environment`; Buildkite's tokens carry a `job_id`, sigstore/fulcio pull
 * request 890, "Add Buildkite OIDC to Fulcio"), and `pipeline_id` is as generic.
 */
export const GITLAB_CLAIMS: ReadonlySet<string> = new Set([
    "project_id",
    "project_path",
    "namespace_id",
    "namespace_path",
    "job_project_id",
    "job_project_path",
    "job_namespace_id",
    "job_namespace_path",
    "ref_protected",
    "ref_path",
    "pipeline_source",
    "user_login",
    "user_access_level",
    "user_identities",
    "groups_direct",
    "project_visibility",
    "ci_config_ref_uri",
    "ci_config_sha",
    "environment_protected",
    "deployment_tier",
    "environment_action",
]);

/** The claims that name a project or the group it is in. */
export const PROJECT_CLAIMS: readonly string[] = ["project_id", "project_path", "namespace_id", "namespace_path", "job_project_id", "job_project_path", "job_namespace_id", "job_namespace_path"];

/** An issuer URL as GitLab writes `iss`: no trailing slash (docs/reference.md §1.1). */
export function issuer(url: string): string {
    return url.trim().replace(/\/+$/, "");
}

/** An issuer without its scheme, lower-cased: the form IAM uses in provider ARNs and condition keys (docs/reference.md §4.3). */
export function issuerHost(url: string): string {
    return issuer(url)
        .replace(/^https?:\/\//i, "")
        .toLowerCase();
}

/** The configured issuers, normalised. */
export function issuers(urls: readonly string[]): string[] {
    return urls.map(issuer);
}
