/**
 * The GCP roles of the federation pipeline's own service accounts (gitlab-federation:deployer),
 * each with the reason the plan shows.
 *
 * What an IAM condition can narrow. Service accounts, workload identity pools and providers are
 * IAM resources, and IAM resources do not give conditions their name: "the condition
 * resource.name.endsWith == devResource never grants access to any IAM resource because IAM
 * resources don't provide the resource name" (Google, "Attribute reference for IAM Conditions",
 * https://cloud.google.com/iam/docs/conditions-attribute-reference, "Support for inherited
 * conditions"). A resource.name condition on the applier's roles would lock it out of this
 * stack's accounts and pool, not scope it to them. What a condition can limit is which roles a
 * setIamPolicy request adds or removes: the API attribute iam.googleapis.com/modifiedGrantsByRole
 * (same page, "IAM API attributes": accepted in the allow policies of projects, folders and
 * organizations; recognized by Identity and Access Management and Resource Manager; "For other
 * types of requests, the attribute is not defined", and then api.getAttribute returns its
 * default, which "must be an empty list"). So the applier holds, on gcp.project:
 * - roles/iam.serviceAccountAdmin, conditioned to roles/iam.workloadIdentityUser: it creates,
 *   updates and deletes service accounts (no policy set: the default [] passes hasOnly) and sets
 *   who may impersonate each, and can bind no other role on any account;
 * - roles/resourcemanager.projectIamAdmin, in a separate binding, conditioned to the project
 *   roles the map grants, at most MAX_ALLOWED_ROLES of them. The two lists are never combined:
 *   one list holding both would let it grant roles/iam.workloadIdentityUser on the whole
 *   project. The roles of its own bindings are in neither list, so it cannot change them: a new
 *   project role in the map (a new condition) takes an administrator's pulumi up. Without any
 *   project role in the map the applier gets no projectIamAdmin at all;
 * - roles/iam.workloadIdentityPoolAdmin, unconditioned: no condition can scope it to one pool.
 * What conditions cannot stop: the applier can bind roles/iam.workloadIdentityUser on every
 * service account of gcp.project for any principal, itself included, and reconfigure every pool
 * there, so it can act as any service account of that project, and it can grant itself any
 * project role the map grants. The map therefore acknowledges that gcp.project is dedicated to
 * this stack (deployer.gcp.acknowledgeProject, checked here). The deployer's own service
 * accounts live there too, planned like grants (their names are pinned): the applier's is the most
 * privileged account in the project, and who may impersonate it or the planner's is the applier's
 * to change, as it already is through the provider it manages.
 *
 * The planner gets viewers. pulumi preview does not refresh; what it reads is a pending import
 * (gcp.adopt: import), which Pulumi reads in preview too (pulumi/pulumi
 * pkg/resource/deploy/step.go, ImportStep.Apply: the provider's Read, no dry-run check): the pool
 * (terraform-provider-google google/services/iambeta/resource_iam_workload_identity_pool.go: GET
 * the pool and its :listAttestationRules) and the provider (GET). roles/iam.workloadIdentityPoolViewer
 * holds workloadIdentityPools.get and .getAttestationRules and workloadIdentityPoolProviders.get
 * (darkbitio/gcp-iam-role-permissions roles/iam.workloadIdentityPoolViewer, 2026-08-22).
 *
 * Grants' bindings beyond gcp.project (reach.ts) follow the same rule where Google lets them. A
 * condition with modifiedGrantsByRole is accepted only in the allow policies of projects, folders
 * and organizations (same page, "IAM API attributes", "Resource types that accept this
 * attribute"), so the applier's role to set a policy is bound on the project or folder:
 * - a project of gcp.projects that grants' bindings name: roles/resourcemanager.projectIamAdmin
 *   in that project, conditioned to the roles the map grants on that project, registered through
 *   that project's provider;
 * - a folder: roles/resourcemanager.folderIamAdmin on that folder ("Folders: Folder IAM Admin",
 *   Google, "Set limits on granting roles"), conditioned to the roles the map grants on it,
 *   registered through the stack's own provider as the grants' folder bindings are.
 * Both roles hold the policy's get and set and nothing else of the project or folder
 * (darkbitio/gcp-iam-role-permissions roles/resourcemanager.projectIamAdmin and
 * roles/resourcemanager.folderIamAdmin, 2026-08-22). The planner gets nothing there, as on
 * gcp.project: pulumi preview does not refresh, so it reads no IAM policy.
 * The other targets stay refused with a deployer (UNSUPPORTED): Artifact Registry does not
 * recognize modifiedGrantsByRole (the services listed under "Services that recognize this
 * attribute" do not include it), so a conditioned applier cannot set a repository's policy; for
 * buckets, secrets and Cloud Run services the roles that can set their policy at project level
 * (where the condition can be) are the services' admin roles, roles/storage.admin,
 * roles/secretmanager.admin and roles/run.admin (no narrower predefined role holds
 * storage.buckets.setIamPolicy, secretmanager.secrets.setIamPolicy or run.services.setIamPolicy
 * in that dump; roles/storage.legacyBucketOwner can be bound on a bucket only, where no
 * modifiedGrantsByRole condition is accepted), and Cloud Run is not among the services that
 * provide resource attributes (Google, "Resource attributes for IAM Conditions",
 * https://cloud.google.com/iam/docs/conditions-resource-attributes, "Resource service values":
 * no run.googleapis.com; "Other services and resource types do not recognize resource
 * attributes"), so no condition narrows roles/run.admin to one service.
 *
 * A GCS state bucket and a gcpkms:// key add object and key roles on exactly that bucket and key:
 * the deployer's own access. The applier cannot write their IAM policies (it holds no
 * storage.buckets.setIamPolicy or cloudkms.cryptoKeys.setIamPolicy), nor read them: no narrow
 * predefined role holds storage.buckets.getIamPolicy or cloudkms.cryptoKeys.getIamPolicy without
 * the matching setIamPolicy (the ones that do are broad readers such as roles/iam.securityReviewer
 * and roles/viewer, same dump). So these bindings are an administrator's to apply, and a
 * `pulumi refresh` by the applier fails on them.
 */
import { Findings, compare } from "../../src/core/findings";
import type { DeployerRole, ResolvedGrant } from "../../src/core/model";
import { grantMeta } from "../../src/core/resources";
import type { DeployerCapability, PlanContext, TargetGrant } from "../target";
import { PRIVILEGED_ROLES } from "./checks";
import { RESOURCE } from "./names";
import { BindingTarget, TARGET_KINDS, targetLabel, targetName } from "./reach";
import type { GcpIamMemberEntry } from "./plan-schema";
import { GcpConfig, GcpDeployerConfig, GcpDeployerSchema, GcpGrantConfig } from "./schema";

/** The role that lets a principal impersonate a service account: the only one the applier binds on accounts. */
export const WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser";

/**
 * Values a hasOnly list may hold: "You can include up to 10 values in the list of allowed roles"
 * (Google, "Set limits on granting roles", https://cloud.google.com/iam/docs/setting-limits-on-granting-roles,
 * "Write a condition expression to limit role granting").
 */
export const MAX_ALLOWED_ROLES = 10;

/** A project of gcp.projects or a folder that grants' bindings name. */
export type ReachTarget = Extract<BindingTarget, { kind: "project" | "folder" }>;

/** Every role the map's bindings grant on one project or folder, sorted: the applier's hasOnly list there. */
export interface ReachAllowList {
    readonly target: ReachTarget;
    readonly roles: readonly string[];
}

export interface GcpDeployerScope {
    /** gcp.project, where the applier's roles are bound. */
    readonly project: string;
    /** Every project role the map grants, sorted. */
    readonly grantedRoles: readonly string[];
    /** The projects and folders of grants' bindings, sorted by key and folder ID. */
    readonly reach: readonly ReachAllowList[];
    readonly state?: { readonly bucket: string; readonly kmsKey?: string };
}

export interface DeployerBinding {
    /** project: gcp.project; reach: `target`, a project of gcp.projects or a folder. */
    readonly on: "project" | "bucket" | "cryptoKey" | "reach";
    readonly target?: ReachTarget;
    readonly role: string;
    readonly reason: string;
    readonly condition?: { readonly title: string; readonly description: string; readonly expression: string };
}

/** The IAM condition that lets a setIamPolicy request add or remove bindings of these roles only. */
export function onlyTheseRoles(roles: readonly string[]): string {
    return `api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([${roles.map((r) => `'${r}'`).join(", ")}])`;
}

/** The applier's project bindings; see the module comment. */
function applierBindings(scope: GcpDeployerScope): DeployerBinding[] {
    const bindings: DeployerBinding[] = [
        {
            on: "project",
            role: "roles/iam.workloadIdentityPoolAdmin",
            reason: `create and update the workload identity pool and provider, and every other pool of ${scope.project}: no IAM condition can narrow it`,
        },
        {
            on: "project",
            role: "roles/iam.serviceAccountAdmin",
            reason: `create the grants' service accounts and set who may impersonate each, on every service account of ${scope.project}: it binds ${WORKLOAD_IDENTITY_USER} and no other role (IAM condition)`,
            condition: {
                title: "gitlab-federation-impersonation-only",
                description: `Only ${WORKLOAD_IDENTITY_USER} bindings on service accounts`,
                expression: onlyTheseRoles([WORKLOAD_IDENTITY_USER]),
            },
        },
    ];
    if (scope.grantedRoles.length > 0) {
        // terraform-provider-google batches project IAM member writes (google/services/resourcemanager/iam_project.go
        // registers tpgiamresource.IamWithBatching; google/transport/config.go EnableBatching: true, batcher.go
        // DefaultBatchSendIntervalSec = 3): several grants' roles go out in one setIamPolicy. Every role they
        // bind is in this one list, so a batch of them passes; a list split over several bindings would not.
        // A change of the deployer's own project bindings is outside it and fails under the applier anyway
        // (an administrator's pulumi up), in a batch or not.
        bindings.push({
            on: "project",
            role: "roles/resourcemanager.projectIamAdmin",
            reason: `grant the map's project roles to the grants' service accounts, and no other role (IAM condition): ${scope.grantedRoles.join(", ")}`,
            condition: {
                title: "gitlab-federation-granted-roles",
                description: "Only the project roles the gitlab-federation map grants",
                expression: onlyTheseRoles(scope.grantedRoles),
            },
        });
    }
    return [...bindings, ...scope.reach.map(reachBinding)];
}

/** The role that sets a project's or a folder's allow policy. */
function iamAdminOf(target: ReachTarget): string {
    return target.kind === "project" ? "roles/resourcemanager.projectIamAdmin" : "roles/resourcemanager.folderIamAdmin";
}

/** The applier's binding on a project or folder of grants' bindings, conditioned to the roles the map grants there. */
function reachBinding({ target, roles }: ReachAllowList): DeployerBinding {
    const label = targetLabel(target);
    return {
        on: "reach",
        target,
        role: iamAdminOf(target),
        reason: `grant the roles the map's bindings grant on ${label} to the grants' members, and no other role (IAM condition): ${roles.join(", ")}`,
        condition: {
            title: "gitlab-federation-granted-roles",
            description: `Only the roles the gitlab-federation map grants on ${label}`,
            expression: onlyTheseRoles(roles),
        },
    };
}

export function deployerBindings(role: DeployerRole, scope: GcpDeployerScope): DeployerBinding[] {
    const bindings: DeployerBinding[] =
        role === "applier"
            ? applierBindings(scope)
            : [
                  { on: "project", role: "roles/iam.workloadIdentityPoolViewer", reason: "read the workload identity pool and provider (a pending import is read in preview)" },
                  { on: "project", role: "roles/iam.serviceAccountViewer", reason: "read the grants' service accounts" },
              ];
    if (scope.state !== undefined) {
        bindings.push({
            on: "bucket",
            role: role === "applier" ? "roles/storage.objectAdmin" : "roles/storage.objectViewer",
            reason: role === "applier" ? `read and write this stack's state in gs://${scope.state.bucket}` : `read this stack's state in gs://${scope.state.bucket}`,
        });
        if (scope.state.kmsKey !== undefined) {
            bindings.push({
                on: "cryptoKey",
                role: role === "applier" ? "roles/cloudkms.cryptoKeyEncrypterDecrypter" : "roles/cloudkms.cryptoKeyDecrypter",
                reason: role === "applier" ? "encrypt and decrypt the state's secrets" : "decrypt the state's secrets",
            });
        }
    }
    return bindings;
}

/** The deployer's settings in GCP: `gitlab-federation:deployer.gcp`. */
export const GCP_DEPLOYER: DeployerCapability = {
    settings: GcpDeployerSchema,
    moved: { acknowledgeGcpProject: "acknowledgeProject", "state.gcs": "state" },
    backendUrl: (settings) => {
        const state = (settings as GcpDeployerConfig).state;
        return state === undefined ? undefined : `gs://${state.bucket}`;
    },
};

const ACKNOWLEDGE = ["deployer", "gcp", "acknowledgeProject"];

/**
 * The deployer's requirements in GCP: a project dedicated to this stack, acknowledged, and
 * project roles that fit the applier's hasOnly list.
 */
function checkDeployer(gcp: GcpConfig, settings: GcpDeployerConfig, grantedRoles: readonly string[], findings: Findings): void {
    if (settings.acknowledgeProject === undefined) {
        findings.problem(
            ACKNOWLEDGE,
            `is required with a gcp section: IAM conditions cannot name service accounts or pools, so in ${gcp.project} the applier can bind ${WORKLOAD_IDENTITY_USER} on any service account for anyone (itself included), change any workload identity pool, and grant itself the project roles the map grants: it can act as every service account of ${gcp.project}. Dedicate ${gcp.project} to this stack (no default compute service account, no service accounts or pools but the ones this stack creates, the deployer's own included) and give the reason here`,
        );
    } else {
        findings.loosen(ACKNOWLEDGE, `the applier can act as every service account of ${gcp.project} and change every workload identity pool there`, settings.acknowledgeProject);
    }
    if (grantedRoles.length > MAX_ALLOWED_ROLES) {
        findings.problem(
            ["deployer"],
            `the applier's roles/resourcemanager.projectIamAdmin may grant only the project roles the map grants, listed in its IAM condition, and the map grants ${grantedRoles.length} (${grantedRoles.join(", ")}); GCP allows at most ${MAX_ALLOWED_ROLES} roles in that list: grant at most ${MAX_ALLOWED_ROLES} distinct project roles on ${gcp.project} (a custom role can combine several), or move the grants of the others to a stack without a deployer, which an administrator applies`,
        );
    }
    warnPrivileged(gcp.project, "", grantedRoles, findings);
}

/** The applier's conditions list every role the map grants on `where`: it may grant the privileged ones to anyone, itself included. */
function warnPrivileged(where: string, there: string, roles: readonly string[], findings: Findings): void {
    const privileged = roles.filter((role) => PRIVILEGED_ROLES.test(role));
    if (privileged.length > 0) {
        findings.warn(
            ACKNOWLEDGE,
            `the map grants privileged roles on ${where} (${privileged.join(", ")}); the applier may grant every role the map grants${there} to anyone, itself included, so it holds their power there too`,
        );
    }
}

/** The applier's hasOnly list on each project and folder of grants' bindings: at most MAX_ALLOWED_ROLES; privileged roles warned about. */
function checkReach(reach: readonly ReachAllowList[], findings: Findings): void {
    for (const { target, roles } of reach) {
        const label = targetLabel(target);
        if (roles.length > MAX_ALLOWED_ROLES) {
            findings.problem(
                ["deployer"],
                `the applier's ${iamAdminOf(target)} on ${label} may grant only the roles the map's bindings grant there, listed in its IAM condition, and they grant ${roles.length} (${roles.join(", ")}); GCP allows at most ${MAX_ALLOWED_ROLES} roles in that list: grant at most ${MAX_ALLOWED_ROLES} distinct roles on ${label} (a custom role can combine several), or move the grants of the others to a stack without a deployer, which an administrator applies`,
            );
        }
        warnPrivileged(label, " there", roles, findings);
    }
}

/** Every role the grants' bindings grant on each project of gcp.projects and each folder (a key not in gcp.projects is checkBindings' to report). */
function reachAllowLists(gcp: GcpConfig, grants: PlanContext<GcpConfig, GcpGrantConfig>["grants"]): ReachAllowList[] {
    const lists = new Map<string, { target: ReachTarget; roles: Set<string> }>();
    for (const binding of grants.flatMap((g) => (g.identity === undefined ? (g.fields.bindings ?? []) : []))) {
        const id = binding.project !== undefined ? gcp.projects?.[binding.project]?.id : undefined;
        const target: ReachTarget | undefined =
            binding.folder !== undefined ? { kind: "folder", folder: binding.folder } : id !== undefined ? { kind: "project", key: binding.project!, project: id } : undefined;
        if (target === undefined) {
            continue;
        }
        const list = lists.get(targetName(target)) ?? { target, roles: new Set<string>() };
        binding.roles.forEach((role) => list.roles.add(role));
        lists.set(targetName(target), list);
    }
    return [...lists].sort(([a], [b]) => compare(a, b)).map(([, list]) => ({ target: list.target, roles: [...list.roles].sort(compare) }));
}

/**
 * Why the applier cannot set a target kind's allow policy with least privilege (see the module
 * comment), and what a grant there reaches when bound on its project instead.
 */
const UNSUPPORTED: Partial<Record<(typeof TARGET_KINDS)[number], { why: string; every: string }>> = {
    artifactRegistry: {
        why: "Artifact Registry does not recognize the IAM condition attribute iam.googleapis.com/modifiedGrantsByRole, so an applier limited to the roles the map grants cannot set a repository's allow policy (the request fails), and an unlimited one could grant any role on every repository",
        every: "repository",
    },
    bucket: {
        why: "the roles that set a bucket's allow policy under a modifiedGrantsByRole condition, which only a project's, folder's or organization's allow policy accepts, are roles/storage.admin and broader, which also delete and reconfigure buckets and read and write their objects (roles/storage.legacyBucketOwner is bound on a bucket, where that condition is not accepted)",
        every: "bucket",
    },
    secret: {
        why: "the roles that set a secret's allow policy under a modifiedGrantsByRole condition, which only a project's, folder's or organization's allow policy accepts, are roles/secretmanager.admin and broader, which also read, add and destroy secret versions and delete secrets",
        every: "secret",
    },
    cloudRun: {
        why: "the roles that set a service's allow policy under a modifiedGrantsByRole condition, which only a project's, folder's or organization's allow policy accepts, are roles/run.admin and broader, which also deploy and delete services, and Cloud Run gives IAM conditions no resource.name to narrow them to one service",
        every: "Cloud Run service",
    },
};

/** With a deployer: refuses each binding on a target kind the applier cannot be limited for (UNSUPPORTED). */
export function refuseUnsupportedReach({ fields, at }: TargetGrant<GcpGrantConfig>, findings: Findings): void {
    (fields.bindings ?? []).forEach((binding, index) => {
        for (const kind of TARGET_KINDS) {
            const refused = UNSUPPORTED[kind];
            const target = binding[kind];
            if (refused !== undefined && typeof target === "object") {
                findings.problem(
                    [...at, "bindings", index, kind],
                    `is not supported with gitlab-federation:deployer: ${refused.why}; grant the roles on the project instead ({ project: ${target.project}, roles: [${binding.roles.join(", ")}] }), which reaches every ${refused.every} there, or move this grant to a stack without a deployer, which an administrator applies`,
                );
            }
        }
    });
}

/** What the deployer's bindings need from the map (every project role it grants, the state bucket), when the map has a deployer. */
export function gcpDeployer({ section: gcp, grants, findings, deployer }: PlanContext<GcpConfig, GcpGrantConfig>): GcpDeployerScope | undefined {
    if (deployer === undefined) {
        return undefined;
    }
    const settings = deployer.settings as GcpDeployerConfig;
    const roles = [...new Set(grants.flatMap((g) => (g.identity === undefined ? g.fields.roles : [])))].sort(compare);
    checkDeployer(gcp, settings, roles, findings);
    const reach = reachAllowLists(gcp, grants);
    checkReach(reach, findings);
    return { project: gcp.project, grantedRoles: roles, reach, ...(settings.state !== undefined ? { state: settings.state } : {}) };
}

/** A deployer binding as the plan entry of its resource. */
export function deployerEntry(grant: ResolvedGrant, gcp: GcpConfig, scope: GcpDeployerScope, email: string, b: DeployerBinding): GcpIamMemberEntry {
    const member = `serviceAccount:${email}`;
    switch (b.on) {
        case "project":
            return { resource: grantMeta(RESOURCE.projectIamMember, grant, `/${b.role}`), project: gcp.project, role: b.role, member, ...(b.condition !== undefined ? { condition: { ...b.condition } } : {}), reason: b.reason };
        case "bucket":
            return { resource: grantMeta(RESOURCE.bucketIamMember, grant, `/state/${b.role}`), bucket: scope.state!.bucket, role: b.role, member, reason: b.reason };
        case "cryptoKey":
            return { resource: grantMeta(RESOURCE.cryptoKeyIamMember, grant, `/state-key/${b.role}`), cryptoKeyId: scope.state!.kmsKey!, role: b.role, member, reason: b.reason };
        case "reach":
            return reachEntry(grant, member, b);
    }
}

/** The applier's binding on a project of gcp.projects (through its provider) or a folder, named like the grants' bindings there. */
function reachEntry(grant: ResolvedGrant, member: string, b: DeployerBinding): GcpIamMemberEntry {
    const t = b.target!;
    const common = { role: b.role, member, condition: { ...b.condition! }, reason: b.reason };
    return t.kind === "project"
        ? { resource: grantMeta(RESOURCE.projectIamMember, grant, `/${targetName(t)}/${b.role}`), projectKey: t.key, project: t.project, ...common }
        : { resource: grantMeta(RESOURCE.folderIamMember, grant, `/${targetName(t)}/${b.role}`), folder: `folders/${t.folder}`, ...common };
}
