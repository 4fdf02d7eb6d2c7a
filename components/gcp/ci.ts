/**
 * GCP's part of a grant's CI template job: a credential configuration (an `external_account`
 * file, Google's AIP-4117) that the Google client libraries and gcloud read. It names the token
 * file, the pool provider as the STS audience, and the grant's service account to impersonate
 * (the grant's principalSets hold roles/iam.workloadIdentityUser on it). Both files are
 * job-private (mktemp) and removed in after_script.
 */
import type { z } from "zod";
import { JOB_FILE, JOB_FILES_CLEANUP } from "../../src/core/ci-shell";
import type { CiPiece, CiValue } from "../target";
import type { GcpContractSchema, GcpGrantContractSchema } from "./contract";

export const GCP_TOKEN_VARIABLE = "GCP_ID_TOKEN";

/** The credential configuration, as printf's format: the token file is its one argument after the two variables. */
const CREDENTIAL_FORMAT = [
    '{"type":"external_account"',
    '"audience":"%s"',
    '"subject_token_type":"urn:ietf:params:oauth:token-type:jwt"',
    '"token_url":"https://sts.googleapis.com/v1/token"',
    '"credential_source":{"file":"%s","format":{"type":"text"}}',
    '"service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/%s:generateAccessToken"}',
].join(",");

/**
 * access direct: the same file without service_account_impersonation_url, so the client libraries
 * use the STS token itself (the federated principal) for every call. The field is optional:
 * `gcloud iam workload-identity-pools create-cred-config` takes `[--service-account=SERVICE_ACCOUNT]`
 * as an optional flag (https://cloud.google.com/sdk/gcloud/reference/iam/workload-identity-pools/create-cred-config,
 * SYNOPSIS) and writes the impersonation URL only with it (UNVERIFIED: the description of what the
 * file holds without it was not read; AIP-4117 lists service_account_impersonation_url as optional).
 */
const DIRECT_FORMAT = CREDENTIAL_FORMAT.replace(/,"service_account_impersonation_url":[^}]*\}$/, "}");

/** Writes the job's token file and credential configuration. */
function credentialScript(direct: boolean): string {
    return [
        direct
            ? "# GCP: a credential configuration that exchanges the token; the federated principal itself holds the roles (direct access)"
            : "# GCP: a credential configuration that exchanges the token and impersonates $GCP_SERVICE_ACCOUNT",
        `GCP_ID_TOKEN_FILE="$(mktemp ${JOB_FILE})"`,
        `printf '%s' "$${GCP_TOKEN_VARIABLE}" > "$GCP_ID_TOKEN_FILE"`,
        `export GOOGLE_APPLICATION_CREDENTIALS="$(mktemp ${JOB_FILE})"`,
        direct
            ? `printf '${DIRECT_FORMAT}' "$GCP_WORKLOAD_IDENTITY_PROVIDER" "$GCP_ID_TOKEN_FILE" > "$GOOGLE_APPLICATION_CREDENTIALS"`
            : `printf '${CREDENTIAL_FORMAT}' "$GCP_WORKLOAD_IDENTITY_PROVIDER" "$GCP_ID_TOKEN_FILE" "$GCP_SERVICE_ACCOUNT" > "$GOOGLE_APPLICATION_CREDENTIALS"`,
        'export CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE="$GOOGLE_APPLICATION_CREDENTIALS"',
    ].join("\n");
}

export function gcpCi(_section: z.output<typeof GcpContractSchema>, grant: z.output<typeof GcpGrantContractSchema>, value: CiValue): CiPiece {
    const email = grant.serviceAccountEmail;
    return {
        idToken: { variable: GCP_TOKEN_VARIABLE, audience: value("gcp_audience", grant.audience, "aud of the GCP ID token: the stack's gcp.audience") },
        variables: {
            GCP_WORKLOAD_IDENTITY_PROVIDER: value("gcp_workload_identity_provider", grant.providerResourceName, "the pool provider, as the STS audience"),
            ...(email !== undefined ? { GCP_SERVICE_ACCOUNT: value("gcp_service_account", email, "the grant's service account") } : {}),
        },
        beforeScript: [credentialScript(email === undefined)],
        afterScript: [JOB_FILES_CLEANUP],
        comments: [],
    };
}
