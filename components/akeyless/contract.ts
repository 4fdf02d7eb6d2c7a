/**
 * Akeyless's part of the output contract: where jobs log in (the API, the auth method and its
 * access id, the audience) and what a grant reads. The access id is the auth method's, known once
 * it is deployed (component.ts adds it); the deployer's identities carry their own auth method's,
 * from deployer.akeyless.accessId.
 */
import { z } from "zod";
import { audienceProblem } from "../../src/core/rules";
import { patternRule } from "../../src/core/contract-rules";
import type { ContractCapability } from "../target";
import { apiUrlProblem } from "./client";
import { folderProblem } from "./names";
import type { AkeylessPlan, AkeylessSummary } from "./plan-schema";
import { itemPathProblem } from "./schema";

const strings = z.array(z.string());

const ACCESS_ID = /^[A-Za-z0-9._-]{1,128}$/;
const OBJECT_NAME = /^(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+$/;

export const AkeylessContractSchema = z
    .object({
        apiUrl: z.string().meta({ description: "Akeyless's API (or a Gateway's) jobs log in to (AKEYLESS_API_URL)." }),
        folder: z.string().meta({ description: "The folder of every auth method and role this stack manages." }),
        authMethodName: z.string().meta({ description: "The OAuth 2.0/JWT auth method jobs log in through." }),
        audience: z.string().meta({ description: "The aud of the job's Akeyless ID token." }),
        accessId: z.string().optional().meta({ description: "The auth method's access id (AKEYLESS_ACCESS_ID), once deployed; absent offline." }),
    })
    .meta({ description: "The stack's Akeyless auth method." });

export const AkeylessGrantContractSchema = z
    .object({
        apiUrl: z.string().meta({ description: "The stack's apiUrl, repeated so one grant is enough to log in." }),
        authMethodName: z.string().meta({ description: "The auth method the grant's jobs log in through." }),
        accessId: z.string().optional().meta({ description: "Its access id (AKEYLESS_ACCESS_ID); absent offline for grants." }),
        audience: z.string().meta({ description: "The aud of the job's Akeyless ID token." }),
        roleName: z.string().meta({ description: "The grant's access role." }),
        read: strings.meta({ description: "Items and folders the grant reads (a folder: with everything below it)." }),
    })
    .meta({ description: "What a grant gets from Akeyless." });

export function akeylessContract(plan: AkeylessPlan): z.output<typeof AkeylessContractSchema> {
    return { apiUrl: plan.apiUrl, folder: plan.folder, authMethodName: plan.authMethodName, audience: plan.audience };
}

export function akeylessGrantContract(plan: AkeylessPlan, summary: AkeylessSummary): z.output<typeof AkeylessGrantContractSchema> {
    const own = plan.deployer !== undefined && summary.authMethodName === plan.deployer.authMethodName ? { accessId: plan.deployer.accessId } : {};
    return { apiUrl: plan.apiUrl, authMethodName: summary.authMethodName, ...own, audience: summary.audience, roleName: summary.roleName, read: [...summary.read] };
}

const objectName = patternRule(OBJECT_NAME, 'an Akeyless path such as "/gitlab-federation/prod/gitlab"');
const accessId = patternRule(ACCESS_ID, "an Akeyless access id (letters, digits, ., _ and -), e.g. p-abc123");

/** Akeyless's part of the output contract, with the map's rule for each of its strings. */
export const AKEYLESS_CONTRACT: ContractCapability<AkeylessPlan, AkeylessSummary, typeof AkeylessContractSchema, typeof AkeylessGrantContractSchema> = {
    section: AkeylessContractSchema,
    grant: AkeylessGrantContractSchema,
    sectionOf: akeylessContract,
    grantOf: akeylessGrantContract,
    strings: {
        apiUrl: { rule: apiUrlProblem },
        folder: { rule: folderProblem },
        authMethodName: { rule: objectName },
        audience: { rule: audienceProblem },
        accessId: { rule: accessId },
        "grant.apiUrl": { rule: apiUrlProblem },
        "grant.authMethodName": { rule: objectName },
        "grant.accessId": { rule: accessId },
        "grant.audience": { rule: audienceProblem },
        "grant.roleName": { rule: objectName },
        "grant.read[]": { rule: itemPathProblem },
    },
};

