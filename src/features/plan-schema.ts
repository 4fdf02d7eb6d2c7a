/**
 * The format of `gitlab-federation plan --json`, put together from each target's plan schema.
 * `Plan` and `GrantSummary` are derived from it; docs/plan.schema.json is generated from it.
 */
import { z } from "zod";
import { strings } from "../core/resources";
import { RegisteredTarget, TARGETS } from "../../components";

type PlanSections = { [T in RegisteredTarget as T["key"]]: z.ZodOptional<T["planSchema"]> };
type SummarySections = { [T in RegisteredTarget as T["key"]]: z.ZodOptional<T["summarySchema"]> };

const planSections = Object.fromEntries(TARGETS.map((t) => [t.key, t.planSchema.optional()])) as PlanSections;
const summarySections = Object.fromEntries(TARGETS.map((t) => [t.key, t.summarySchema.optional()])) as SummarySections;

export const ConditionsSchema = z.strictObject({
    ref: strings,
    refType: z.enum(["branch", "tag"]),
    protected: z.boolean(),
    environment: z.string().optional().meta({ description: "An exact environment, or a pattern where * matches any characters, / included." }),
    environmentProtected: z.literal(true).optional().meta({ description: "Present when the grant requires environment_protected \"true\"." }),
});

export const LooseningSchema = z
    .strictObject({
        field: z.string().meta({ description: "The field that asks for it, under the grant: aws.allowBroad, vault.allowOutsideProject, aws.acknowledge.environment." }),
        effect: z.string().meta({ description: "What it allows, in the target's terms." }),
        reason: z.string().meta({ description: "The map's reason, as written." }),
    })
    .meta({ description: "A loosening in effect (an allow... or acknowledge... field with its reason); an inert one (the plan warns it has no effect) is not listed." });

export const GrantSummarySchema = z.strictObject({
    project: z.string(),
    projectId: z.string(),
    grant: z.string(),
    description: z.string().optional(),
    renamedFrom: z
        .strictObject({ project: z.string().optional(), grant: z.string().optional() })
        .optional()
        .meta({ description: "The project path and grant name this grant's names and resources come from, after a rename." }),
    conditions: ConditionsSchema,
    deployer: z
        .enum(["planner", "applier"])
        .optional()
        .meta({ description: "One of the federation pipeline's own identities (gitlab-federation:deployer), not a grant of the projects section." }),
    shard: z.number().int().optional().meta({ description: "A sharded map: the shard stack that registers this grant's resources (absent: the foundation)." }),
    loosenings: z.array(LooseningSchema).optional().meta({ description: "The grant's loosenings in effect, by field (absent: none)." }),
    ...summarySections,
});

export const WarningSchema = z.strictObject({ path: z.string(), message: z.string() });

export const PlanSchema = z
    .strictObject({
        version: z.literal(1),
        gitlab: z.strictObject({ url: z.string() }),
        ...planSections,
        sharding: z
            .strictObject({ shards: z.number().int(), by: z.enum(["project", "group"]) })
            .optional()
            .meta({ description: "The map runs as a foundation stack and shard stacks (gitlab-federation:sharding)." }),
        shard: z
            .strictObject({ of: z.string(), index: z.number().int(), shards: z.number().int() })
            .optional()
            .meta({ description: "Set on the part of a sharded plan one shard stack registers: which map, which shard." }),
        deployer: z
            .strictObject({
                project: z.string(),
                projectId: z.string(),
                environment: z.string().meta({ description: "The environment of this stack's pulumi up job." }),
                manual: z.boolean().meta({ description: "pulumi up waits for a person (when: manual)." }),
                backendUrl: z.string().optional().meta({ description: "The self-managed backend a target's deployer settings name, deployer.aws.state or deployer.gcp.state (PULUMI_BACKEND_URL of the pipeline's jobs)." }),
            })
            .optional()
            .meta({ description: "The federation's own pipeline (gitlab-federation:deployer): its identities are the grants marked deployer; `gitlab-federation pipeline` writes its jobs." }),
        grants: z.array(GrantSummarySchema).meta({ description: "One entry per project and grant, sorted by project path then grant name." }),
        loosenings: z
            .array(z.strictObject({ path: z.string(), effect: z.string(), reason: z.string() }))
            .optional()
            .meta({ description: "Loosenings in effect outside any grant (a target section, the deployer's settings), by path (absent: none)." }),
        warnings: z.array(WarningSchema),
    })
    .meta({ title: "gitlab-federation plan", description: "What `gitlab-federation plan --json` prints: the resources the Pulumi program registers, per target, and a summary per grant." });

export type Plan = z.output<typeof PlanSchema>;
export type GrantSummary = z.output<typeof GrantSummarySchema>;
