/**
 * The whole project map, put together from core (gitlab, projects, shared grant fields) and the
 * target registry (each target's section and grant field). parse uses MAP_DEFINITION; the JSON
 * Schemas for editors and the map's TypeScript type come from MapSchema.
 */
import { z } from "zod";
import type { MapDefinition } from "../core/parse";
import { DeployerSchema, ShardingSchema, GRANT_BASE_FIELDS, GitlabSchema, GrantKeySchema, PROJECT_FIELDS, ProjectKeySchema } from "../core/schema";
import { RegisteredTarget, TARGETS } from "../targets";

type GrantTargetFields = { [T in RegisteredTarget as T["key"]]: z.ZodOptional<T["grantSchema"]> };
type SectionFields = { [T in RegisteredTarget as T["key"]]: z.ZodOptional<T["sectionSchema"]> };

const grantTargetFields = Object.fromEntries(TARGETS.map((t) => [t.key, t.grantSchema.optional()])) as GrantTargetFields;
const sectionFields = Object.fromEntries(TARGETS.map((t) => [t.key, t.sectionSchema.optional()])) as SectionFields;

export const GrantSchema = z
    .strictObject({ ...GRANT_BASE_FIELDS, ...grantTargetFields })
    .meta({ description: "One grant: which pipelines (ref, protection, environment) get which access (vault, aws, gcp)." });

export const ProjectSchema = z
    .strictObject({
        ...PROJECT_FIELDS,
        grants: z.record(GrantKeySchema, GrantSchema).meta({ description: "Grants of this project, by name (lowercase letters, digits, -)." }),
    })
    .meta({ description: "A GitLab project, keyed by its full path, e.g. platform/api." });

export const ProjectsSchema = z.record(ProjectKeySchema, ProjectSchema).meta({ description: "GitLab projects by full path (e.g. platform/api), each with its grants." });

/** The whole map. Keys are the config keys without the `gitlab-federation:` namespace. */
export const MapSchema = z
    .strictObject({ gitlab: GitlabSchema, ...sectionFields, deployer: DeployerSchema.optional(), sharding: ShardingSchema.optional(), projects: ProjectsSchema })
    .meta({
        title: "gitlab-federation project map",
        description: "Stack config under the gitlab-federation: namespace: which GitLab CI pipelines get which Vault, AWS and GCP access.",
    });

/** What parse reads: the target sections and the schema of a whole grant. */
export const MAP_DEFINITION: MapDefinition = {
    sections: TARGETS.map((t) => ({ key: t.key, schema: t.sectionSchema })),
    grantSchema: GrantSchema,
};

/** The whole map after defaults, for TypeScript code that builds or reads maps. */
export type FederationMap = z.output<typeof MapSchema>;
export type GrantConfigOf = z.output<typeof GrantSchema>;
