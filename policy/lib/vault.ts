/**
 * Vault: JWT auth roles and mounts for GitLab CI (`vault:jwt/authBackendRole:AuthBackendRole`,
 * `vault:jwt/authBackend:AuthBackend`, property names of `@pulumi/vault` 7.8.0, bridged from
 * hashicorp/terraform-provider-vault `resource_jwt_auth_backend_role.go`,
 * `resource_jwt_auth_backend.go`; in the latter's schema @31447510c, `path` and `type` default to
 * "jwt", and `type` is "jwt" or "oidc").
 *
 * A role is GitLab's when its mount is listed in `gitlabMounts`, when it binds a claim only
 * GitLab tokens carry (./gitlab.ts), or when its subject is a GitLab sub. A role on a GitLab mount
 * that binds none of these is found by the stack policy, which sees the mount's resource.
 *
 * Facts relied on (docs/reference.md): every GitLab token carries `aud`, and a role without
 * `bound_audiences` refuses such tokens (§1.1, §2.3 step 8, §7.8); a role bound only by audience
 * admits every project (§7.1); the provider splits each `boundClaims` value on commas unless
 * `disableBoundClaimsParsing` (§2.6); in `glob` mode `*` matches any run, `/` included (§2.5); a
 * key starting with `/` is a JSON pointer (§2.4); `token_ttl` 0 leaves the token to the mount's
 * default, 32 days unless tuned, and the JWT's `exp` does not bound the token (§3.6); batch tokens
 * cannot be periodic (§2.2); an empty `bound_issuer` checks no `iss`, and an empty
 * `jwt_supported_algs` accepts all ten asymmetric algorithms (§2.1); GitLab signs RS256 and serves
 * its keys at `/oauth/discovery/keys` and `/-/jwks` (§1.1). Service tokens, unlike batch tokens,
 * are renewable, can be periodic and can create child tokens (HashiCorp's tutorial "Vault Batch
 * Tokens", step 1 "Create a Batch Token", the table of service and batch tokens).
 */
import { GITLAB_CLAIMS, PROJECT_CLAIMS, issuer, issuers } from "./gitlab";
import { GITLAB_URLS, StackRule, resourcePolicy, stackPolicy, typeTokens } from "./policy";
import type { JsonSchema, ResourcePolicy, StackPolicy, StackResource } from "./types";

const ROLE_TYPE = "vault:jwt/authBackendRole:AuthBackendRole";
const MOUNT_TYPE = "vault:jwt/authBackend:AuthBackend";
const ROLE_SCOPE = "JWT auth roles for GitLab CI (a gitlabMounts mount, GitLab claims bound, or a GitLab sub)";

const GITLAB_MOUNTS: JsonSchema = {
    type: "array",
    items: { type: "string", minLength: 1 },
    description: "Vault JWT auth mount paths that take GitLab CI ID tokens: every role on them is checked, whatever it binds",
    default: [],
};

/** One `boundClaims` entry: the key as written, the claim it reads, and its values as Vault receives them. */
export interface BoundClaim {
    readonly key: string;
    readonly claim: string;
    readonly values: readonly string[];
}

/** The role's bound claims as Vault receives them: comma-split unless disableBoundClaimsParsing (docs/reference.md §2.6). */
export function boundClaims(props: Record<string, any>): BoundClaim[] {
    const raw = props.boundClaims;
    if (typeof raw !== "object" || raw === null) {
        return [];
    }
    const split = props.disableBoundClaimsParsing !== true;
    return Object.entries(raw).map(([key, value]) => ({
        key,
        claim: key.startsWith("/") ? key.slice(1) : key,
        values: typeof value !== "string" ? [] : split ? value.split(",").map((v) => v.trim()) : [value],
    }));
}

/** Whether the role itself says it is for GitLab: a GitLab-only claim bound, or a GitLab sub. */
export function bindsGitlab(props: Record<string, any>): boolean {
    const subject = props.boundSubject;
    return boundClaims(props).some((b) => GITLAB_CLAIMS.has(b.claim)) || (typeof subject === "string" && subject.startsWith("project_path:"));
}

interface RoleConfig {
    readonly gitlabMounts: readonly string[];
}

function roleRule<C extends RoleConfig>(name: string, description: string, config: { readonly [K in keyof C]: JsonSchema }, check: (props: Record<string, any>, config: C) => string[]): ResourcePolicy {
    return resourcePolicy<C>({
        name,
        description,
        enforcementLevel: "mandatory",
        config,
        types: typeTokens([ROLE_TYPE]),
        scope: ROLE_SCOPE,
        check: (props, c) => (c.gitlabMounts.includes(props.backend) || bindsGitlab(props) ? check(props, c) : undefined),
    });
}

const audience = roleRule<RoleConfig>("vault-gitlab-role-audience", "A Vault JWT role for GitLab binds the token's audience (boundAudiences).", { gitlabMounts: GITLAB_MOUNTS }, (props) => {
    const audiences: unknown[] = Array.isArray(props.boundAudiences) ? props.boundAudiences : [];
    if (audiences.some((a) => typeof a === "string" && a !== "")) {
        return [];
    }
    return [
        `boundAudiences is ${props.boundAudiences === undefined ? "unset" : JSON.stringify(props.boundAudiences)}: GitLab tokens always carry aud, which current Vault refuses when the role binds no audience, and a Vault without that check accepts a token a job requested for any other service; set boundAudiences to the aud your jobs request in id_tokens, e.g. ["https://vault.example.com"]`,
    ];
});

/** Whether the role requires a project id: a non-empty project_id value that is not a glob. */
export function bindsProjectId(props: Record<string, any>): boolean {
    const glob = props.boundClaimsType === "glob";
    return boundClaims(props).some((b) => b.claim === "project_id" && b.values.length > 0 && b.values.every((v) => v !== "" && !(glob && v.includes("*"))));
}

function keysText(props: Record<string, any>): string {
    const keys = boundClaims(props).map((b) => b.key);
    return keys.length === 0 ? "nothing" : keys.join(", ");
}

const projectId = roleRule<RoleConfig>("vault-gitlab-role-project-id", "A Vault JWT role for GitLab binds the project's id (boundClaims.project_id).", { gitlabMounts: GITLAB_MOUNTS }, (props) => {
    if (bindsProjectId(props)) {
        return [];
    }
    const pathOnly = boundClaims(props).some((b) => b.claim === "project_path") ? "; a project_path follows the path: a project created there after a rename or transfer matches it" : "";
    return [
        `boundClaims binds no exact project_id (it binds ${keysText(props)}${pathOnly}): any project of the GitLab instance whose jobs request this role's audience can log in; add boundClaims {project_id: "<the project's numeric id>"} (the provider splits commas: "42,57")`,
    ];
});

const projectGlob = roleRule<RoleConfig>(
    "vault-gitlab-role-project-glob",
    "A Vault JWT role for GitLab in glob mode has no \"*\" in a project or group claim.",
    { gitlabMounts: GITLAB_MOUNTS },
    (props) =>
        props.boundClaimsType !== "glob"
            ? []
            : boundClaims(props)
                  .filter((b) => PROJECT_CLAIMS.includes(b.claim))
                  .flatMap((b) =>
                      b.values
                          .filter((v) => v.includes("*"))
                          .map(
                              (v) =>
                                  `boundClaims.${b.key} ${JSON.stringify(v)} is a glob (boundClaimsType "glob") whose "*" matches any run of characters, "/" included: it admits projects other than the ones meant; list exact values without "*" (the provider splits commas: "42,57")`,
                          ),
                  ),
);

/**
 * The longest a token from the role can live, in seconds; undefined when the role sets no bound.
 * A batch token has a fixed TTL (tokenTtl, capped by tokenMaxTtl) and takes no explicit max TTL
 * ("Can have explicit Max TTL: No (always uses a fixed TTL)", the tutorial's table); a service
 * token is renewable up to its explicit max TTL or max TTL, a periodic one without end unless it
 * has an explicit max TTL.
 */
export function tokenLifetime(props: Record<string, any>): number | undefined {
    const seconds = (v: unknown) => (typeof v === "number" && v > 0 ? v : 0);
    const batch = props.tokenType === "batch";
    if (!batch && seconds(props.tokenPeriod) > 0) {
        return seconds(props.tokenExplicitMaxTtl) || undefined;
    }
    const caps = (batch ? [props.tokenTtl, props.tokenMaxTtl] : [props.tokenExplicitMaxTtl, props.tokenMaxTtl]).map(seconds).filter((s) => s > 0);
    return caps.length === 0 ? undefined : Math.min(...caps);
}

const MAX_LIFETIME: JsonSchema = {
    type: "integer",
    minimum: 1,
    description: "The longest a Vault token issued to a GitLab job may live, in seconds (GitLab's default job timeout is 3600)",
    default: 3600,
};

const lifetime = roleRule<RoleConfig & { readonly maxTokenLifetimeSeconds: number }>(
    "vault-gitlab-role-token-lifetime",
    "A Vault JWT role for GitLab bounds its tokens' lifetime to at most maxTokenLifetimeSeconds.",
    { gitlabMounts: GITLAB_MOUNTS, maxTokenLifetimeSeconds: MAX_LIFETIME },
    (props, c) => {
        const life = tokenLifetime(props);
        const batch = props.tokenType === "batch";
        const max = c.maxTokenLifetimeSeconds;
        const fix = batch ? `set tokenTtl (and tokenMaxTtl) to at most ${max} seconds, e.g. the job timeout` : `set tokenExplicitMaxTtl to at most ${max} seconds, e.g. the job timeout, or issue batch tokens`;
        if (life === undefined) {
            const periodic = !batch && typeof props.tokenPeriod === "number" && props.tokenPeriod > 0 ? `, and tokenPeriod ${props.tokenPeriod} renews them without end` : "";
            const unset = batch ? "tokenTtl and tokenMaxTtl unset" : `tokenExplicitMaxTtl and tokenMaxTtl unset${periodic}`;
            return [`tokens from this role have no lifetime bound of their own (${unset}): the mount's maximum lease TTL applies, 32 days unless tuned, whatever the job's token exp; ${fix}`];
        }
        return life > max ? [`tokens from this role can live ${life} seconds, above the ${max} allowed (maxTokenLifetimeSeconds); ${fix}`] : [];
    },
);

const ALLOW_NON_BATCH: JsonSchema = {
    type: "object",
    additionalProperties: { type: "string", minLength: 1 },
    description: 'Roles allowed to issue non-batch tokens, as {"<mount>/<roleName>": "<reason>"}',
    default: {},
};

const batchToken = roleRule<RoleConfig & { readonly allowNonBatch: Readonly<Record<string, string>> }>(
    "vault-gitlab-role-batch-token",
    "A Vault JWT role for GitLab issues batch tokens, unless allowNonBatch gives the reason.",
    { gitlabMounts: GITLAB_MOUNTS, allowNonBatch: ALLOW_NON_BATCH },
    (props, c) => {
        const id = `${props.backend}/${props.roleName}`;
        if (props.tokenType === "batch" || (c.allowNonBatch[id] ?? "").trim() !== "") {
            return [];
        }
        return [
            `tokenType is ${props.tokenType === undefined ? "unset" : JSON.stringify(props.tokenType)}, not "batch": a service token (the type unless the mount is tuned otherwise) can be renewed, made periodic and used to create child tokens; set tokenType "batch", or list ${JSON.stringify(id)} in allowNonBatch with the reason`,
        ];
    },
);

/** GitLab's key set paths (docs/reference.md §1.1). */
const GITLAB_KEYS = /^(https?:\/\/.+?)\/(?:oauth\/discovery\/keys|-\/jwks)\/?$/i;

/** The issuers a JWT mount trusts when it is GitLab's; undefined when it is not. */
export function gitlabIssuers(props: Record<string, any>, gitlabUrls: readonly string[], gitlabMounts: readonly string[]): string[] | undefined {
    const urls = [props.oidcDiscoveryUrl, props.jwksUrl, props.boundIssuer].filter((u): u is string => typeof u === "string" && u !== "");
    const configured = issuers(gitlabUrls);
    const fromKeys = typeof props.jwksUrl === "string" ? GITLAB_KEYS.exec(props.jwksUrl)?.[1] : undefined;
    const matching = configured.filter((g) => urls.some((u) => issuer(u) === g || u.startsWith(`${g}/`)));
    if (!gitlabMounts.includes(props.path ?? "jwt") && fromKeys === undefined && matching.length === 0) {
        return undefined;
    }
    const derived = [...(typeof props.oidcDiscoveryUrl === "string" ? [issuer(props.oidcDiscoveryUrl)] : []), ...(fromKeys !== undefined ? [issuer(fromKeys)] : [])];
    const found = [...new Set([...derived, ...matching])];
    return found.length > 0 ? found : configured;
}

interface MountConfig {
    readonly gitlabUrls: readonly string[];
    readonly gitlabMounts: readonly string[];
}

function mountRule(name: string, description: string, check: (props: Record<string, any>, expected: readonly string[]) => string[]): ResourcePolicy {
    return resourcePolicy<MountConfig>({
        name,
        description,
        enforcementLevel: "mandatory",
        config: { gitlabUrls: GITLAB_URLS, gitlabMounts: GITLAB_MOUNTS },
        types: typeTokens([MOUNT_TYPE]),
        scope: "JWT auth mounts for a GitLab issuer",
        check(props, c) {
            const expected = gitlabIssuers(props, c.gitlabUrls, c.gitlabMounts);
            return expected === undefined ? undefined : check(props, expected);
        },
    });
}

const boundIssuer = mountRule("vault-gitlab-auth-issuer", "A Vault JWT mount for GitLab checks the token's issuer: boundIssuer is the GitLab URL.", (props, expected) => {
    const value: unknown = props.boundIssuer;
    const fix = `set boundIssuer ${JSON.stringify(expected[0])} (GitLab's iss: https, no trailing slash)`;
    if (typeof value !== "string" || value === "") {
        return [`boundIssuer is not set: Vault then checks no iss at all, and the key set alone decides whose tokens are accepted; ${fix}`];
    }
    return expected.includes(value)
        ? []
        : [`boundIssuer ${JSON.stringify(value)} is not the GitLab issuer of this mount (${expected.join(", ")}): Vault compares iss byte for byte (scheme, no trailing slash), so GitLab's tokens are refused or another issuer's accepted; ${fix}`];
});

const algorithms = mountRule("vault-gitlab-auth-algorithms", "A Vault JWT mount for GitLab lists the signature algorithms it accepts (jwtSupportedAlgs).", (props) => {
    const algs: unknown[] = Array.isArray(props.jwtSupportedAlgs) ? props.jwtSupportedAlgs : [];
    if (algs.some((a) => typeof a === "string" && a !== "")) {
        return [];
    }
    return [
        `jwtSupportedAlgs is ${props.jwtSupportedAlgs === undefined ? "unset" : JSON.stringify(props.jwtSupportedAlgs)}: Vault then accepts all ten asymmetric algorithms (RS, ES and PS 256 to 512, and EdDSA), not RS256 as the field's help says; GitLab signs with RS256: set jwtSupportedAlgs ["RS256"]`,
    ];
});

/** The GitLab mount a role is on, if the stack has it: through the role's `backend` dependency, or by path. */
function mountOf(role: StackResource, mounts: readonly StackResource[]): StackResource | undefined {
    const linked = (role.propertyDependencies.backend ?? []).find((r) => mounts.includes(r));
    return linked ?? mounts.find((m) => (m.props.path ?? "jwt") === role.props.backend);
}

const unrecognised: StackRule<{ readonly gitlabUrls: readonly string[] }> = {
    name: "vault-gitlab-mount-role-unbound",
    description: "Every role on a Vault JWT mount for GitLab in the stack binds a GitLab claim, so that the role policies check it.",
    enforcementLevel: "mandatory",
    config: { gitlabUrls: GITLAB_URLS },
    check(args, c) {
        const mounts = args.resources.filter((r) => r.type === MOUNT_TYPE && gitlabIssuers(r.props, c.gitlabUrls, []) !== undefined);
        return args.resources
            .filter((r) => r.type === ROLE_TYPE && !bindsGitlab(r.props))
            .flatMap((role) => {
                const mount = mountOf(role, mounts);
                if (mount === undefined) {
                    return [];
                }
                return [
                    {
                        urn: role.urn,
                        message: `role ${JSON.stringify(role.props.roleName)} is on ${mount.props.path ?? "jwt"}, a JWT mount for GitLab (${mount.urn}), but binds no GitLab claim (boundClaims: ${keysText(role.props)}): any project of the GitLab instance whose jobs request its audience can log in, and the vault-gitlab-role-* policies do not recognise it; bind project_id in boundClaims, and list ${JSON.stringify(mount.props.path ?? "jwt")} in their gitlabMounts`,
                    },
                ];
            });
    },
};

export const VAULT_POLICIES: readonly (ResourcePolicy | StackPolicy)[] = [audience, projectId, projectGlob, lifetime, batchToken, boundIssuer, algorithms, stackPolicy(unrecognised)];
