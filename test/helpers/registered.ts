/** Compares what a program registered with what its plan promised: arguments and resource options. */
import { strict as assert } from "node:assert";
import type { Entry } from "../../src/core/resources";
import { informationalKeys, planEntries } from "../../src/features";
import type { Plan } from "../../src/features/plan-schema";
import type { Registered } from "./mocks";

/** The arguments a plan entry promises, as the engine sees them (JSON documents are sent as text). */
export function promised(entry: Entry): Record<string, unknown> {
    const skip = new Set(["resource", ...informationalKeys(entry.resource.type)]);
    return Object.fromEntries(Object.entries(entry).filter(([k]) => !skip.has(k)));
}

function received(resource: Registered): Record<string, unknown> {
    const inputs = { ...resource.inputs };
    for (const key of ["assumeRolePolicy", "policy"]) {
        if (typeof inputs[key] === "string" && resource.type.startsWith("aws:")) {
            inputs[key] = JSON.parse(inputs[key] as string);
        }
    }
    if (resource.type === "pulumi:providers:aws") {
        // The SDK sends a provider's lists as JSON text and adds its defaults (@pulumi/aws provider.js: skipCredentialsValidation false, skipRegionValidation true).
        for (const [key, value] of Object.entries(inputs)) {
            inputs[key] = typeof value === "string" && /^[[{]/.test(value) ? JSON.parse(value) : value;
        }
        assert.deepEqual([inputs.skipCredentialsValidation, inputs.skipRegionValidation], ["false", "true"]);
        delete inputs.skipCredentialsValidation;
        delete inputs.skipRegionValidation;
    }
    return inputs;
}

/** Asserts that the custom resources registered are exactly the plan's entries: arguments and options. */
export function assertRegistersExactly(plan: Plan, resources: readonly Registered[], stack = "test"): void {
    const custom = resources.filter((r) => r.custom);
    const planned = planEntries(plan);
    assert.equal(custom.length, planned.length);
    assert.deepEqual(custom.map((r) => `${r.type} ${r.name}`).sort(), planned.map((e) => `${e.resource.type} ${e.resource.name}`).sort());
    for (const entry of planned) {
        const resource = custom.find((r) => r.type === entry.resource.type && r.name === entry.resource.name)!;
        assert.deepEqual(received(resource), promised(entry), `${entry.resource.type} ${entry.resource.name}`);
        assert.equal(resource.protect, entry.resource.protect, `protect of ${entry.resource.name}`);
        assert.equal(resource.deleteBeforeReplace, entry.resource.deleteBeforeReplace === true, `deleteBeforeReplace of ${entry.resource.name}`);
        // (The SDK adds aliases of its own for renamed type tokens, e.g. gcp:serviceAccount/... ; only ours are compared.)
        const prefix = resource.urn.slice(0, resource.urn.lastIndexOf("::") + 2);
        assert.deepEqual(
            resource.aliases.filter((urn) => urn.split("::")[2]!.endsWith(`$${resource.type}`) || urn.split("::")[2] === resource.type),
            [
                ...(entry.resource.aliases ?? []).map((alias) => prefix + alias),
                // rootAlias: the same name at the stack's root, where pulumi state move puts a moved resource.
                ...(entry.resource.rootAlias === true ? [`urn:pulumi:${stack}::gitlab-federation::${resource.type}::${resource.name}`] : []),
            ],
            `aliases of ${entry.resource.name}`,
        );
        assert.equal(resource.importId, entry.resource.import ?? "", `import of ${entry.resource.name}`);
    }
}

