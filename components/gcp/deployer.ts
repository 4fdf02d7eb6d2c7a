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
import type { DeployerCapability, PlanContext } from "../target";
import { PRIVILEGED_ROLES } from "./checks";
import { RESOURCE } from "./names";
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

export interface GcpDeployerScope {
    /** gcp.project, where the applier's roles are bound. */
    readonly project: string;
    /** Every project role the map grants, sorted. */
    readonly grantedRoles: readonly string[];
    readonly state?: { readonly bucket: string; readonly kmsKey?: string };
}

export interface DeployerBinding {
    readonly on: "project" | "bucket" | "cryptoKey";
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
    return bindings;
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
    const privileged = grantedRoles.filter((role) => PRIVILEGED_ROLES.test(role));
    if (privileged.length > 0) {
        // The applier's projectIamAdmin condition lists every role the map grants: it may grant these to anyone, itself included.
        findings.warn(
            ACKNOWLEDGE,
            `the map grants privileged roles on ${gcp.project} (${privileged.join(", ")}); the applier may grant every role the map grants to anyone, itself included, so it holds their power there too`,
        );
    }
}

/** What the deployer's bindings need from the map (every project role it grants, the state bucket), when the map has a deployer. */
export function gcpDeployer({ section: gcp, grants, findings, deployer }: PlanContext<GcpConfig, GcpGrantConfig>): GcpDeployerScope | undefined {
    if (deployer === undefined) {
        return undefined;
    }
    const settings = deployer.settings as GcpDeployerConfig;
    const roles = [...new Set(grants.flatMap((g) => (g.identity === undefined ? g.fields.roles : [])))].sort(compare);
    checkDeployer(gcp, settings, roles, findings);
    return { project: gcp.project, grantedRoles: roles, ...(settings.state !== undefined ? { state: settings.state } : {}) };
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
    }
}
