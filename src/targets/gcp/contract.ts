/** GCP's part of the output contract (contract/contract.ts): the pool provider and each grant's service account, from the plan. */
import { z } from "zod";
import type { GcpContract, GcpGrantContract } from "../../contract/contract";
import { conforms } from "../../core/type-checks";
import { withoutService } from "./names";
import type { GcpPlan, GcpSummary } from "./plan-schema";

export const GcpContractSchema = z
    .object({
        audience: z.string().meta({ description: "The aud of the job's GCP ID token." }),
        providerName: z.string().meta({ description: "projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>." }),
        providerResourceName: z.string().meta({ description: "//iam.googleapis.com/<providerName>: the audience of the STS exchange." }),
    })
    .meta({ description: "The stack's workload identity pool provider." });

export const GcpGrantContractSchema = z
    .object({
        serviceAccountEmail: z.string(),
        providerName: z.string(),
        providerResourceName: z.string(),
        audience: z.string(),
        roles: z.array(z.string()).meta({ description: "Project roles the service account holds." }),
    })
    .meta({ description: "What a grant gets from GCP: the service account its token may impersonate." });

conforms<z.output<typeof GcpContractSchema>, GcpContract>();
conforms<z.output<typeof GcpGrantContractSchema>, GcpGrantContract>();

export function gcpContract(plan: GcpPlan): z.output<typeof GcpContractSchema> {
    return { audience: plan.audience, providerName: withoutService(plan.providerResourceName), providerResourceName: plan.providerResourceName };
}

export function gcpGrantContract(plan: GcpPlan, summary: GcpSummary): z.output<typeof GcpGrantContractSchema> {
    return {
        serviceAccountEmail: summary.email,
        providerName: withoutService(summary.provider ?? plan.providerResourceName),
        providerResourceName: summary.provider ?? plan.providerResourceName,
        audience: summary.audience,
        roles: [...summary.roles],
    };
}
