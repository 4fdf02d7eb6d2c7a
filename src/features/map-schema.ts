/**
 * The whole project map, put together from core (gitlab, projects, shared grant fields) and the
 * target registry (each target's section and grant field). parse reads mapDefinition(); the JSON
 * Schemas for editors come from mapSchema(); the map's TypeScript type from the built-in targets.
 */
import { z } from "zod";
import type { MapDefinition } from "../core/parse";
import { deployerSchema, ShardingSchema, GRANT_BASE_FIELDS, GitlabSchema, GrantKeySchema, PROJECT_FIELDS, ProjectKeySchema } from "../core/schema";
import { RegisteredTarget, TARGETS, targets } from "../../components";
import type { AnyTarget } from "../../components/target";

type GrantTargetFields = { [T in RegisteredTarget as T["key"]]: z.ZodOptional<T["map"]["grant"]> };
type SectionFields = { [T in RegisteredTarget as T["key"]]: z.ZodOptional<T["map"]["section"]> };

/** The map's schema for a list of targets: each adds its section and its grant field. */
function buildMapSchema(list: readonly AnyTarget[]) {
    const grantFields = Object.fromEntries(list.map((t) => [t.key, t.map.grant.optional()])) as GrantTargetFields;
    const sectionFields = Object.fromEntries(list.map((t) => [t.key, t.map.section.optional()])) as SectionFields;
    const titles = list.map((t) => t.title);
    const deployer = deployerSchema(list.flatMap((t) => (t.deployer?.settings !== undefined ? [{ key: t.key, schema: t.deployer.settings }] : [])));
    const grant = z
        .strictObject({ ...GRANT_BASE_FIELDS, ...grantFields })
        .meta({ description: `One grant: which pipelines (ref, protection, environment) get which access (${list.map((t) => t.key).join(", ")}).` });
    const project = z
        .strictObject({
            ...PROJECT_FIELDS,
            grants: z.record(GrantKeySchema, grant).meta({ description: "Grants of this project, by name (lowercase letters, digits, -)." }),
        })
        .meta({ description: "A GitLab project, keyed by its full path, e.g. platform/api." });
    const projects = z.record(ProjectKeySchema, project).meta({ description: "GitLab projects by full path (e.g. platform/api), each with its grants." });
    const map = z
        .strictObject({ gitlab: GitlabSchema, ...sectionFields, deployer: deployer.optional(), sharding: ShardingSchema.optional(), projects })
        .meta({
            title: "gitlab-federation project map",
            description: `Stack config under the gitlab-federation: namespace: which GitLab CI pipelines get which ${titles.slice(0, -1).join(", ")}${titles.length > 1 ? " and " : ""}${titles[titles.length - 1] ?? ""} access.`,
        });
    return { map, grant, deployer };
}

/** The map of the built-in targets: what TypeScript code that builds or reads maps is typed by. */
const BUILT_IN = buildMapSchema(TARGETS as unknown as readonly AnyTarget[]);

let registered: ReturnType<typeof buildMapSchema> | undefined;

/** The map's schema for every registered target. */
export function mapSchema(): z.ZodType {
    return (registered ??= buildMapSchema(targets())).map;
}

/** What parse reads: the registered targets' sections and the schema of a whole grant. */
export function mapDefinition(): MapDefinition {
    const built = (registered ??= buildMapSchema(targets()));
    const moved = Object.fromEntries(targets().flatMap((t) => Object.entries(t.deployer?.moved ?? {}).map(([former, now]) => [former, `${t.key}.${now}`])));
    return { sections: targets().map((t) => ({ key: t.key, schema: t.map.section })), grantSchema: built.grant, deployerSchema: built.deployer, deployerMoved: moved };
}

/** The whole map after defaults, for TypeScript code that builds or reads maps. */
export type FederationMap = z.output<typeof BUILT_IN.map>;
