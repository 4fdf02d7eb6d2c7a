/**
 * gitlab-federation's Pulumi entry point (compiled to dist/index.js, see Pulumi.yaml).
 * Stack outputs are the contract app stacks read through StackReferences.
 */
import { readStackMap, runProgram } from "./program";

const outputs = runProgram(readStackMap());

/** Per project path and grant: Vault auth path, role, audience and policy names; AWS role ARN and audience; GCP service account, provider name and audience. */
export const grants = outputs.grants;
/** Vault auth path, accessor, audience and KV mount. */
export const vault = outputs.vault;
/** AWS OIDC provider ARN and audience. */
export const aws = outputs.aws;
/** GCP workload identity provider name and audience. */
export const gcp = outputs.gcp;
