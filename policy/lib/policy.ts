/**
 * How a rule becomes a CrossGuard policy. Every rule matches resources by their type token
 * (`args.type`), not with `validateResourceOfType(aws.iam.Role, ...)`: the typed helper needs the
 * provider SDK's class (it reads the class's static `__pulumiType`, pulumi/pulumi-policy
 * `sdk/nodejs/policy/policy.ts` `validateResourceOfType`, `getPulumiType`), so the pack would
 * have to install @pulumi/aws, @pulumi/aws-native, @pulumi/gcp and @pulumi/vault to guard stacks
 * that may use none of them. A type token is all the engine sends (`AnalyzeRequest.type`).
 */
import type { ConfigSchema, EnforcementLevel, JsonSchema, ResourcePolicy, StackArgs, StackPolicy } from "./types";

/**
 * A policy's settings: the defaults of its schema, overridden by what the organisation configured.
 * The engine fills the defaults in too (pulumi/pulumi `pkg/resource/analyzer/config.go`
 * `ReconcilePolicyPackConfig`, `createConfigWithDefaults`); a test or an older engine may not.
 */
export function settings<C>(schema: ConfigSchema, given: object): C {
    const defaults = Object.fromEntries(Object.entries(schema.properties).map(([key, property]) => [key, property.default]));
    return { ...defaults, ...given } as C;
}

/** The schema of the setting that tells the pack which GitLab instances the organisation uses. */
export const GITLAB_URLS: JsonSchema = {
    type: "array",
    items: { type: "string", minLength: 1 },
    description: "The GitLab instances (their ID tokens' iss: https://host, no trailing slash) whose trust this pack guards; resources that bind GitLab claims are recognised without it",
    default: ["https://gitlab.com"],
};

interface RuleBase<C> {
    readonly name: string;
    readonly description: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly config: { readonly [K in keyof C]: JsonSchema };
}

/** The resource types a rule reads, and how to name them. */
export interface ResourceTypes {
    readonly text: string;
    test(type: string): boolean;
}

/** Exactly these type tokens. */
export function typeTokens(tokens: readonly string[]): ResourceTypes {
    return { text: tokens.join(", "), test: (type) => tokens.includes(type) };
}

export interface ResourceRule<C> extends RuleBase<C> {
    readonly types: ResourceTypes;
    /** Which of those resources it concerns (the reason given for the others). */
    readonly scope: string;
    /** The violations of one resource, or undefined when the resource is outside the rule's scope. */
    check(props: Record<string, any>, config: C): readonly string[] | undefined;
}

/** A resource rule as a resource validation policy: not applicable outside its types and scope. */
export function resourcePolicy<C>(rule: ResourceRule<C>): ResourcePolicy {
    const configSchema: ConfigSchema = { properties: rule.config };
    return {
        name: rule.name,
        description: rule.description,
        enforcementLevel: rule.enforcementLevel,
        configSchema,
        validateResource(args, report) {
            if (!rule.types.test(args.type)) {
                return args.notApplicable(`applies to ${rule.types.text}`);
            }
            const violations = rule.check(args.props, settings<C>(configSchema, args.getConfig()));
            if (violations === undefined) {
                return args.notApplicable(`applies to ${rule.scope}`);
            }
            violations.forEach((message) => report(message));
        },
    };
}

export interface StackRule<C> extends RuleBase<C> {
    /** The violations in a stack, each with the URN of its resource. */
    check(args: StackArgs, config: C): readonly { readonly urn: string; readonly message: string }[];
}

/** A stack rule as a stack validation policy. */
export function stackPolicy<C>(rule: StackRule<C>): StackPolicy {
    const configSchema: ConfigSchema = { properties: rule.config };
    return {
        name: rule.name,
        description: rule.description,
        enforcementLevel: rule.enforcementLevel,
        configSchema,
        validateStack(args, report) {
            for (const { urn, message } of rule.check(args, settings<C>(configSchema, args.getConfig()))) {
                report(message, urn);
            }
        },
    };
}
