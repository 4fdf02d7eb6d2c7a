/**
 * The shared part of the project map, the public interface of gitlab-federation: the
 * `gitlab-federation:gitlab` section, projects, and the fields every grant has. Each target adds
 * its section and its grant field (targets/<target>/schema.ts); features/map-schema.ts puts the
 * whole map together. Shape, types, defaults and single-value rules live in schemas; rules that
 * relate several values live in the planners.
 */
import { z } from "zod";
import { DURATION_PATTERN, durationProblem } from "./duration";
import { PROJECT_PATH_PATTERN, audienceProblem, caPemProblem, environmentProblem, exactEnvironmentProblem, grantNameProblem, httpsUrlProblem, projectPathProblem, reasonProblem, refProblem } from "./rules";

/** A string checked by a rule function (returns the problem text or undefined). */
export function ruled(rule: (value: string) => string | undefined) {
    return z.string().superRefine((value, ctx) => {
        const problem = rule(value);
        if (problem !== undefined) {
            ctx.addIssue({ code: "custom", message: problem, input: value });
        }
    });
}

/** A loosening's reason: at least MIN_REASON_LENGTH characters, shown in the plan. */
export function reason(description: string) {
    return ruled(reasonProblem).meta({ description });
}

/** A duration (`5m`, `1h`, `90s`, `1h30m`, or whole seconds). */
export const DurationSchema = z.union([z.string(), z.number().int().nonnegative()]).superRefine((value, ctx) => {
    const problem = durationProblem(value);
    if (problem !== undefined) {
        ctx.addIssue({ code: "custom", message: problem, input: value });
    }
});

export function duration(description: string) {
    return DurationSchema.meta({ description, pattern: DURATION_PATTERN });
}

export const AudienceSchema = ruled(audienceProblem);

const ISSUER_NOTE = "it must equal the iss claim of GitLab's ID tokens byte for byte";

export const GitlabSchema = z
    .strictObject({
        url: ruled((v) => httpsUrlProblem(v, ISSUER_NOTE)).meta({
            description:
                "GitLab's URL exactly as the iss claim of its ID tokens (Settings.gitlab.url, or ci_id_tokens_issuer_url if set): https, no trailing slash, e.g. https://gitlab.example.com.",
        }),
        jwksUrl: ruled((v) => httpsUrlProblem(v, "Vault fetches GitLab's signing keys from it"))
            .optional()
            .meta({ description: "Where Vault fetches GitLab's signing keys. Default: <url>/oauth/discovery/keys. Set at most one of jwksUrl and oidcDiscoveryUrl." }),
        oidcDiscoveryUrl: ruled((v) => httpsUrlProblem(v, ISSUER_NOTE))
            .optional()
            .meta({ description: "Use OIDC discovery instead of jwksUrl: Vault reads <oidcDiscoveryUrl>/.well-known/openid-configuration, whose issuer must equal this URL. Usually the same as url." }),
        caPem: ruled(caPemProblem)
            .min(1)
            .optional()
            .meta({ description: "PEM CA bundle for Vault's fetch of the keys, when GitLab's TLS certificate is not publicly trusted." }),
    })
    .meta({ description: "The GitLab instance whose CI ID tokens are trusted." });

export const RefSchema = ruled(refProblem);

/** The fields every grant has: which pipelines it admits. Targets add what it gives. */
export const GRANT_BASE_FIELDS = {
    description: z.string().optional().meta({ description: "What the grant is for; shown in the plan." }),
    ref: z
        .union([RefSchema, z.array(RefSchema).min(1)])
        .meta({ description: "Branch or tag name, or a pattern where * matches any characters (e.g. release/*), or a list of them. \"*\" means any ref." }),
    refType: z.enum(["branch", "tag"]).default("branch").meta({ description: "Whether ref names branches or tags. Default: branch." }),
    protected: z
        .boolean()
        .default(true)
        .meta({ description: "Require a protected branch or tag (ref_protected). Default true; false lets any push to a matching ref through." }),
    environment: ruled(environmentProblem)
        .optional()
        .meta({
            description:
                "Require this GitLab environment (the job's environment:name), or a pattern where * matches any characters, / included (e.g. review/* for review apps named review/$CI_COMMIT_REF_SLUG).",
        }),
    environmentProtected: z
        .boolean()
        .optional()
        .meta({
            description:
                "Require a protected environment (the environment_protected claim is \"true\"; always \"false\" on GitLab CE). Needs environment. Default: not required.",
        }),
    renamedFrom: ruled(grantNameProblem)
        .optional()
        .meta({
            description:
                "The grant's previous name, after renaming it in the map: its resources keep their identity (an in-place update instead of a replacement) and their names derived from the old grant name.",
        }),
};

const projectIdError = (issue: { input?: unknown }) => `must be the numeric GitLab project ID (Settings > General), e.g. 42, got ${JSON.stringify(issue.input)}`;

export const ProjectIdSchema = z
    .union([z.number().int().positive(), z.string().regex(/^[1-9]\d*$/, { error: projectIdError })])
    .meta({ description: "The numeric GitLab project ID (Settings > General), e.g. 42: the binding that survives renames." });

/** The fields of a project besides its grants. */
export const PROJECT_FIELDS = {
    id: ProjectIdSchema,
    description: z.string().optional().meta({ description: "Free text shown in the plan." }),
    renamedFrom: ruled(projectPathProblem)
        .optional()
        .meta({
            description:
                "After a GitLab rename or transfer: the path the project's names were first derived from. Vault role and policy, IAM role and service account keep those names (renaming the key is then an in-place update, and CI jobs keep their role names), and secrets under <renamedFrom>/ still count as the project's own folder.",
        }),
};

/** Grant names as a JSON Schema pattern (the rule is GRANT_NAME in rules.ts). */
export const GRANT_NAME_PATTERN = "^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$";

/** Keys of the projects mapping, for the JSON Schema (projectPathProblem is the full rule). */
export const ProjectKeySchema = z.string().regex(new RegExp(PROJECT_PATH_PATTERN));

/** Keys of the grants mapping, for the JSON Schema (grantNameProblem is the full rule). */
export const GrantKeySchema = z.string().regex(new RegExp(GRANT_NAME_PATTERN));

export type GitlabConfig = z.output<typeof GitlabSchema>;

const RefsSchema = z.union([RefSchema, z.array(RefSchema).min(1)]);

/**
 * The federation project itself: the identities its own pipeline uses (`planner` and `applier`),
 * planned by each target's deployer capability with permissions derived from what this program
 * manages, not from a grant field. Each target's own settings of them are under
 * `deployer.<target>` (deployerSchema).
 */
const DEPLOYER_FIELDS = {
    project: ruled(projectPathProblem).meta({ description: "Path of the GitLab project that holds this repository and runs pulumi, e.g. platform/gitlab-federation." }),
    id: ProjectIdSchema,
    planner: z
        .strictObject({
            ref: RefsSchema.default("*").meta({ description: "Branches whose merge-request pipelines may plan (pulumi preview, read-only). Default: any branch." }),
            protected: z
                .boolean()
                .default(false)
                .meta({ description: "Require a protected branch. Default false: merge requests come from unprotected branches; the planner reads configuration, never secrets or writes." }),
        })
        .default({ ref: "*", protected: false })
        .meta({ description: "The read-only identity of merge-request pipelines (pulumi preview)." }),
    applier: z
        .strictObject({
            ref: RefsSchema.default("main").meta({ description: "The protected branch whose pipelines apply (pulumi up). Default: main." }),
            environment: ruled(exactEnvironmentProblem).meta({ description: "The GitLab environment of this stack's pulumi up job; protect it in GitLab (Settings > CI/CD > Protected environments)." }),
            manual: z.boolean().default(true).meta({ description: "pulumi up waits for a person to start it (when: manual). Default true; set false for a stack you deploy on every merge." }),
        })
        .meta({ description: "The identity of pulumi up on the protected branch, in the stack's environment: it changes what this stack manages, within each target's limits." }),
};

/** The deployer section for targets with deployer settings (`deployer.<key>`). */
export function deployerSchema(settings: readonly { readonly key: string; readonly schema: z.ZodType }[]) {
    return z
        .strictObject({ ...DEPLOYER_FIELDS, ...Object.fromEntries(settings.map(({ key, schema }) => [key, schema.optional()])) })
        .meta({
            description:
                "The federation's own pipeline: a read-only planner identity for merge requests and an applier identity for pulumi up on the protected branch, per target the map uses, created by this stack; deployer.<target> holds a target's own settings of them.",
        });
}

/** The deployer section as parsed: the shared fields, and each target's settings by its key. */
export interface DeployerConfig {
    readonly project: string;
    readonly id: string | number;
    readonly planner: { readonly ref: string | readonly string[]; readonly protected: boolean };
    readonly applier: { readonly ref: string | readonly string[]; readonly environment: string; readonly manual: boolean };
    readonly [target: string]: unknown;
}

/** Sharding the map over several stacks (README: Large instances). */
export const ShardingSchema = z
    .strictObject({
        shards: z.number().int().min(1).max(256).meta({ description: "How many shard stacks hold the grants (<stack>-shard-0 ...); this stack becomes the foundation, which holds the shared trust anchors and the deployer." }),
        by: z
            .enum(["project", "group"])
            .default("project")
            .meta({ description: "What decides a project's shard: its id (default: stable across renames), or its top-level group (a group's projects stay together)." }),
    })
    .meta({ description: "Run the map as a foundation stack and shard stacks: for maps one stack cannot hold (above about 10,000 resources) or beyond GCP's condition limit per provider. gitlab-federation shard shows the split." });

export type ShardingConfig = z.output<typeof ShardingSchema>;

/** The key of a shard stack: which map it is a shard of. */
export const ShardKeySchema = z
    .strictObject({
        of: z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: (i) => `must be the name of the stack holding the map (Pulumi.<name>.yaml), got ${JSON.stringify(i.input)}` }).meta({ description: "The foundation stack, whose Pulumi.<of>.yaml holds the map." }),
        index: z.number().int().min(0).meta({ description: "This shard's number, 0 to sharding.shards - 1." }),
    })
    .meta({ description: "This stack is a shard of another stack's map (written by gitlab-federation shard --write)." });

export type ShardKey = z.output<typeof ShardKeySchema>;
