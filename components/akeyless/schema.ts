/**
 * The Akeyless part of the map: the `gitlab-federation:akeyless` section (where the API is, the
 * stack's folder, its OAuth 2.0/JWT auth method's settings) and a grant's `akeyless` field (the
 * items it may read), and the deployer's settings (`deployer.akeyless`).
 *
 * Field meanings are Akeyless's (docs.akeyless.io "OAuth 2.0/JWT"; npm akeyless@5.0.23 model
 * AuthMethodCreateOauth2): `jwt-ttl` is the lifetime in minutes of the Akeyless token a login
 * returns, `bound-ips` the CIDR blocks logins are accepted from, `audience` the `aud` the auth
 * method requires.
 */
import { z } from "zod";
import { AudienceSchema, reason, ruled } from "../../src/core/schema";
import { DEFAULT_API_URL } from "./api";
import { apiUrlProblem } from "./client";
import { folderProblem } from "./names";

/** An item path as a grant names it: "/" then segments of letters, digits, "_", "-" and "."; no wildcard, no `{{claim}}` template. */
const ITEM_PATH = /^(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+$/;

export function itemPathProblem(path: string): string | undefined {
    if (!ITEM_PATH.test(path)) {
        return `must be an Akeyless item path or folder such as "/platform/api/production" ("/" then segments of letters, digits, "_", "-" and ".", no "*" and no trailing "/"), got ${JSON.stringify(path)}; a folder covers itself and everything below it`;
    }
    return undefined;
}

const SEGMENT = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

export function authMethodSegmentProblem(name: string): string | undefined {
    if (!SEGMENT.test(name) || name === "projects") {
        return `must be one folder segment of lowercase letters, digits, "_", "-" and "." other than "projects" (the grants' roles live there), e.g. "gitlab", got ${JSON.stringify(name)}`;
    }
    return undefined;
}

/** A CIDR block as Akeyless's bound-ips take it (the dynamic provider's check, resources.ts AuthMethodInputs). */
export function cidrBlockProblem(cidr: string): string | undefined {
    return /^[0-9A-Fa-f:.]+\/\d{1,3}$/.test(cidr) ? undefined : `must be a CIDR block such as "10.0.0.0/8", got ${JSON.stringify(cidr)}`;
}

export const AkeylessSchema = z
    .strictObject({
        apiUrl: ruled(apiUrlProblem)
            .default(DEFAULT_API_URL)
            .meta({ description: `Akeyless's API, or a Gateway's (e.g. https://gateway.example.com:8081), where the stack manages its objects and jobs log in. Default: ${DEFAULT_API_URL}.` }),
        folder: ruled(folderProblem).meta({
            description: 'The folder that holds every auth method and role this stack manages, e.g. "/gitlab-federation/prod"; one per stack (stacks sharing an Akeyless account need different folders). The deployer\'s rules are scoped to it.',
        }),
        authMethod: ruled(authMethodSegmentProblem).default("gitlab").meta({ description: "Name of the OAuth 2.0/JWT auth method inside the folder: <folder>/<authMethod>. Default: gitlab. A new name creates a new auth method with a new access id." }),
        audience: AudienceSchema.meta({ description: "The aud the auth method requires and jobs request in id_tokens, e.g. https://akeyless.example.com/prod. Must differ from the other targets' audiences; not https://gitlab.com (what every relying party is told to use)." }),
        jwtTtl: z.number().int().min(1).max(1440).default(60).meta({ description: "Minutes an Akeyless token from a CI login lives (the auth method's jwt-ttl), 1 to 1440. Default: 60." }),
        boundIps: z.array(ruled(cidrBlockProblem)).min(1).optional().meta({ description: "Only accept logins from these CIDR blocks (e.g. your runners); the auth method's bound-ips. Default: any address." }),
        description: z.string().max(512).optional().meta({ description: "Description of the auth method." }),
        protect: z.boolean().default(true).meta({ description: "Protect the auth method from deletion, in Pulumi and with Akeyless's delete protection (default true): deleting it cuts every job's login, and a new one has a new access id." }),
        adopt: z
            .boolean()
            .optional()
            .meta({ description: "true: the auth method <folder>/<authMethod> already exists; the next pulumi up takes it over and configures it as planned (otherwise creating it over an existing one fails)." }),
    })
    .meta({ description: "Akeyless: an OAuth 2.0/JWT auth method for GitLab CI, and an access role with an association per grant." });

export const AkeylessGrantSchema = z
    .strictObject({
        read: z.array(ruled(itemPathProblem)).min(1).meta({ description: "Akeyless items or folders this grant may read (a folder: itself and everything below it, listed too), e.g. [/platform/api/production]." }),
        adopt: z
            .boolean()
            .optional()
            .meta({ description: "true: the grant's role (and its association with the auth method) already exist; the next pulumi up takes them over and brings them to the plan." }),
        allowOutsideProject: reason("Reason this grant may read items outside its own project's folder /<project path>/ (otherwise refused).").optional(),
    })
    .meta({ description: "Akeyless access: an access role with read rules, associated with the stack's auth method under the grant's conditions." });

export type AkeylessConfig = z.output<typeof AkeylessSchema>;
export type AkeylessGrantConfig = z.output<typeof AkeylessGrantSchema>;

/** The deployer's Akeyless settings (`gitlab-federation:deployer.akeyless`): its own objects, which an administrator creates outside the stack's folder. */
export const AkeylessDeployerSchema = z
    .strictObject({
        folder: ruled(folderProblem).meta({
            description: 'The folder of the deployer\'s own auth method and roles, outside akeyless.folder, e.g. "/gitlab-federation-admin/prod": created once by an Akeyless administrator (README: The deployer in Akeyless); the deployer cannot change anything there.',
        }),
        accessId: z
            .string()
            .regex(/^[A-Za-z0-9._-]{1,128}$/, { error: (i) => `must be the access id of the deployer's auth method (letters, digits, ".", "_" and "-"), e.g. p-abc123, got ${JSON.stringify(i.input)}` })
            .meta({ description: "Access id of the deployer's auth method <folder>/gitlab-deployer, which the pipeline's jobs log in with." }),
        acknowledgeRoles: reason(
            "Why it is acceptable that the applier writes the grants' Akeyless roles and associations, whose rules Akeyless cannot bound: a role it writes may give any item, and an association may admit any pipeline, its own included (e.g. every map change is reviewed and the applier job runs only reviewed code on a protected branch in a protected environment).",
        ).optional(),
    })
    .meta({ description: "The deployer's Akeyless settings: where its own auth method and roles are, and the acknowledgement that it writes roles." });

export type AkeylessDeployerConfig = z.output<typeof AkeylessDeployerSchema>;
