/** The testkit of every built-in target, by key: the conformance suite fails for a registered target without one. */
import { AKEYLESS_TESTKIT } from "./akeyless/testkit";
import { AWS_TESTKIT } from "./aws/testkit";
import { AZURE_TESTKIT } from "./azure/testkit";
import { GCP_TESTKIT } from "./gcp/testkit";
import type { TargetTestkit } from "./testkit";
import { VAULT_TESTKIT } from "./vault/testkit";

export const TESTKITS: Readonly<Record<string, TargetTestkit>> = { vault: VAULT_TESTKIT, aws: AWS_TESTKIT, gcp: GCP_TESTKIT, akeyless: AKEYLESS_TESTKIT, azure: AZURE_TESTKIT };
