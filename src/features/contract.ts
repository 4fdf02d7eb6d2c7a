/**
 * The output contract (contract/contract.ts) from a plan: what the program publishes as the stack
 * output `contract` (with the few values only the resources know merged over it) and what
 * `gitlab-federation ci` generates CI from. Put together from each target's part; the schema is
 * committed as schema/contract.schema.json and reads a contract back (`ci --contract`).
 */
import { z } from "zod";
import { CONTRACT_SCHEMA_VERSION, Contract, contractMajor } from "../contract/contract";
import { targets } from "../../components";
import { Findings, PathSegment, show } from "../core/findings";
import { parseWith } from "../core/parse";
import type { AnyTarget } from "../../components/target";
import type { GrantSummary, Plan } from "./plan-schema";

/** When a grant's token is accepted, as the contract states it. */
export const CONDITIONS = z
    .object({ ref: z.array(z.string()), refType: z.enum(["branch", "tag"]), protected: z.boolean(), environment: z.string().optional(), environmentProtected: z.literal(true).optional() })
    .meta({
        description:
            "When the grant's token is accepted: refs (exact, or patterns where * matches any run of characters), ref type, protection, environment (exact, or a pattern likewise), and whether the environment must be protected.",
    });

export const DEPLOYER_ROLE = z.enum(["planner", "applier"]);

/** The contract's schema for a list of targets: each with a contract capability adds its part of the stack and of a grant. */
function buildContractSchema(list: readonly AnyTarget[]) {
    const withContract = list.filter((t) => t.contract !== undefined);
    const grantSections = Object.fromEntries(withContract.map((t) => [t.key, t.contract!.grant.optional()]));
    const sections = Object.fromEntries(withContract.map((t) => [t.key, t.contract!.section.optional()]));
    const grant = z
        .object({
            projectId: z.string().meta({ description: "The GitLab project id the grant is bound to." }),
            description: z.string().optional(),
            conditions: CONDITIONS,
            deployer: DEPLOYER_ROLE.optional().meta({ description: "Set on the federation pipeline's own identities (gitlab-federation:deployer)." }),
            ...grantSections,
        })
        .meta({ description: "What one grant gives, per target it uses." });
    return z
        .object({
            schemaVersion: z.string().regex(/^1\.\d+$/).meta({ description: `"major.minor"; this schema describes major 1 (written: ${CONTRACT_SCHEMA_VERSION}).` }),
            gitlabUrl: z.string().meta({ description: "The GitLab instance whose ID tokens the stack trusts (their iss)." }),
            ...sections,
            grants: z.record(z.string(), z.record(z.string(), grant)).meta({ description: "grants[<project path>][<grant>]." }),
        })
        .meta({
            title: "gitlab-federation contract",
            description:
                "The stack output contract of a gitlab-federation stack: what app stacks and app projects' CI consume. This schema is exactly the version this package writes; a newer minor version only adds optional fields, which readers ignore.",
        });
}

let registered: ReturnType<typeof buildContractSchema> | undefined;

/** The contract's schema for every registered target (schema/contract.schema.json is the built-in targets'). */
export function ContractSchema(): ReturnType<typeof buildContractSchema> {
    return (registered ??= buildContractSchema(targets()));
}

/** The contract a plan publishes: plain values, every one from the plan. */
export function contractOf(plan: Plan): Contract {
    const planSections = plan as unknown as Record<string, unknown>;
    const contract: Record<string, unknown> = { schemaVersion: CONTRACT_SCHEMA_VERSION, gitlabUrl: plan.gitlab.url };
    for (const target of targets()) {
        if (planSections[target.key] !== undefined && target.contract !== undefined) {
            contract[target.key] = target.contract.sectionOf(planSections[target.key]);
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
    const { ref, refType, protected: isProtected, environment, environmentProtected } = g.conditions;
    const grant: Record<string, unknown> = {
        projectId: g.projectId,
        ...(g.description !== undefined ? { description: g.description } : {}),
        conditions: { ref: [...ref], refType, protected: isProtected, ...(environment !== undefined ? { environment } : {}), ...(environmentProtected === true ? { environmentProtected } : {}) },
        ...(g.deployer !== undefined ? { deployer: g.deployer } : {}),
    };
    for (const target of targets()) {
        const summary = (g as Record<string, unknown>)[target.key];
        if (summary !== undefined && target.contract !== undefined) {
            grant[target.key] = target.contract.grantOf(planSections[target.key], summary);
        }
    }
    return grant;
}

/**
 * Reads a contract (e.g. `pulumi stack output contract --json`): the problems, or the contract.
 * A major version this package does not know is refused, not guessed at.
 */
export function readContract(value: unknown, source: string): { contract: Contract } | { problems: string[] } {
    const expected = "a JSON object with schemaVersion, gitlabUrl and grants, as pulumi stack output contract --json prints it";
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return { problems: [`${source} is not a gitlab-federation contract: expected ${expected}, got ${Array.isArray(value) ? "an array" : show(value)}`] };
    }
    const version = (value as { schemaVersion?: unknown }).schemaVersion;
    if (version === undefined && "contract" in value) {
        return { problems: [`${source} holds a stack's outputs (pulumi stack output --json), not its contract: give pulumi stack output contract --json`] };
    }
    const major = contractMajor(version);
    if (major !== undefined && major !== contractMajor(CONTRACT_SCHEMA_VERSION)) {
        return { problems: [`${source} has contract schemaVersion ${String(version)}; this gitlab-federation reads ${contractMajor(CONTRACT_SCHEMA_VERSION)}.x: use a gitlab-federation release that reads ${major}.x`] };
    }
    // Read as the map is: each problem says what was expected (the field's description) and what it got.
    const findings = new Findings();
    const contract = parseWith(ContractSchema(), value, [], findings);
    if (contract === undefined) {
        const where = (segments: readonly PathSegment[]) => (segments.length > 0 ? segments.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").slice(1) : "(top)");
        return { problems: findings.problems.map((problem) => `${source}: ${where(problem.segments)}: ${problem.message}`) };
    }
    return { contract: contract as Contract };
}
