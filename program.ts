/**
 * The Pulumi program: read stack config once, validate the whole map, plan it, then instantiate
 * the components. Nothing is registered unless the map is valid. index.ts runs this.
 */
import * as pulumi from "@pulumi/pulumi";
import { Federation, FederationOutputs } from "./components/federation";
import { ConfigFileError, mapFromStackConfig } from "./plan/config";
import { checkMap, MapValidationError } from "./plan";
import { ROOT_NAME } from "./plan/names";

/** The project map from this stack's config (`gitlab-federation:*` keys). */
export function readStackMap(): Record<string, unknown> {
    try {
        return mapFromStackConfig(pulumi.runtime.allConfig());
    } catch (error) {
        if (error instanceof ConfigFileError) {
            throw new pulumi.RunError(error.message);
        }
        throw error;
    }
}

export interface RunOptions {
    /** Log the plan's warnings with pulumi.log.warn (default true). */
    readonly logWarnings?: boolean;
}

/** Warnings logged one by one in `pulumi preview`; the rest are counted (the CLI plan lists all). */
export const MAX_LOGGED_WARNINGS = 50;

/**
 * Validates and plans `raw`, then registers the resources. On an invalid map it throws a
 * pulumi.RunError listing every problem (Pulumi prints it without a stack trace) before any
 * resource is registered.
 */
export function runProgram(raw: Readonly<Record<string, unknown>>, options: RunOptions = {}): FederationOutputs {
    const result = checkMap(raw);
    if (options.logWarnings ?? true) {
        for (const warning of result.warnings.slice(0, MAX_LOGGED_WARNINGS)) {
            pulumi.log.warn(`${warning.path}: ${warning.message}`);
        }
        if (result.warnings.length > MAX_LOGGED_WARNINGS) {
            pulumi.log.warn(`... and ${result.warnings.length - MAX_LOGGED_WARNINGS} more warnings: run gitlab-federation plan --stack ${pulumi.getStack()} to see them all`);
        }
    }
    if (result.plan === undefined) {
        throw new pulumi.RunError(new MapValidationError(result.problems).message);
    }
    return new Federation(ROOT_NAME, { plan: result.plan }).outputs;
}
