/**
 * The review classes (core/review.ts) of the map's core fields, next to core/schema.ts: the
 * gitlab section, projects, the fields every grant has, the deployer and sharding sections.
 * Each target classifies its own section and grant fields in targets/<target>/review.ts.
 */
import type { GitlabConfig } from "../core/schema";
import { EntryIdentity, ReviewFields, ReviewRule, access, arrow, cosmetic, derived, narrowed, trust, unranked, widened, widensAt } from "../core/review";

/**
 * Where Vault fetches the keys that verify GitLab's tokens: the origin of oidcDiscoveryUrl, of
 * jwksUrl, or of the issuer's default key URL (targets/vault/plan.ts authBackendEntry).
 */
function keyOrigin(gitlab: GitlabConfig | undefined): string | undefined {
    return gitlab === undefined ? undefined : new URL(gitlab.oidcDiscoveryUrl ?? gitlab.jwksUrl ?? `${gitlab.url}/oauth/discovery/keys`).origin;
}

/**
 * jwksUrl, oidcDiscoveryUrl: whoever serves the keys can sign tokens Vault accepts. A source
 * moved to another origin (scheme, host, port) is wider: another party's keys may be trusted.
 * A move within the same origin is the same party's server: not reported (the auth method's
 * update is, under resources).
 */
const keySource: ReviewRule = (before, after, context) => {
    const [was, is] = [keyOrigin(context.base.map?.gitlab as GitlabConfig | undefined), keyOrigin(context.head.map?.gitlab as GitlabConfig | undefined)];
    return was === is ? [] : [widened(`${arrow(before, after)}: Vault fetches the keys that prove a token came from GitLab from ${is} (was ${was ?? "nothing"}): whoever controls that host can sign tokens Vault accepts`)];
};

/**
 * gitlab.caPem: with jwks_ca_pem (oidc_discovery_ca_pem) set, Vault checks the key host's
 * certificate against these CAs instead of the system's ("If not set, system certificates are
 * used": https://developer.hashicorp.com/vault/api-docs/auth/jwt, "Configure", jwks_ca_pem). Another
 * set of CAs cannot be ranked: whoever holds a key of one of them can serve keys Vault trusts.
 */
const caBundle: ReviewRule = (before, after) => [
    widened(
        after === undefined
            ? "removed: Vault checks the key host's TLS certificate against the system's CAs again (review it: a change cannot be ranked)"
            : `${before === undefined ? "added" : "changed"}: Vault accepts the key host's TLS certificate from this bundle's CAs only, instead of ${before === undefined ? "the system's" : "the former bundle's"}: whoever holds one of their keys can serve keys Vault trusts (review it: a change cannot be ranked)`,
    ),
];

/**
 * projects.*.renamedFrom: a project's former path is its own folder in Vault (no
 * allowOutsideProject needed) and the source of its names. It is its own only if it held that
 * path: a renamedFrom the base map did not give to a project with this id (a new one, or one
 * changed) claims a folder that was not the project's, which is wider. A real rename (the base
 * had this id at that path) is neutral; a renamedFrom removed is narrower.
 */
const formerPath: ReviewRule = (before, after, context) => {
    const project = context.head.entries[0]!;
    if (after === undefined) {
        return [narrowed(`${arrow(before, after)}: ${project.key} no longer reads ${String(before)}/ as its own folder`)];
    }
    const id = String(project.value.id);
    const base = (context.base.map?.projects ?? {}) as Readonly<Record<string, Readonly<Record<string, unknown>>>>;
    if (base[after as string] !== undefined && String(base[after as string]!.id) === id) {
        return [];
    }
    return [widened(`reads ${String(after)}/ as its own folder (renamedFrom ${before === undefined ? "added" : `changed from ${String(before)}`}; the base map had no project ${id} at that path)`)];
};

/** The reason of an acknowledgement or a loosening: quoted by the warnings. */
export 
const CONDITIONS = derived("diff's access changes: the grant's conditions (admits, protected ref, environment)");

/** The gitlab section (core/schema.ts GitlabSchema). */
const GITLAB: ReviewFields = {
    url: trust(unranked((after) => `every target trusts the ID tokens ${String(after)} issues (Vault's bound_issuer and default key URL, the AWS OIDC provider's URL, the GCP provider's issuer)`)),
    jwksUrl: trust(keySource),
    oidcDiscoveryUrl: trust(keySource),
    caPem: trust(caBundle),
};

/** A project and the fields every grant has (core/schema.ts PROJECT_FIELDS, GRANT_BASE_FIELDS). */
const PROJECTS: ReviewFields = {
    "*.id": derived("diff's access changes: grants are matched by project id, so a new id loses the old project's grants and gains the new one's"),
    "*.description": cosmetic,
    "*.renamedFrom": access(formerPath),
    "*.grants.*.description": cosmetic,
    "*.grants.*.ref": CONDITIONS,
    "*.grants.*.refType": CONDITIONS,
    "*.grants.*.protected": CONDITIONS,
    "*.grants.*.environment": CONDITIONS,
    "*.grants.*.environmentProtected": CONDITIONS,
    "*.grants.*.renamedFrom": derived("diff's access changes: a grant is compared with the grant it was renamed from (renamed from ...)"),
};

/** The deployer section (core/schema.ts deployerSchema): its identities are grants of the federation project in the plan; each target classifies its own settings (deployer.<key>). */
const DEPLOYER: ReviewFields = {
    project: derived("diff's access changes of the deployer's grants (planner, applier), matched by project id; a target that binds the path reports the new path there"),
    id: derived("diff's access changes: the deployer's grants are matched by project id"),
    "planner.ref": CONDITIONS,
    "planner.protected": CONDITIONS,
    "applier.ref": CONDITIONS,
    "applier.environment": CONDITIONS,
    "applier.manual": access(widensAt(false, "pulumi up runs on every pipeline of the applier's branch, with nobody starting it", "pulumi up waits for a person to start it")),
};

/** The sharding section (core/schema.ts ShardingSchema): it moves resources between stacks and changes no access. */
const SHARDING: ReviewFields = {
    shards: derived("diff's resource changes: each entry that changes stacks is a move, a hazard until pulumi state move"),
    by: derived("diff's resource changes: each entry that changes stacks is a move, a hazard until pulumi state move"),
};

/** Every core field's class, by its path in the map. */
export const CORE_REVIEW: Readonly<Record<string, ReviewFields>> = { gitlab: GITLAB, projects: PROJECTS, deployer: DEPLOYER, sharding: SHARDING };

/** Projects match by id (a renamed key is the same project); grants by name, or the name they were renamed from. */
export const CORE_ENTRIES: Readonly<Record<string, EntryIdentity>> = {
    projects: { key: (project) => String(project.id) },
    "projects.*.grants": { key: (_grant, name) => String(name), former: (grant) => grant.renamedFrom as string | undefined },
};
