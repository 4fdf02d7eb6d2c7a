/**
 * gitlab-federation's Pulumi program (compiled to dist/index.js, the `main` of Pulumi.yaml).
 * This module is the program, not the package: `require("gitlab-federation")` loads contract/.
 *
 * Its exports are the stack outputs (Pulumi registers each export of the program's module):
 * - `contract`: the versioned output contract app stacks read with FederationReference and app
 *   projects' CI is generated from (`gitlab-federation ci`); see src/contract/contract.ts and
 *   schema/contract.schema.json;
 * - deprecated since 0.2.0, to be removed in 1.0: `grants` and one output per target the stack
 *   uses (the 0.1.0 outputs), taken from the contract (src/pulumi/federation.ts).
 */
import { runStack } from "./src/pulumi/program";

export = runStack();
