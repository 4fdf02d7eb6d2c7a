/** Every policy of the pack, in the order the pack declares them. Imports nothing of @pulumi/policy. */
import { AWS_POLICIES } from "./aws";
import { AZURE_POLICIES } from "./azure";
import { GCP_POLICIES } from "./gcp";
import type { Policy } from "./types";
import { VAULT_POLICIES } from "./vault";

export const POLICIES: readonly Policy[] = [...AWS_POLICIES, ...GCP_POLICIES, ...VAULT_POLICIES, ...AZURE_POLICIES];

export const PACK_NAME = "gitlab-federation";

export const PACK_DESCRIPTION =
    "Guards GitLab CI federation in every stack: AWS roles, GCP workload identity providers and grants, Vault JWT roles and mounts, and Azure federated identity credentials that trust GitLab ID tokens must bind the project, the audience and short-lived tokens.";
