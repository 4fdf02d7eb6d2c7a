/**
 * Realistic GitLab ID token claim sets for tests (GitLab 18.x; see the claim table in
 * docs/reference.md §1.3), and short forms of the targets' evaluators
 * (components/<target>/evaluate.ts) for tests that ask "would this token be accepted?".
 */
import type { Claims } from "../../src/core/claims";
import { trustPolicyReasons } from "../../components/aws/evaluate";
import type { TrustPolicyDocument } from "../../components/aws/plan-schema";
import { roleReasons } from "../../components/vault/evaluate";
import type { VaultRoleEntry } from "../../components/vault/plan-schema";

export type { Claims };

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
export function gitlabToken(o: TokenOptions = {}): Record<string, unknown> {
    const projectPath = o.projectPath ?? "platform/api";
    const ref = o.ref ?? "main";
    const refType = o.refType ?? "branch";
    const namespace = projectPath.slice(0, projectPath.lastIndexOf("/"));
    const claims: Record<string, unknown> = {
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

/** Whether a Vault role admits this token (audience, user claim, bound claims). */
export function vaultAccepts(role: VaultRoleEntry, claims: Claims): boolean {
    return roleReasons(role, claims).length === 0;
}

/** Whether a trust policy admits this token (conditions only; for a self-managed GitLab only aud and sub exist). */
export function awsAccepts(document: TrustPolicyDocument, claims: Claims, gitlabUrl = "https://gitlab.example.com"): boolean {
    return trustPolicyReasons(document, gitlabUrl, claims).length === 0;
}
