/**
 * The federated identity credentials of a grant's managed identity: one per ref the grant admits,
 * each trusting GitLab's issuer, the exact default sub for that ref, and one audience.
 *
 * Facts relied on (Entra "Important considerations and restrictions for federated identity
 * credentials", https://learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations,
 * and its include federated-credential-configuration-considerations.md):
 * - "issuer ... must match the issuer claim of the external token"; "subject ... must match the
 *   sub (subject) claim"; "Wildcard characters aren't supported in any federated identity
 *   credential property value" → one credential per exact ref, none for a pattern;
 * - "You must add a single audience value" (ARM: "Federated identity credentials must have
 *   exactly one audience.");
 * - "A maximum of 20 federated identity credentials can be added to an application or
 *   user-assigned managed identity"; issuer and subject hold at most 600 characters;
 * - § "Concurrent updates aren't supported (user-assigned managed identities)": "Creating multiple
 *   federated identity credentials under the same user-assigned managed identity concurrently
 *   triggers concurrency detection logic, which causes requests to fail with 409-conflict"; the
 *   page's remedy is ARM dependsOn between them. Each credential here names the one written before
 *   it on the same identity (`after`), which the component turns into dependsOn: a chain in name
 *   order, so creates, updates and deletes on one identity never overlap.
 * GitLab's default sub is `project_path:<path>:ref_type:<branch|tag>:ref:<ref>` (docs/reference.md §1.2).
 */
import { defaultSubject } from "../../src/core/claims";
import { compare } from "../../src/core/findings";
import type { ResolvedGrant } from "../../src/core/model";
import { grantMeta } from "../../src/core/resources";
import { isPattern } from "../../src/core/rules";
import { RESOURCE, credentialName, credentialSuffix } from "./names";
import type { FederatedCredentialEntry } from "./plan-schema";

/** Federated identity credentials a user-assigned identity can hold. */
export const MAX_CREDENTIALS_PER_IDENTITY = 20;

/** Characters an issuer, a subject or an audience of a federated credential may hold. */
export const MAX_CREDENTIAL_VALUE_LENGTH = 600;

/** The identity a grant's credentials belong to. */
export interface IdentityRef {
    readonly resourceGroupName: string;
    readonly name: string;
}

/**
 * The credentials of a grant's identity, in name order, chained. Refs must be exact (checks.ts
 * refuses patterns): a pattern here is a bug in this program, never a user error.
 */
export function federatedCredentials(
    grant: Pick<ResolvedGrant, "key" | "formerKeys" | "project" | "refType" | "refs">,
    identity: IdentityRef,
    issuer: string,
    audience: string,
): FederatedCredentialEntry[] {
    const credentials = grant.refs.map((ref) => {
        if (isPattern(ref)) {
            throw new Error(`internal error: federated credential for the pattern ${JSON.stringify(ref)} of ${grant.key}`);
        }
        const name = credentialName(grant.refType, ref);
        return { name, subject: defaultSubject(grant.project, grant.refType, ref) };
    });
    credentials.sort((a, b) => compare(a.name, b.name));
    const entries: FederatedCredentialEntry[] = [];
    for (const { name, subject } of credentials) {
        const previous = entries[entries.length - 1];
        entries.push({
            resource: grantMeta(RESOURCE.federatedCredential, grant, credentialSuffix(name)),
            resourceGroupName: identity.resourceGroupName,
            resourceName: identity.name,
            federatedIdentityCredentialResourceName: name,
            issuer,
            subject,
            audiences: [audience],
            ...(previous !== undefined ? { after: previous.resource.name } : {}),
        });
    }
    return entries;
}
