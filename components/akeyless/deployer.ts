/**
 * The federation pipeline's own Akeyless identities (gitlab-federation:deployer).
 *
 * They log in through an auth method of their own, `<deployer folder>/gitlab-deployer`, with a
 * role per identity beside it: an Akeyless administrator creates these once (README: The
 * deployer in Akeyless gives the commands), OUTSIDE the stack's folder. Inside, the applier's
 * rules would reach them: it could repoint its own auth method's keys or widen its own role.
 * This stack plans them (their rules and sub-claims, in the plan for review and in the README's
 * commands) but registers no resource for them, so no pulumi up of the pipeline touches them,
 * and the dynamic role resource only writes item and target rules anyway (resources.ts).
 *
 * Least privilege (rule types and capabilities: docs.akeyless.io "Role-Based Access Control";
 * which capability each API call needs is not documented per endpoint: UNVERIFIED, see
 * /work/notes/akeyless.md §6.3):
 * - applier: `role-rule` on `<folder>/*` with create, read, update, delete, list (create-role,
 *   set-role-rule, assoc-role-am, ...) and `auth-method-rule` on `<folder>/*` with read, list
 *   only: the stack's auth method is a trust anchor whose changes take an administrator
 *   (resource table: adminOnly), like Vault's auth method;
 * - planner: read and list on both (pulumi preview makes no Akeyless request at all; a refresh
 *   reads).
 * What rules cannot bound: the applier writes roles with any item rules and associates them with
 * the stack's auth method under any sub-claims, its own pipeline's included, so it reaches every
 * item it can write a rule for. The map acknowledges that (deployer.akeyless.acknowledgeRoles).
 * Akeyless's brake: deny rules on the creating identity are copied into every role it creates
 * (docs.akeyless.io "Role-Based Access Control", "Deny Rule Application and Role Management").
 */
import { fullEnforcement } from "../../src/core/model";
import type { DeployerCapability, PlanContext, TargetIdentity } from "../target";
import { akeylessDeployerNames } from "./names";
import type { AkeylessDeployerPlan, AkeylessSummary } from "./plan-schema";
import { subClaimsOf } from "./plan";
import { AkeylessConfig, AkeylessDeployerSchema, AkeylessGrantConfig } from "./schema";

export const AKEYLESS_DEPLOYER: DeployerCapability = { settings: AkeylessDeployerSchema };

/** The rules of a deployer identity's role: only the stack's folder. */
export function deployerRules(role: "planner" | "applier", folder: string): AkeylessDeployerPlan["roles"][number]["rules"] {
    const path = `${folder}/*`;
    return [
        { ruleType: "auth-method-rule", path, capabilities: ["list", "read"] },
        { ruleType: "role-rule", path, capabilities: role === "applier" ? ["create", "delete", "list", "read", "update"] : ["list", "read"] },
    ];
}

export interface AkeylessDeployer {
    /** Undefined where a problem stops the deployer. */
    readonly plan?: AkeylessDeployerPlan;
    summary(item: TargetIdentity): AkeylessSummary;
}

/** Whether `inner` is `outer` or below it. */
const within = (inner: string, outer: string) => inner === outer || inner.startsWith(`${outer}/`);

/** The deployer's settings checked: present, its folder outside the stack's, the acknowledgement given. */
function checkSettings(ctx: PlanContext<AkeylessConfig, AkeylessGrantConfig>): ReturnType<typeof AkeylessDeployerSchema.parse> | undefined {
    const parsed = AkeylessDeployerSchema.safeParse(ctx.deployer?.settings ?? {});
    const { findings, section } = ctx;
    if (!parsed.success) {
        findings.problem(
            ["deployer", "akeyless"],
            `is required with an akeyless section: the pipeline's jobs log in to Akeyless through the deployer's own auth method, which an administrator creates outside akeyless.folder; set folder (e.g. "/gitlab-federation-admin/prod") and accessId (its access id), see the README's "The deployer in Akeyless"`,
        );
        return undefined;
    }
    const settings = parsed.data;
    let ok = true;
    if (within(settings.folder, section.folder) || within(section.folder, settings.folder)) {
        findings.problem(
            ["deployer", "akeyless", "folder"],
            `${JSON.stringify(settings.folder)} ${within(settings.folder, section.folder) ? "is inside" : "holds"} akeyless.folder ${JSON.stringify(section.folder)}: the deployer's own auth method and roles must be beside the stack's folder, where the applier's rules (${section.folder}/*) do not reach them; use e.g. "${section.folder}-admin"`,
        );
        ok = false;
    }
    if (settings.acknowledgeRoles === undefined) {
        findings.problem(
            ["deployer", "akeyless", "acknowledgeRoles"],
            `is required with an akeyless section: the applier writes the grants' Akeyless roles (${section.folder}/*) and their associations, and Akeyless cannot bound what they contain: a role it writes may give any item, and an association may admit any GitLab pipeline, its own included; give the reason this is acceptable (e.g. every map change is reviewed, and the applier job runs only reviewed code on a protected branch in a protected environment)`,
        );
        ok = false;
    } else {
        findings.loosen(["deployer", "akeyless", "acknowledgeRoles"], "the applier can write Akeyless roles that give any item and associations that admit any pipeline", settings.acknowledgeRoles);
    }
    return ok ? settings : undefined;
}

/** The deployer in Akeyless: its settings checked once, and each identity's role as an administrator creates it. */
export function akeylessDeployer(ctx: PlanContext<AkeylessConfig, AkeylessGrantConfig>): AkeylessDeployer {
    const settings = checkSettings(ctx);
    const identities = ctx.grants.filter((g): g is TargetIdentity => g.identity !== undefined);
    const summary = (item: TargetIdentity): AkeylessSummary => {
        const names = akeylessDeployerNames(settings!.folder, item.identity.role);
        return { authMethodName: names.authMethod, roleName: names.role, audience: ctx.section.audience, read: [], subClaims: subClaimsOf(item.grant), enforcement: fullEnforcement(item.grant) as AkeylessSummary["enforcement"] };
    };
    if (settings === undefined) {
        return { summary };
    }
    const roles = identities.map((item) => {
        const role = item.identity.role;
        return { identity: role, name: akeylessDeployerNames(settings.folder, role).role, rules: deployerRules(role, ctx.section.folder), subClaims: subClaimsOf(item.grant) };
    });
    return { plan: { folder: settings.folder, authMethodName: akeylessDeployerNames(settings.folder, "applier").authMethod, accessId: settings.accessId, roles }, summary };
}
