/**
 * Akeyless's names: the dynamic resources' type tokens, the fixed logical name of the stack's auth
 * method, and physical names. Akeyless names auth methods and roles by path and creates missing
 * folders with them (docs.akeyless.io "OAuth 2.0/JWT": "If the folder does not exist, it will be
 * created together with the authentication method"), so everything a stack manages lives under
 * one folder, which the deployer's rules are scoped to.
 *
 * Physical names follow core/names.ts: built from map keys, never list positions, from the names
 * a project and grant were first derived from (`namesPath`, `namesGrant`: a renamed project or
 * grant keeps them). Logical names: the auth method is the fixed anchor `gitlab`; a grant's role
 * and association are both `<project id>/<grant>` (core/names.ts `grantKey`), told apart by type.
 */

/**
 * Type tokens as the engine knows them: `pulumi-nodejs:dynamic/<module>:<type>`
 * (pulumi/pulumi sdk/nodejs/dynamic/index.ts `Resource` constructor).
 */
export const RESOURCE = {
    authMethod: "pulumi-nodejs:dynamic/akeyless:AuthMethod",
    role: "pulumi-nodejs:dynamic/akeyless:Role",
    association: "pulumi-nodejs:dynamic/akeyless:Association",
} as const;

/** Logical name of the stack's OAuth2/JWT auth method: fixed, so its URN survives any setting. */
export const ANCHOR = { authMethod: "gitlab" } as const;

const FOLDER = /^(?:\/[a-z0-9][a-z0-9_.-]*)+$/;

/** The stack's folder (`akeyless.folder`), e.g. "/gitlab-federation/prod". */
export function folderProblem(folder: string): string | undefined {
    if (!FOLDER.test(folder) || folder.split("/").some((s) => s === "." || s === "..")) {
        return `must be an Akeyless folder path of lowercase letters, digits, "_", "-" and "." segments after "/", e.g. "/gitlab-federation/prod" (got ${JSON.stringify(folder)}); every auth method and role of the stack is created below it`;
    }
    return undefined;
}

/** The stack's auth method: `<folder>/<name>` (akeyless.authMethod, default `gitlab`). */
export function akeylessAuthMethodName(folder: string, name = "gitlab"): string {
    return `${folder}/${name}`;
}

/** The deployer's own auth method and roles, in the deployer's folder (outside the stack's): `<folder>/gitlab-deployer`, `<folder>/planner|applier`. */
export function akeylessDeployerNames(folder: string, role: "planner" | "applier"): { readonly authMethod: string; readonly role: string } {
    return { authMethod: `${folder}/gitlab-deployer`, role: `${folder}/${role}` };
}

/** Component type token of the target's resources (under the root component). */
export const COMPONENT = "gitlab-federation:akeyless:Akeyless";

/** Logical name of the deployer's auth method (the deployer's own, outside the stack's folder). */
export const DEPLOYER_ANCHOR = "gitlab-deployer";

/**
 * A grant's role: `<folder>/projects/<project path, lowercase>/<grant>`. Injective: a project path
 * holds no grant-name segment after it, grant names hold no "/", and GitLab paths are unique
 * regardless of case; the `projects/` level keeps grant roles apart from the auth method.
 */
export function akeylessRoleName(folder: string, namesPath: string, namesGrant: string): string {
    return `${folder}/projects/${namesPath.toLowerCase()}/${namesGrant}`;
}
