/**
 * The output contract (contract/contract.ts) from a plan: what the program publishes as the stack
 * output `contract` (with the few values only the resources know merged over it) and what
 * `gitlab-federation ci` generates CI from. Put together from each target's part; the schema is
 * committed as schema/contract.schema.json and reads a contract back (`ci --contract`).
 */
import { z } from "zod";
import { CONTRACT_SCHEMA_VERSION, Contract, contractMajor } from "../contract/contract";
import { conforms } from "../core/type-checks";
import { RegisteredTarget, TARGETS } from "../targets";
import { ALL_TARGETS } from "./check";
import type { GrantSummary, Plan } from "./plan-schema";

type Sections = { [T in RegisteredTarget as T["key"]]: z.ZodOptional<T["contractSchema"]> };
type GrantSections = { [T in RegisteredTarget as T["key"]]: z.ZodOptional<T["grantContractSchema"]> };

const sections = Object.fromEntries(TARGETS.map((t) => [t.key, t.contractSchema.optional()])) as Sections;
const grantSections = Object.fromEntries(TARGETS.map((t) => [t.key, t.grantContractSchema.optional()])) as GrantSections;

export const GrantContractSchema = z
    .object({
        projectId: z.string().meta({ description: "The GitLab project id the grant is bound to." }),
        description: z.string().optional(),
        conditions: z
            .object({ ref: z.array(z.string()), refType: z.enum(["branch", "tag"]), protected: z.boolean(), environment: z.string().optional() })
            .meta({ description: "When the grant's token is accepted: refs (exact, or patterns where * matches any run of characters), ref type, protection, environment." }),
        deployer: z.enum(["planner", "applier"]).optional().meta({ description: "Set on the federation pipeline's own identities (gitlab-federation:deployer)." }),
        ...grantSections,
    })
    .meta({ description: "What one grant gives, per target it uses." });

export const ContractSchema = z
    .object({
        schemaVersion: z.string().regex(/^1\.\d+$/).meta({ description: `"major.minor"; this schema describes major 1 (written: ${CONTRACT_SCHEMA_VERSION}).` }),
        gitlabUrl: z.string().meta({ description: "The GitLab instance whose ID tokens the stack trusts (their iss)." }),
        ...sections,
        grants: z.record(z.string(), z.record(z.string(), GrantContractSchema)).meta({ description: "grants[<project path>][<grant>]." }),
    })
    .meta({
        title: "gitlab-federation contract",
        description:
            "The stack output contract of a gitlab-federation stack: what app stacks and app projects' CI consume. This schema is exactly the version this package writes; a newer minor version only adds optional fields, which readers ignore.",
    });

conforms<z.output<typeof ContractSchema>, Contract>();

/** The contract a plan publishes: plain values, every one from the plan. */
export function contractOf(plan: Plan): Contract {
    const planSections = plan as unknown as Record<string, unknown>;
    const contract: Record<string, unknown> = { schemaVersion: CONTRACT_SCHEMA_VERSION, gitlabUrl: plan.gitlab.url };
    for (const target of ALL_TARGETS) {
        if (planSections[target.key] !== undefined) {
            contract[target.key] = target.contract(planSections[target.key]);
        }
    }
    const grants: Record<string, Record<string, unknown>> = {};
    for (const g of plan.grants) {
        (grants[g.project] ??= {})[g.grant] = grantContractOf(plan, g);
    }
    contract.grants = grants;
    return contract as unknown as Contract;
}

function grantContractOf(plan: Plan, g: GrantSummary): Record<string, unknown> {
    const planSections = plan as unknown as Record<string, unknown>;
    const { ref, refType, protected: isProtected, environment } = g.conditions;
    const grant: Record<string, unknown> = {
        projectId: g.projectId,
        ...(g.description !== undefined ? { description: g.description } : {}),
        conditions: { ref: [...ref], refType, protected: isProtected, ...(environment !== undefined ? { environment } : {}) },
        ...(g.deployer !== undefined ? { deployer: g.deployer } : {}),
    };
    for (const target of ALL_TARGETS) {
        const summary = (g as Record<string, unknown>)[target.key];
        if (summary !== undefined) {
            grant[target.key] = target.grantContract(planSections[target.key], summary);
        }
    }
    return grant;
}

/**
 * Reads a contract (e.g. `pulumi stack output contract --json`): the problems, or the contract.
 * A major version this package does not know is refused, not guessed at.
 */
export function readContract(value: unknown, source: string): { contract: Contract } | { problems: string[] } {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return { problems: [`${source} is not a gitlab-federation contract (a JSON object with schemaVersion, gitlabUrl and grants)`] };
    }
    const version = (value as { schemaVersion?: unknown }).schemaVersion;
    const major = contractMajor(version);
    if (major !== undefined && major !== contractMajor(CONTRACT_SCHEMA_VERSION)) {
        return { problems: [`${source} has contract schemaVersion ${String(version)}; this gitlab-federation reads ${contractMajor(CONTRACT_SCHEMA_VERSION)}.x: use a gitlab-federation release that reads ${major}.x`] };
    }
    const parsed = ContractSchema.safeParse(value);
    if (!parsed.success) {
        return {
            problems: parsed.error.issues.map((issue) => `${source}: ${issue.path.length > 0 ? issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").slice(1) : "(top)"}: ${issue.message}`),
        };
    }
    return { contract: parsed.data as Contract };
}
