/**
 * The Pulumi CLI this project relies on, in one place: the program, the generated pipeline's
 * image and the README name it.
 * - `pulumi state move` re-parents moved resources to the destination stack's root and rewrites
 *   their URNs there (pulumi/pulumi pkg/cmd/pulumi/state/state_move.go `rewriteURNs`), which the
 *   grants' root aliases rely on when a map is sharded or unsharded: 3.224.0.
 * - `pulumi login --oidc-token` (the pipeline's Pulumi Cloud login with the job's ID token): 3.209.0.
 * - The Node.js language host passes the project root (`--root-directory`,
 *   PULUMI_NODEJS_ROOT_DIRECTORY) that the program reads its stack files from; an older CLI
 *   falls back to the folder above the program that holds Pulumi.yaml.
 */
export const MINIMUM_PULUMI_CLI = "3.224.0";
