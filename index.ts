/**
 * gitlab-federation's Pulumi program (compiled to dist/index.js, the `main` of Pulumi.yaml).
 * Stack outputs are the contract app stacks read through StackReferences (see contract/).
 * This module is the program, not the package: `require("gitlab-federation")` loads contract/.
 */
import { runStack } from "./src/pulumi/program";

const outputs = runStack();

/**
 * The versioned output contract app stacks read with FederationReference and app projects' CI
 * is generated from (`gitlab-federation ci`); see contract/contract.ts and schema/contract.schema.json.
 */
export const contract = outputs.contract;
/** Per project path and grant: the project id and, per target, what the grant gets (role, audience, ...). */
export const grants = outputs.grants;
/** Vault auth path, accessor, audience and KV mount. */
export const vault = outputs.vault;
/** AWS OIDC provider ARN and audience. */
export const aws = outputs.aws;
/** GCP workload identity provider name and audience. */
export const gcp = outputs.gcp;
