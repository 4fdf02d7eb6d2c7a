/**
 * The CrossGuard policy pack: `pulumi preview --policy-pack policy/` (after `npm ci && npm run
 * build` here), or published to Pulumi Cloud and enforced there. This file only hands the pure
 * policies (./lib, which import nothing of @pulumi/policy and are tested by the repository's own
 * suite) to PolicyPack, whose constructor starts the gRPC server the Pulumi CLI talks to (one per
 * process: pulumi/pulumi-policy `sdk/nodejs/policy/server.ts` `serve`).
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_DESCRIPTION, PACK_NAME, POLICIES } from "./lib/policies";

new PolicyPack(PACK_NAME, { description: PACK_DESCRIPTION, policies: [...POLICIES] });
