/**
 * The parts of @pulumi/policy's API the policies use, declared structurally so that the policy
 * logic imports nothing of @pulumi/policy and the repository's own test suite runs it directly.
 * Source: pulumi/pulumi-policy `sdk/nodejs/policy/policy.ts` (v1.21.0): `ResourceValidationPolicy`,
 * `StackValidationPolicy`, `ResourceValidationArgs`, `StackValidationArgs`, `PolicyResource`,
 * `ReportViolation`; `sdk/nodejs/policy/schema.ts` `PolicyConfigJSONSchema`. policy/index.ts hands
 * these objects to `PolicyPack`, where the compiler checks that they fit the SDK's own types.
 */

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

/** `reportViolation`: one call per violation, with the URN of the resource for stack policies. */
export type ReportViolation = (message: string, urn?: string) => void;

/** The JSON-schema subset a policy's configuration is described with. */
export interface JsonSchema {
    readonly type: "string" | "integer" | "array" | "object";
    readonly description: string;
    readonly default: string | number | object;
    readonly items?: { readonly type: "string"; readonly minLength?: number };
    readonly additionalProperties?: { readonly type: "string"; readonly minLength: number };
    readonly minimum?: number;
    readonly minLength?: number;
}

export interface ConfigSchema {
    readonly properties: Readonly<Record<string, JsonSchema>>;
}

/** What a resource validation reads of `ResourceValidationArgs`. */
export interface ResourceArgs {
    readonly type: string;
    readonly props: Record<string, any>;
    readonly urn: string;
    readonly name: string;
    getConfig<T extends object>(): T;
    notApplicable(reason?: string): never;
}

/** What a stack validation reads of a `PolicyResource`. */
export interface StackResource {
    readonly type: string;
    readonly props: Record<string, any>;
    readonly urn: string;
    readonly name: string;
    readonly propertyDependencies: Record<string, StackResource[]>;
}

/** What a stack validation reads of `StackValidationArgs`. */
export interface StackArgs {
    readonly resources: StackResource[];
    getConfig<T extends object>(): T;
}

interface PolicyBase {
    readonly name: string;
    readonly description: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly configSchema: ConfigSchema;
}

export interface ResourcePolicy extends PolicyBase {
    readonly validateResource: (args: ResourceArgs, report: ReportViolation) => void;
}

export interface StackPolicy extends PolicyBase {
    readonly validateStack: (args: StackArgs, report: ReportViolation) => void;
}

export type Policy = ResourcePolicy | StackPolicy;
