/**
 * Azure: federated identity credentials that trust GitLab CI ID tokens
 * (`azure-native:managedidentity:FederatedIdentityCredential`, @pulumi/azure-native 3.x, and
 * `azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential`).
 * A credential is GitLab's when its issuer is one of `gitlabUrls`, or its subject is a GitLab sub.
 *
 * Facts relied on (Microsoft Learn, "Workload identity federation": "Federated identity credential
 * for an app" and "Flexible federated identity credentials (preview)"): Entra ID matches `issuer`
 * and `subject` exactly (case-sensitive), and one of `audiences`; a flexible credential replaces
 * `subject` with `claimsMatchingExpression`, whose `matches` patterns admit whatever they match.
 * GitLab's default sub is `project_path:<path>:ref_type:<branch|tag>:ref:<ref>` (docs/reference.md
 * §1.3); a project that customises its sub claim components changes it.
 */
import { issuer, issuers } from "./gitlab";
import { GITLAB_URLS, resourcePolicy, typeTokens } from "./policy";
import type { ResourcePolicy } from "./types";

const TYPES = typeTokens([
    "azure-native:managedidentity:FederatedIdentityCredential",
    "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
]);

/** GitLab's default sub: a project path, then the ref type and the ref, nothing else. */
const DEFAULT_SUB = /^project_path:[^:]+\/[^:]+:ref_type:(branch|tag):ref:.+$/;

interface Config {
    readonly gitlabUrls: readonly string[];
}

/** The violations of one credential, or undefined when it is not GitLab's. */
function check(props: Record<string, any>, config: Config): string[] | undefined {
    const subject = typeof props.subject === "string" ? props.subject : undefined;
    const own = typeof props.issuer === "string" && issuers(config.gitlabUrls).includes(issuer(props.issuer));
    if (!own && !(subject?.startsWith("project_path:") ?? false)) {
        return undefined;
    }
    const violations: string[] = [];
    if (props.claimsMatchingExpression !== undefined && props.claimsMatchingExpression !== null) {
        violations.push(
            "a flexible credential (claimsMatchingExpression, preview) admits every token its patterns match, other projects' and unprotected refs' included: use one credential per exact subject (project_path:<group>/<project>:ref_type:<type>:ref:<ref>)",
        );
    } else if (subject === undefined || !DEFAULT_SUB.test(subject)) {
        violations.push(
            `subject ${JSON.stringify(subject ?? "")} is not GitLab's default sub (project_path:<group>/<project>:ref_type:<branch|tag>:ref:<ref>): a token's sub has that form unless its project customised the sub claim, so this credential either matches nothing or relies on a customisation nobody reviews here: write the default form`,
        );
    }
    const audiences: unknown[] = Array.isArray(props.audiences) ? props.audiences : [];
    if (audiences.length !== 1) {
        violations.push(`audiences ${JSON.stringify(audiences)}: give exactly one audience (api://AzureADTokenExchange by default), the one the job's id_tokens: requests for Azure`);
    }
    return violations;
}

export const AZURE_POLICIES: readonly ResourcePolicy[] = [
    resourcePolicy<Config>({
        name: "azure-gitlab-credential-exact-subject",
        description: "Azure federated identity credentials trusting GitLab match one exact GitLab sub (one project, ref type and ref) and one audience; no flexible credentials",
        enforcementLevel: "mandatory",
        config: { gitlabUrls: GITLAB_URLS },
        types: TYPES,
        scope: "federated identity credentials for GitLab CI (an issuer in gitlabUrls, or a GitLab sub)",
        check,
    }),
];
