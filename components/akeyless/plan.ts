/**
 * Akeyless's plan: the stack's OAuth 2.0/JWT auth method, and per grant an access role with read
 * rules and its association with the auth method, whose sub-claims bind the grant's conditions.
 * All security decisions for Akeyless are made here and in deployer.ts (design:
 * /work/notes/akeyless-design.md §4; matching: evaluate.ts).
 *
 * - The auth method forces sub-claims and identifies clients by `project_id` (resources.ts sends
 *   `force-sub-claims: true` and reads it back); its `issuer` is the GitLab URL and its key set
 *   GitLab's (docs.akeyless.io "OAuth 2.0/JWT": jwks-uri, issuer, audience, unique-identifier).
 * - Sub-claims (docs.akeyless.io "Sub-Claims"): every key must match, any of a key's values;
 *   `ref_protected` is the string "true" in GitLab's tokens (docs.gitlab.com ci/secrets/id_token_authentication).
 * - Adoption of existing objects is the resources' `adopt` input, never Pulumi's `import` option:
 *   the engine's import reads a resource with neither inputs nor state, so the dynamic provider
 *   host cannot find the serialized provider (pulumi/pulumi pkg/resource/deploy/step.go
 *   `ImportStep.Apply`; pulumi/pulumi#3550, #16175).
 */
import type { Findings } from "../../src/core/findings";
import { formatPath } from "../../src/core/findings";
import { ResolvedGrant, fullEnforcement, uniqueSorted } from "../../src/core/model";
import { grantMeta, meta } from "../../src/core/resources";
import { isPattern } from "../../src/core/rules";
import type { GitlabConfig } from "../../src/core/schema";
import type { PlanContext, TargetGrant, TargetPlanResult } from "../target";
import { AkeylessDeployer, akeylessDeployer } from "./deployer";
import { REF_PATTERN_WARNING, refSubClaim, subClaimValueProblem } from "./evaluate";
import { ANCHOR, RESOURCE, akeylessAuthMethodName, akeylessRoleName } from "./names";
import type { AkeylessAssociationEntry, AkeylessAuthMethodEntry, AkeylessPlan, AkeylessRoleEntry, AkeylessSummary } from "./plan-schema";
import type { AkeylessConfig, AkeylessGrantConfig } from "./schema";

type AkeylessGrant = TargetGrant<AkeylessGrantConfig>;

/** The auth method's default description: states who manages it. */
export const AUTH_DESCRIPTION = "GitLab CI ID tokens (managed by gitlab-federation)";

/** The stack's auth method: GitLab's keys and issuer, the stack's audience, one client per project. */
export function authMethodEntry(gitlab: GitlabConfig, akeyless: AkeylessConfig): AkeylessAuthMethodEntry {
    return {
        resource: meta(RESOURCE.authMethod, ANCHOR.authMethod, akeyless.protect),
        apiUrl: akeyless.apiUrl,
        name: akeylessAuthMethodName(akeyless.folder, akeyless.authMethod),
        jwksUri: gitlab.jwksUrl ?? `${gitlab.url}/oauth/discovery/keys`,
        issuer: gitlab.url,
        audience: akeyless.audience,
        uniqueIdentifier: "project_id",
        jwtTtl: akeyless.jwtTtl,
        ...(akeyless.boundIps !== undefined ? { boundIps: [...akeyless.boundIps] } : {}),
        description: akeyless.description ?? AUTH_DESCRIPTION,
        deleteProtection: akeyless.protect,
        adopt: akeyless.adopt === true,
    };
}

/**
 * The sub-claims of a grant (or a deployer identity), in a fixed order: project by id, refs (any
 * of), ref type, protected, environment, protected environment. environment_protected is the
 * string "true", as ref_protected (GitLab lib/gitlab/ci/jwt.rb custom_claims:
 * `environment_protected: environment_protected?.to_s`), so it is bound the same way.
 */
export function subClaimsOf(g: Pick<ResolvedGrant, "projectId" | "refs" | "refType" | "protected" | "environment" | "environmentProtected">): Record<string, string[]> {
    return {
        project_id: [g.projectId],
        ref: [...g.refs],
        ref_type: [g.refType],
        ...(g.protected ? { ref_protected: ["true"] } : {}),
        ...(g.environment !== undefined ? { environment: [g.environment] } : {}),
        ...(g.environmentProtected === true ? { environment_protected: ["true"] } : {}),
    };
}

/**
 * Why an environment pattern is refused on Akeyless: how its sub-claim wildcard reads GitLab
 * environment names ("/" crossed? a missing environment?) is UNVERIFIED (notes: docs.akeyless.io
 * "Sub-Claims" documents only "any amount of characters"), so only exact environments are bound.
 */
function environmentPatternProblem(environment: string): string {
    return `is a pattern (got ${JSON.stringify(environment)}), and how Akeyless's sub-claim wildcard matches environment names is not verified: name one exact environment (one grant per environment), or give this Akeyless access in a grant without environment`;
}

/** Refs and the environment as Akeyless sub-claim values: refused where Akeyless would read them otherwise, warned where a pattern's reading is unverified. */
export function checkConditions(grant: ResolvedGrant, findings: Findings): boolean {
    let ok = true;
    for (const ref of grant.refs) {
        const bound = refSubClaim(ref);
        if ("problem" in bound) {
            findings.problem([...grant.path, "ref"], `${JSON.stringify(ref)} cannot be an Akeyless sub-claim: it ${bound.problem}`);
            ok = false;
        } else if (isPattern(ref) && ref !== "*") {
            findings.warn([...grant.path, "ref"], `${JSON.stringify(ref)}: ${REF_PATTERN_WARNING}`);
        }
    }
    const envProblem = grant.environment === undefined ? undefined : isPattern(grant.environment) ? environmentPatternProblem(grant.environment) : subClaimValueProblem(grant.environment);
    if (envProblem !== undefined) {
        findings.problem([...grant.path, "environment"], `cannot be an Akeyless sub-claim: it ${envProblem}`);
        ok = false;
    }
    return ok;
}

/** The folders of the item tree a project owns: /<path> and, after a rename, /<former path>. */
function ownFolders(grant: ResolvedGrant): string[] {
    return [grant.project, ...(grant.renamedFrom !== undefined ? [grant.renamedFrom] : [])].map((p) => `/${p}`);
}

/** A grant's read paths: once each, inside the project's folder unless it says why; sorted and unique. */
export function checkReads({ grant, fields, at }: AkeylessGrant, findings: Findings): readonly string[] {
    const inside = (path: string) => ownFolders(grant).some((folder) => path === folder || path.startsWith(`${folder}/`));
    fields.read.forEach((path, index) => {
        if (fields.read.indexOf(path) !== index) {
            findings.problem([...at, "read", index], `lists ${JSON.stringify(path)} more than once; list each path once`);
        } else if (!inside(path) && fields.allowOutsideProject === undefined) {
            findings.problem(
                [...at, "read", index],
                `${JSON.stringify(path)} is outside this project's folder ${JSON.stringify(`/${grant.project}/`)}: keep each project's items under its own path, or set akeyless.allowOutsideProject with a reason (e.g. a shared registry credential)`,
            );
        } else if (fields.read.some((other) => path.startsWith(`${other}/`))) {
            findings.warn([...at, "read", index], `is already covered by ${JSON.stringify(fields.read.find((other) => path.startsWith(`${other}/`)))} in the same grant; remove it`);
        }
    });
    const read = uniqueSorted(fields.read);
    if (fields.allowOutsideProject !== undefined) {
        const outside = read.filter((path) => !inside(path));
        if (outside.length > 0) {
            findings.loosen([...at, "allowOutsideProject"], `reads Akeyless items outside ${JSON.stringify(`/${grant.project}/`)} (${outside.join(", ")})`, fields.allowOutsideProject);
        } else {
            findings.warn([...at, "allowOutsideProject"], `has no effect: every path is inside ${JSON.stringify(`/${grant.project}/`)}; remove it`);
        }
    }
    return read;
}

/** The item rules of read paths: each path itself (read) and everything below it (read, list). */
export function readRules(read: readonly string[]): AkeylessRoleEntry["rules"] {
    return read.flatMap((path) => [
        { ruleType: "item-rule" as const, path, capabilities: ["read" as const] },
        { ruleType: "item-rule" as const, path: `${path}/*`, capabilities: ["list" as const, "read" as const] },
    ]);
}

/** Role names lowercase the project path: two map keys differing in case would share one role. Returns whether `grant` keeps its name. */
function claimRoleName(owners: Map<string, ResolvedGrant>, name: string, item: AkeylessGrant, findings: Findings): boolean {
    const owner = owners.get(name);
    if (owner !== undefined) {
        findings.problem(item.at, `Akeyless role ${JSON.stringify(name)} is also the role of ${formatPath(owner.path)} (role names lowercase the project path, or its renamedFrom): rename one of the grants`);
        return false;
    }
    owners.set(name, item.grant);
    return true;
}

interface Built {
    readonly roles: AkeylessRoleEntry[];
    readonly associations: AkeylessAssociationEntry[];
    readonly summaries: Map<number, AkeylessSummary>;
}

/** A grant's role, association and summary (nothing where a problem stops it). */
function planGrant(item: AkeylessGrant, akeyless: AkeylessConfig, authMethodName: string, owners: Map<string, ResolvedGrant>, built: Built, findings: Findings): void {
    const { grant, fields } = item;
    const read = checkReads(item, findings);
    const conditionsOk = checkConditions(grant, findings);
    const name = akeylessRoleName(akeyless.folder, grant.namesPath, grant.namesGrant);
    if (!claimRoleName(owners, name, item, findings) || !conditionsOk) {
        return;
    }
    const adopt = fields.adopt === true;
    const subClaims = subClaimsOf(grant);
    built.roles.push({ resource: grantMeta(RESOURCE.role, grant), apiUrl: akeyless.apiUrl, name, rules: readRules(read), adopt });
    // Delete-first: creating first would meet the old association, which create refuses to take over (component.ts).
    built.associations.push({ resource: grantMeta(RESOURCE.association, grant, "", { deleteBeforeReplace: true }), apiUrl: akeyless.apiUrl, roleName: name, authMethodName, subClaims, adopt });
    built.summaries.set(grant.index, { authMethodName, roleName: name, audience: akeyless.audience, read: [...read], subClaims, enforcement: fullEnforcement(grant) as AkeylessSummary["enforcement"] });
}

/** What the section's settings mean, for reviewers. */
function sectionWarnings(gitlab: GitlabConfig, akeyless: AkeylessConfig, findings: Findings): void {
    if (!akeyless.protect) {
        findings.warn(["akeyless", "protect"], `false: the auth method ${akeylessAuthMethodName(akeyless.folder, akeyless.authMethod)} can be deleted by pulumi destroy or a removed section, which cuts every job's login; a new one has a new access id`);
    }
    if (akeyless.adopt === true) {
        findings.warn(["akeyless", "adopt"], `true: the next pulumi up takes over ${akeylessAuthMethodName(akeyless.folder, akeyless.authMethod)} and rewrites it as planned (issuer, keys, audience, forced sub-claims); roles already associated with it stay until removed by hand`);
    }
    if (gitlab.caPem !== undefined) {
        findings.warn(["gitlab", "caPem"], `is not given to Akeyless: its auth method fetches GitLab's keys (${gitlab.jwksUrl ?? `${gitlab.url}/oauth/discovery/keys`}) with its own trust store, so GitLab's certificate must be one Akeyless trusts`);
    }
}

/** Plans Akeyless for the grants that have `akeyless` (and the deployer's identities). */
export function planAkeyless(ctx: PlanContext<AkeylessConfig, AkeylessGrantConfig>): TargetPlanResult<AkeylessPlan, AkeylessSummary> {
    const { gitlab, section: akeyless, findings } = ctx;
    const authMethod = authMethodEntry(gitlab, akeyless);
    sectionWarnings(gitlab, akeyless, findings);
    const deployer: AkeylessDeployer | undefined = ctx.deployer !== undefined ? akeylessDeployer(ctx) : undefined;
    const owners = new Map<string, ResolvedGrant>();
    const built: Built = { roles: [], associations: [], summaries: new Map() };
    for (const item of ctx.grants) {
        if (item.identity === undefined) {
            planGrant(item, akeyless, authMethod.name, owners, built, findings);
        } else if (deployer?.plan !== undefined) {
            built.summaries.set(item.grant.index, deployer.summary(item));
        }
    }
    return {
        plan: {
            apiUrl: akeyless.apiUrl,
            folder: akeyless.folder,
            audience: akeyless.audience,
            authMethodName: authMethod.name,
            authMethod,
            roles: built.roles,
            associations: built.associations,
            ...(deployer?.plan !== undefined ? { deployer: deployer.plan } : {}),
        },
        grants: built.summaries,
        audience: akeyless.audience,
    };
}
