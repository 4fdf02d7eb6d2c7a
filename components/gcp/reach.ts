/**
 * Where a grant's roles reach beyond gcp.project (#21): the projects of gcp.projects, folders, and
 * single resources (a Cloud Storage bucket, an Artifact Registry repository, a Cloud Run service,
 * a Secret Manager secret). Every binding is a non-authoritative *IAMMember resource (it adds one
 * member to one role and leaves the policy's other members alone: @pulumi/gcp 9.37.0
 * projects/iammember.d.ts, folder/iammember.d.ts, storage/bucketIAMMember.d.ts,
 * artifactregistry/repositoryIamMember.d.ts, cloudrunv2/serviceIamMember.d.ts,
 * secretmanager/secretIamMember.d.ts: "Non-authoritative. Updates the IAM policy to grant a role
 * to a new member. Other members for the role ... are preserved"), registered through the Pulumi
 * provider of the project it is in (a folder's through the stack's own provider).
 *
 * Logical names: `<grant key>/<target>/<role>`, `<target>` one of `project/<key>`,
 * `folder/<id>`, `bucket/<key>/<name>`, `artifactRegistry/<key>/<location>/<repository>`,
 * `cloudRun/<key>/<location>/<service>`, `secret/<key>/<secret>`; with access direct one per
 * principalSet, `/wif-<hash of the member>` appended. They never depend on list positions.
 *
 * access direct binds the grant's principalSets (provider.ts groupMember) instead of a service
 * account. Google, "Identity federation: products and limitations"
 * (https://docs.cloud.google.com/iam/docs/federated-identity-supported-services): Artifact
 * Registry, Cloud Run, Secret Manager and Resource Manager (projects, folders; "The Organizations
 * API doesn't support identity federation") are GA with "No known limitations"; Cloud Storage
 * "is supported only for uniform bucket-level access buckets" and federated workloads "cannot
 * generate signed URLs"; VPC Service Controls perimeters admit federated workloads "only through
 * service account impersonation". Hence serviceAccount stays the default.
 */
import { Findings, PathSegment, compare } from "../../src/core/findings";
import type { ResolvedGrant } from "../../src/core/model";
import { shortHash } from "../../src/core/names";
import { grantMeta, meta } from "../../src/core/resources";
import type { TargetGrant } from "../target";
import { PRIVILEGED_ROLES } from "./checks";
import { RESOURCE } from "./names";
import type { GcpIamMemberEntry, GcpProjectProviderEntry } from "./plan-schema";
import type { GcpBindingConfig, GcpConfig, GcpGrantConfig } from "./schema";

const q = JSON.stringify;

export const TARGET_KINDS = ["project", "folder", "bucket", "artifactRegistry", "cloudRun", "secret"] as const;

/** A binding's target, resolved against gcp.projects (`key`: the project's key, `project`: its ID). */
export type BindingTarget =
    | { readonly kind: "project"; readonly key: string; readonly project: string }
    | { readonly kind: "folder"; readonly folder: string }
    | { readonly kind: "bucket"; readonly key: string; readonly project: string; readonly bucket: string }
    | { readonly kind: "artifactRegistry"; readonly key: string; readonly project: string; readonly location: string; readonly repository: string }
    | { readonly kind: "cloudRun"; readonly key: string; readonly project: string; readonly location: string; readonly service: string }
    | { readonly kind: "secret"; readonly key: string; readonly project: string; readonly secret: string };

export interface PlannedBinding {
    readonly target: BindingTarget;
    readonly role: string;
}

/** The target's part of a logical name. */
export function targetName(t: BindingTarget): string {
    switch (t.kind) {
        case "project":
            return `project/${t.key}`;
        case "folder":
            return `folder/${t.folder}`;
        case "bucket":
            return `bucket/${t.key}/${t.bucket}`;
        case "artifactRegistry":
            return `artifactRegistry/${t.key}/${t.location}/${t.repository}`;
        case "cloudRun":
            return `cloudRun/${t.key}/${t.location}/${t.service}`;
        case "secret":
            return `secret/${t.key}/${t.secret}`;
    }
}

/** The target as a reader names it: its kind and Google's resource name. */
export function targetLabel(t: BindingTarget): string {
    switch (t.kind) {
        case "project":
            return `project ${t.project}`;
        case "folder":
            return `folder ${t.folder}`;
        case "bucket":
            return `bucket gs://${t.bucket}`;
        case "artifactRegistry":
            return `artifactRegistry projects/${t.project}/locations/${t.location}/repositories/${t.repository}`;
        case "cloudRun":
            return `cloudRun projects/${t.project}/locations/${t.location}/services/${t.service}`;
        case "secret":
            return `secret projects/${t.project}/secrets/${t.secret}`;
    }
}

/** The key in gcp.projects a binding names, and where it stands in the map. */
function projectKeyOf(binding: GcpBindingConfig, kind: (typeof TARGET_KINDS)[number]): { key: string; at: PathSegment[] } | undefined {
    if (kind === "folder") {
        return undefined;
    }
    return kind === "project" ? { key: binding.project!, at: ["project"] } : { key: binding[kind]!.project, at: [kind, "project"] };
}

/** A binding's one target, or a problem when it names none, several, or a project not in gcp.projects. */
function resolveTarget(binding: GcpBindingConfig, at: readonly PathSegment[], gcp: GcpConfig, findings: Findings): BindingTarget | undefined {
    const named = TARGET_KINDS.filter((k) => binding[k] !== undefined);
    if (named.length !== 1) {
        findings.problem(
            at,
            named.length === 0
                ? `names no target: give exactly one of ${TARGET_KINDS.join(", ")}`
                : `names ${named.length} targets (${named.join(", ")}): give exactly one of ${TARGET_KINDS.join(", ")}; split it into one binding per target`,
        );
        return undefined;
    }
    const kind = named[0]!;
    const ref = projectKeyOf(binding, kind);
    const project = ref === undefined ? undefined : gcp.projects?.[ref.key];
    if (ref !== undefined && project === undefined) {
        const keys = Object.keys(gcp.projects ?? {}).sort(compare);
        findings.problem(
            [...at, ...ref.at],
            `${q(ref.key)} is not a key of gcp.projects (${keys.length > 0 ? keys.join(", ") : "none: gcp.projects is not set"}): add ${ref.key} to gcp.projects with its id, or name one of its keys`,
        );
        return undefined;
    }
    const [key, id] = [ref?.key ?? "", project?.id ?? ""];
    switch (kind) {
        case "project":
            return { kind, key, project: id };
        case "folder":
            return { kind, folder: binding.folder! };
        case "bucket":
            return { kind, key, project: id, bucket: binding.bucket!.name };
        case "artifactRegistry":
            return { kind, key, project: id, location: binding.artifactRegistry!.location, repository: binding.artifactRegistry!.repository };
        case "cloudRun":
            return { kind, key, project: id, location: binding.cloudRun!.location, service: binding.cloudRun!.service };
        case "secret":
            return { kind, key, project: id, secret: binding.secret!.secret };
    }
}

/**
 * Roles that administer a service on the target they are bound on: they include its setIamPolicy
 * (e.g. roles/storage.admin: storage.buckets.setIamPolicy, so a job could make a bucket public;
 * Google, "IAM roles for Cloud Storage"), so on a workload project or resource they need a reason.
 */
const SERVICE_ADMIN_ROLES = /^roles\/[A-Za-z0-9]+\.admin$/;

/** Why a role needs allowBroad on this target (undefined target: its binding named none), or undefined. */
function broadness(role: string, target: BindingTarget | undefined): string | undefined {
    const label = target === undefined ? "this binding's target" : targetLabel(target);
    if (PRIVILEGED_ROLES.test(role)) {
        return role.startsWith("roles/")
            ? `${q(role)} on ${label} makes any pipeline that matches this grant an administrator there or lets it act as other service accounts: grant a narrower role, or set gcp.allowBroad with a reason`
            : `${q(role)} is a custom role, whose permissions cannot be checked offline: set gcp.allowBroad with a reason once you have checked it grants nothing administrative`;
    }
    // Every role on a folder is inherited by every project under it (Google, "Resource hierarchy":
    // allow policies are inherited by descendants), those created later included.
    if (target?.kind === "folder") {
        return `${q(role)} on ${label} reaches every project under the folder, those created later too: grant it on those projects or resources instead (bindings with project, bucket, artifactRegistry, cloudRun or secret), or set gcp.allowBroad with a reason`;
    }
    if (SERVICE_ADMIN_ROLES.test(role)) {
        return `${q(role)} on ${label} administers the service there, its IAM policy included (a job could grant access to anyone): grant a role that uses the service rather than administers it, or set gcp.allowBroad with a reason`;
    }
    return undefined;
}

/** The grant's bindings, checked; sorted by logical name. `privileged`: some role needed allowBroad. */
export function checkBindings({ fields, at }: TargetGrant<GcpGrantConfig>, gcp: GcpConfig, findings: Findings): { bindings: PlannedBinding[]; privileged: boolean } {
    const seen = new Map<string, number>();
    const bindings: PlannedBinding[] = [];
    let privileged = false;
    (fields.bindings ?? []).forEach((binding, index) => {
        const where = [...at, "bindings", index];
        const target = resolveTarget(binding, where, gcp, findings);
        binding.roles.forEach((role, r) => {
            const why = broadness(role, target);
            privileged ||= why !== undefined;
            if (why !== undefined && fields.allowBroad === undefined) {
                findings.problem([...where, "roles", r], why);
            }
            if (target === undefined) {
                return;
            }
            const name = `${targetName(target)}/${role}`;
            const earlier = seen.get(name);
            if (earlier !== undefined) {
                findings.problem([...where, "roles", r], `grants ${q(role)} on ${targetLabel(target)} again (${earlier === index ? "listed twice here" : `also in bindings[${earlier}]`}): list each role once per target`);
                return;
            }
            seen.set(name, index);
            bindings.push({ target, role });
        });
    });
    return { bindings: bindings.sort((a, b) => compare(`${targetName(a.target)}/${a.role}`, `${targetName(b.target)}/${b.role}`)), privileged };
}

/** The plan entry of one binding for one member; `suffix` ends the logical name (direct access: the member's hash). */
export function bindingEntry(grant: ResolvedGrant, { target: t, role }: PlannedBinding, member: string, suffix: string): GcpIamMemberEntry {
    const name = `/${targetName(t)}/${role}${suffix}`;
    switch (t.kind) {
        case "project":
            return { resource: grantMeta(RESOURCE.projectIamMember, grant, name), projectKey: t.key, project: t.project, role, member };
        case "folder":
            return { resource: grantMeta(RESOURCE.folderIamMember, grant, name), folder: `folders/${t.folder}`, role, member };
        case "bucket":
            return { resource: grantMeta(RESOURCE.bucketIamMember, grant, name), projectKey: t.key, bucket: t.bucket, role, member };
        case "artifactRegistry":
            return { resource: grantMeta(RESOURCE.repositoryIamMember, grant, name), projectKey: t.key, project: t.project, location: t.location, repository: t.repository, role, member };
        case "cloudRun":
            return { resource: grantMeta(RESOURCE.cloudRunServiceIamMember, grant, name), projectKey: t.key, project: t.project, location: t.location, name: t.service, role, member };
        case "secret":
            return { resource: grantMeta(RESOURCE.secretIamMember, grant, name), projectKey: t.key, project: t.project, secretId: t.secret, role, member };
    }
}

/** The suffix of a direct-access binding's logical name: one binding per principalSet. */
export function memberSuffix(member: string): string {
    return `/wif-${shortHash(member)}`;
}

/**
 * Each project once in gcp.projects, and not gcp.project: two keys of one project would bind the
 * same role twice under two names (deleting one binding removes the member the other still
 * promises) and split its quota count; the pool's project is gcp.project's (its roles: gcp.roles).
 */
export function checkProjectIds(gcp: GcpConfig, findings: Findings): void {
    const seen = new Map<string, string>();
    for (const [key, project] of Object.entries(gcp.projects ?? {}).sort(([a], [b]) => compare(a, b))) {
        const earlier = seen.get(project.id);
        if (project.id === gcp.project) {
            findings.problem(["gcp", "projects", key, "id"], `${q(project.id)} is gcp.project, the pool's project: grant roles there with a grant's gcp.roles; remove gcp.projects.${key}, or name another project`);
        } else if (earlier !== undefined) {
            findings.problem(["gcp", "projects", key, "id"], `${q(project.id)} is also the id of gcp.projects.${earlier}: list each project once, and name that key in the bindings`);
        }
        seen.set(project.id, key);
    }
}

/** The Pulumi provider of each project of gcp.projects, by key. */
export function projectProviders(gcp: GcpConfig): GcpProjectProviderEntry[] {
    return Object.entries(gcp.projects ?? {})
        .sort(([a], [b]) => compare(a, b))
        .map(([key, p]) => ({
            resource: meta(RESOURCE.projectProvider, `projects/${key}`, false),
            projectKey: key,
            project: p.id,
            ...(p.impersonateServiceAccount !== undefined ? { impersonateServiceAccount: p.impersonateServiceAccount } : {}),
        }));
}

/** GCP's write rate for IAM policies per project and minute, as checks.ts counts it for gcp.project. */
export function checkProjectWrites(gcp: GcpConfig, members: readonly GcpIamMemberEntry[], perMinute: number, findings: Findings): void {
    const counts = new Map<string, number>();
    for (const m of members) {
        const key = "projectKey" in m ? m.projectKey : undefined;
        if (key !== undefined) {
            counts.set(key, (counts.get(key) ?? 0) + 1);
        }
    }
    for (const [key, count] of [...counts].sort(([a], [b]) => compare(a, b))) {
        if (count > 10 * perMinute) {
            findings.warn(
                ["gcp", "projects", key],
                `a first pulumi up writes ${count} IAM bindings to ${gcp.projects![key]!.id}; GCP rate-limits IAM writes per project and minute, so expect a slow first apply with retried throttling errors, or add the grants' bindings in steps`,
            );
        }
    }
}
