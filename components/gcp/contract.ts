/** GCP's part of the output contract (contract/contract.ts): the pool provider and each grant's service account, from the plan. */
import { z } from "zod";
import { inPart, schemaRule } from "../../src/core/contract-rules";
import { audienceProblem } from "../../src/core/rules";
import type { ContractCapability } from "../target";
import { IAM_SERVICE, withoutService } from "./names";
import type { GcpPlan, GcpSummary } from "./plan-schema";
import { serviceAccountIdProblem, workloadIdentityIdProblem } from "./rules";
import { GcpGrantSchema, GcpSchema } from "./schema";

export const GcpContractSchema = z
    .object({
        audience: z.string().meta({ description: "The aud of the job's GCP ID token." }),
        providerName: z.string().meta({ description: "projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>." }),
        providerResourceName: z.string().meta({ description: "//iam.googleapis.com/<providerName>: the audience of the STS exchange." }),
    })
    .meta({ description: "The stack's workload identity pool provider." });

export const GcpGrantContractSchema = z
    .object({
        serviceAccountEmail: z.string().optional().meta({ description: "The service account the job impersonates; absent with access direct." }),
        access: z.literal("direct").optional().meta({ description: "direct: the job uses its federated token as is (no service account); its principalSets hold the roles. Absent: it impersonates serviceAccountEmail." }),
        providerName: z.string().meta({ description: "The provider the job exchanges its token at: the stack's, or its shard's." }),
        providerResourceName: z.string().meta({ description: "//iam.googleapis.com/<providerName>: the audience of the STS exchange." }),
        audience: z.string().meta({ description: "The aud of the job's GCP ID token." }),
        roles: z.array(z.string()).meta({ description: "Project roles the service account holds." }),
        bindings: z.array(z.string()).optional().meta({ description: "Roles beyond gcp.project: \"<role> on <target>\"." }),
    })
    .meta({ description: "What a grant gets from GCP: the service account its token may impersonate." });

export function gcpContract(plan: GcpPlan): z.output<typeof GcpContractSchema> {
    return { audience: plan.audience, providerName: withoutService(plan.providerResourceName), providerResourceName: plan.providerResourceName };
}

export function gcpGrantContract(plan: GcpPlan, summary: GcpSummary): z.output<typeof GcpGrantContractSchema> {
    return {
        ...(summary.email !== undefined ? { serviceAccountEmail: summary.email } : { access: "direct" as const }),
        providerName: withoutService(summary.provider ?? plan.providerResourceName),
        providerResourceName: summary.provider ?? plan.providerResourceName,
        audience: summary.audience,
        roles: [...summary.roles],
        ...(summary.bindings !== undefined ? { bindings: [...summary.bindings] } : {}),
    };
}

const q = JSON.stringify;
const gcpProject = schemaRule(GcpSchema.shape.project);
const projectNumber = schemaRule(GcpSchema.shape.projectNumber);

/** projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>, each part by the map's rule. */
function providerNameProblem(value: string): string | undefined {
    const parts = /^projects\/([^/]*)\/locations\/global\/workloadIdentityPools\/([^/]*)\/providers\/([^/]*)$/.exec(value);
    if (parts === null) {
        return `must be projects/<project number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>, got ${q(value)}`;
    }
    return inPart("project number", projectNumber(parts[1]!)) ?? inPart("pool id", workloadIdentityIdProblem(parts[2]!)) ?? inPart("provider id", workloadIdentityIdProblem(parts[3]!));
}

function providerResourceNameProblem(value: string): string | undefined {
    return value.startsWith(IAM_SERVICE) ? providerNameProblem(value.slice(IAM_SERVICE.length)) : `must start with ${IAM_SERVICE}, got ${q(value)}`;
}

/** <account id>@<project>.iam.gserviceaccount.com. */
function serviceAccountEmailProblem(value: string): string | undefined {
    const parts = /^([^@]*)@([^@]*)\.iam\.gserviceaccount\.com$/.exec(value);
    if (parts === null) {
        return `must be a service account email, <account id>@<project>.iam.gserviceaccount.com, got ${q(value)}`;
    }
    return inPart("account id", serviceAccountIdProblem(parts[1]!)) ?? inPart("project", gcpProject(parts[2]!));
}

const ROLE = schemaRule(GcpGrantSchema.shape.roles.unwrap().element);

/** "<role> on <kind> <resource>", as plan.ts writes a grant's bindings; the resource by its kind's shape. */
function bindingProblem(value: string): string | undefined {
    const parts = /^(\S+) on (project|folder|bucket|artifactRegistry|cloudRun|secret) (\S+)$/.exec(value);
    if (parts === null) {
        return `must be "<role> on <project|folder|bucket|artifactRegistry|cloudRun|secret> <resource>", got ${q(value)}`;
    }
    const shapes: Record<string, RegExp> = {
        project: /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
        folder: /^[1-9]\d{5,18}$/,
        bucket: /^gs:\/\/[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/,
        artifactRegistry: /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/locations\/[a-z]+(-[a-z]+\d+)?\/repositories\/[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/,
        cloudRun: /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/locations\/[a-z]+(-[a-z]+\d+)?\/services\/[a-z]([a-z0-9-]{0,47}[a-z0-9])?$/,
        secret: /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/secrets\/[A-Za-z0-9_-]{1,255}$/,
    };
    return inPart("role", ROLE(parts[1]!)) ?? (shapes[parts[2]!]!.test(parts[3]!) ? undefined : `the ${parts[2]} must be ${shapes[parts[2]!]!.source}, got ${q(parts[3])}`);
}

/** GCP's part of the output contract, with the map's rule for each of its strings. */
export const GCP_CONTRACT: ContractCapability<GcpPlan, GcpSummary, typeof GcpContractSchema, typeof GcpGrantContractSchema> = {
    section: GcpContractSchema,
    grant: GcpGrantContractSchema,
    sectionOf: gcpContract,
    grantOf: gcpGrantContract,
    strings: {
        audience: { rule: audienceProblem },
        providerName: { rule: providerNameProblem },
        providerResourceName: { rule: providerResourceNameProblem },
        "grant.serviceAccountEmail": { rule: serviceAccountEmailProblem },
        "grant.providerName": { rule: providerNameProblem },
        "grant.providerResourceName": { rule: providerResourceNameProblem },
        "grant.audience": { rule: audienceProblem },
        "grant.roles[]": { rule: ROLE },
        "grant.access": { rule: (value) => (value === "direct" ? undefined : `must be "direct", got ${q(value)}`) },
        "grant.bindings[]": { rule: bindingProblem },
    },
    legacy: { section: ["providerName", "audience"], grant: ["serviceAccountEmail", "providerName", "audience"] },
};
