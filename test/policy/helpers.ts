/**
 * Runs the pack's policies the way the CrossGuard server does, without the server (pulumi/pulumi-policy-aws
 * `src/tests/util.ts` pattern): a fake args object per resource and a collector for reportViolation.
 * Properties are wrapped in @pulumi/policy's own `unknownCheckingProxy`, as the server wraps them
 * (pulumi/pulumi-policy `sdk/nodejs/policy/server.ts` `makeAnalyzeRpcFun`), so a policy that trips
 * over the proxy fails here too. Nothing here constructs a PolicyPack.
 */
import { strict as assert } from "node:assert";
import { unknownCheckingProxy } from "@pulumi/policy";
import { POLICIES } from "../../policy/lib/policies";
import type { Policy, ResourcePolicy, StackPolicy, StackResource } from "../../policy/lib/types";

class NotApplicable extends Error {}

/** What a resource policy says of one resource: its violations, or that it does not apply (with the reason). */
export type Verdict = readonly string[] | { readonly notApplicable: string };

export function resourcePolicy(name: string): ResourcePolicy {
    const found = POLICIES.find((p) => p.name === name);
    assert.ok(found !== undefined && "validateResource" in found, `no resource policy ${name}`);
    return found;
}

export function stackPolicy(name: string): StackPolicy {
    const found = POLICIES.find((p) => p.name === name);
    assert.ok(found !== undefined && "validateStack" in found, `no stack policy ${name}`);
    return found;
}

/** Runs one resource policy on one resource with the given policy configuration (the engine's, without the defaults it fills in). */
export function verdict(policy: Policy | string, type: string, props: Record<string, unknown>, config: object = {}): Verdict {
    const p = typeof policy === "string" ? resourcePolicy(policy) : (policy as ResourcePolicy);
    const violations: string[] = [];
    try {
        p.validateResource(
            {
                type,
                props: unknownCheckingProxy(props),
                urn: `urn:pulumi:test::test::${type}::r`,
                name: "r",
                getConfig: <T extends object>() => config as T,
                notApplicable: (reason?: string) => {
                    throw new NotApplicable(reason);
                },
            },
            (message) => violations.push(message),
        );
    } catch (error) {
        if (error instanceof NotApplicable) {
            return { notApplicable: error.message };
        }
        throw error;
    }
    return violations;
}

/** A stack resource for a stack policy. */
export function stackResource(type: string, name: string, props: Record<string, unknown>, propertyDependencies: Record<string, StackResource[]> = {}): StackResource {
    return { type, name, urn: `urn:pulumi:test::test::${type}::${name}`, props: unknownCheckingProxy(props), propertyDependencies };
}

/** Runs one stack policy: `<urn>: <message>` per violation. */
export function stackVerdict(name: string, resources: StackResource[], config: object = {}): string[] {
    const violations: string[] = [];
    stackPolicy(name).validateStack({ resources, getConfig: <T extends object>() => config as T }, (message, urn) => violations.push(`${urn}: ${message}`));
    return violations;
}
