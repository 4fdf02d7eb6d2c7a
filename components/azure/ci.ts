/**
 * Azure's part of a grant's CI template job. The job requests an ID token for the stack's
 * audience and writes it to a job-private file (mktemp, mode 0600, removed in after_script):
 * AZURE_FEDERATED_TOKEN_FILE with AZURE_CLIENT_ID and AZURE_TENANT_ID is what the Azure SDKs'
 * WorkloadIdentityCredential (and DefaultAzureCredential) read (@azure/identity 4.14.1
 * workloadIdentityCredential.js SupportedWorkloadEnvironmentVariables; the file holds the raw JWT).
 *
 * When the Azure CLI is on the image, the job logs it in as the grant's identity:
 * `az login --service-principal -u <client id> -t <tenant> --federated-token <token>` (GitLab
 * "Configure OpenID Connect in Azure", https://docs.gitlab.com/ci/cloud_services/azure/; for a
 * user-assigned identity -u takes its client ID). `--allow-no-subscriptions` lets the login
 * succeed for an identity whose roles are all below the subscription, which the CLI may then not
 * list (azure-cli `az login` help: "Support access tenants without subscriptions").
 * A federated credential created moments before is not yet known everywhere: "A token request
 * made several minutes after configuring the federated identity credential may fail ...
 * AADSTS70021 ... We also recommend adding retry logic for token requests" (Entra considerations
 * page, § "Time for federated credential changes to propagate"). The login retries that one error
 * a bounded number of times; any other error fails the job at once. The code is matched with its
 * colon ("AADSTS70021: ..."), so that AADSTS700212 (a wrong audience, which waiting cannot fix)
 * is not taken for it.
 */
import { JOB_FILE, JOB_FILES_CLEANUP } from "../../src/core/ci-shell";
import type { CiPiece, CiUnavailable, CiValue } from "../target";

export const AZURE_TOKEN_VARIABLE = "AZURE_ID_TOKEN";

/** Attempts of the first login; waits 10, 20, 30 and 40 s between them. */
export const AZURE_LOGIN_ATTEMPTS = 5;

/** What the job needs to know of the grant's identity: the client ID exists only once the identity is deployed. */
export interface AzureCiGrant {
    readonly clientId?: string;
    readonly tenantId: string;
    readonly subscriptionId: string;
    readonly audience: string;
}

/** The shell that writes the token file and logs the CLI in. */
export function azureLoginScript(): string {
    const attempts = Array.from({ length: AZURE_LOGIN_ATTEMPTS }, (_, i) => i + 1).join(" ");
    return [
        "# Azure: the SDKs log in as $AZURE_CLIENT_ID with the token in this job-private file",
        `export AZURE_FEDERATED_TOKEN_FILE="$(mktemp ${JOB_FILE})"`,
        `printf '%s' "$${AZURE_TOKEN_VARIABLE}" > "$AZURE_FEDERATED_TOKEN_FILE"`,
        "# A new federated credential takes minutes to reach Entra ID (AADSTS70021): log the CLI in,",
        "# retrying only that error, a bounded number of times",
        "if command -v az >/dev/null 2>&1; then",
        `  for attempt in ${attempts}; do`,
        '    if error="$(az login --service-principal -u "$AZURE_CLIENT_ID" -t "$AZURE_TENANT_ID" --federated-token "$(cat "$AZURE_FEDERATED_TOKEN_FILE")" --allow-no-subscriptions --output none 2>&1 >/dev/null)"; then break; fi',
        `    case "$error" in *AADSTS70021:*) if [ "$attempt" -lt ${AZURE_LOGIN_ATTEMPTS} ]; then sleep $((attempt * 10)); continue; fi;; esac`,
        '    echo "$error" >&2; exit 1',
        "  done",
        "fi",
    ].join("\n");
}

export function azureCi(grant: AzureCiGrant, value: CiValue): CiPiece | CiUnavailable {
    if (grant.clientId === undefined) {
        return {
            unavailable: `the managed identity's client ID exists only once pulumi up has created it: generate from the deployed stack's contract (pulumi stack output contract --json | gitlab-federation ci --contract -); for the deployer's identities, set gitlab-federation:deployer.azure.clientIds from it`,
        };
    }
    return {
        idToken: { variable: AZURE_TOKEN_VARIABLE, audience: value("azure_audience", grant.audience, "aud of the Azure ID token: the stack's azure.audience") },
        variables: {
            AZURE_CLIENT_ID: value("azure_client_id", grant.clientId, "client ID of the grant's managed identity"),
            AZURE_TENANT_ID: value("azure_tenant_id", grant.tenantId, "the Microsoft Entra tenant"),
            AZURE_SUBSCRIPTION_ID: value("azure_subscription_id", grant.subscriptionId, "the subscription of the grant's roles"),
        },
        beforeScript: [azureLoginScript()],
        afterScript: [JOB_FILES_CLEANUP],
        comments: [
            "# Azure: az is logged in as the grant's identity; SDKs (DefaultAzureCredential) read AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE.",
            "# az reuses the ID token for later tokens (Key Vault, Storage): after its exp (the job timeout) they fail with AADSTS700024.",
        ],
    };
}
