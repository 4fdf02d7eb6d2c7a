/**
 * The GCP roles of the federation pipeline's own service accounts (gitlab-federation:deployer),
 * each with the reason the plan shows. Managing a pool, service accounts and project bindings
 * takes administrative predefined roles; they are narrowed where GCP allows it:
 * - roles/iam.workloadIdentityPoolAdmin: the pool and the provider (mapping, condition, audiences);
 * - roles/iam.serviceAccountAdmin: the grants' service accounts and who may impersonate each
 *   (roles/iam.workloadIdentityUser is set on the account, never on the project);
 * - roles/resourcemanager.projectIamAdmin only with an IAM condition on
 *   iam.googleapis.com/modifiedGrantsByRole: the applier may add or remove bindings of the roles
 *   the map grants and no other role, so it can never grant itself (or anyone) another role,
 *   projectIamAdmin included; a map that adds a project role therefore needs an administrator's
 *   pulumi up once, which widens the condition. Without any project role in the map the
 *   applier gets no projectIamAdmin at all.
 * The planner gets viewers: the pool and provider, the service accounts; pulumi preview does not
 * refresh, so it needs no IAM policy reads. A GCS state bucket and a gcpkms:// key add object
 * and key roles on exactly that bucket and key.
 */
import type { DeployerRole } from "../../core/model";

export interface GcpDeployerScope {
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

/** The IAM condition that lets projectIamAdmin change bindings of these roles only. */
export function onlyTheseRoles(roles: readonly string[]): string {
    return `api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([${roles.map((r) => `'${r}'`).join(", ")}])`;
}

export function deployerBindings(role: DeployerRole, scope: GcpDeployerScope): DeployerBinding[] {
    const bindings: DeployerBinding[] =
        role === "applier"
            ? [
                  { on: "project", role: "roles/iam.workloadIdentityPoolAdmin", reason: "create and update the workload identity pool and provider" },
                  { on: "project", role: "roles/iam.serviceAccountAdmin", reason: "create the grants' service accounts and set who may impersonate each" },
                  ...(scope.grantedRoles.length > 0
                      ? [
                            {
                                on: "project" as const,
                                role: "roles/resourcemanager.projectIamAdmin",
                                reason: `grant the map's project roles to the grants' service accounts, and no other role (IAM condition): ${scope.grantedRoles.join(", ")}`,
                                condition: {
                                    title: "gitlab-federation-granted-roles",
                                    description: "Only the project roles the gitlab-federation map grants",
                                    expression: onlyTheseRoles(scope.grantedRoles),
                                },
                            },
                        ]
                      : []),
              ]
            : [
                  { on: "project", role: "roles/iam.workloadIdentityPoolViewer", reason: "read the workload identity pool and provider" },
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
