/**
 * The Pulumi dynamic providers of the Akeyless target: the OAuth2/JWT auth method, an access role
 * with its rules, and the association of the two with sub-claims. Each provider is a plain object
 * of six one-line methods that load the implementation (resources.ts) when they run; nothing
 * else is captured.
 *
 * Why so thin: a dynamic resource stores its provider in the state. `pulumi.dynamic.Resource`
 * serializes `() => provider` with the closure serializer (pulumi/pulumi sdk/nodejs/dynamic/index.ts
 * `serializeFunctionMaybeSecret`: `serializeFunction(() => provider, { allowSecrets: true })`)
 * into the `__provider` input; the serializer copies every value the functions capture, and the
 * code of local modules they reference, by value (sdk/nodejs/runtime/closure/createClosure.ts
 * `captureModuleAsync`: "Always capture the local module as a value"). A provider that captured
 * the client would put its code, and anything it held, into every resource's state. These
 * methods capture only `kind` and `implementation` (and through it IMPLEMENTATION, two strings);
 * credentials are read from the environment inside the client at call time. `require` is not
 * captured: the serializer leaves it to the process that runs the code (closure/parseFunction.ts
 * `nodeModuleGlobals`).
 *
 * Where that code runs: the engine starts the dynamic provider host (`pulumi-resource-pulumi-nodejs`,
 * which runs `@pulumi/pulumi/cmd/dynamic-provider` as resolved from its working directory) in the
 * program's working directory, the folder of Pulumi.yaml's `main` (pkg/engine/deployment.go
 * `ProjectInfoContext` → plugin context `Pwd`; sdk/go/common/resource/plugin/plugin.go
 * `ExecPlugin`: `cmd.Dir = pwd`, environment `os.Environ()`). The host evaluates `__provider`
 * with require-from-string (cmd/dynamic-provider/index.ts `getProvider`), so inside it a
 * relative require resolves against that working directory. `implementation` therefore walks up
 * from the working directory to this package's root (its own checkout, or
 * node_modules/gitlab-federation of a project that installs it), which holds in every run,
 * whichever machine and whichever `main` wrote the state.
 *
 * What runs in `pulumi preview`: check and diff, and read for a refresh or a `get`; create,
 * update and delete never run in a preview. The engine skips a provider's Create and Update in a
 * preview unless the provider announced preview support at Configure
 * (sdk/go/common/resource/plugin/provider_plugin.go `Create`, `Update`: `if req.Preview` …
 * `!protocol.supportsPreview`), which the dynamic provider host never does (its `configure` sets
 * only acceptSecrets); DeleteStep does nothing in a dry run (pkg/resource/deploy/step.go
 * `DeleteStep.Apply`). check and diff make no request (resources.ts), so a preview writes nothing.
 */
import { readFileSync, realpathSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import type { ResourceImplementation } from "./resources";

export type ResourceKind = "authMethod" | "role" | "association";

/** A pulumi.dynamic.ResourceProvider (structurally: this module loads no @pulumi code). */
export type DynamicProvider = ResourceImplementation;

/** The nearest folder at or above `from` with a package.json, and the package's name. */
function packageOf(from: string): { root: string; name: string } {
    for (let dir = from; ; dir = dirname(dir)) {
        try {
            return { root: dir, name: String(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name) };
        } catch {
            if (dirname(dir) === dir) {
                throw new Error(`no package.json above ${from}`);
            }
        }
    }
}

const own = packageOf(realpathSync(__dirname));

/**
 * Where the implementation is: this package's name and the module's path inside it (two strings,
 * serialized with the providers). Not exported: TypeScript would compile references to an
 * exported constant as `exports.…`, and the serializer would then copy this whole module.
 */
const IMPLEMENTATION = {
    packageName: own.name,
    relative: relative(own.root, require.resolve("./resources")).split(sep).join("/"),
} as const;

/**
 * The implementations, loaded in the process that runs a provider method: the first folder at or
 * above the working directory that is this package (or holds it under node_modules) provides them.
 */
function implementation(): ReturnType<typeof import("./resources").implementations> {
    const fs = require("node:fs") as typeof import("node:fs");
    const path = require("node:path") as typeof import("node:path");
    for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
        for (const root of [dir, path.join(dir, "node_modules", IMPLEMENTATION.packageName)]) {
            const file = path.join(root, IMPLEMENTATION.relative);
            const manifest = path.join(root, "package.json");
            if (fs.existsSync(file) && fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, "utf8")).name === IMPLEMENTATION.packageName) {
                return (require(file) as typeof import("./resources")).implementations();
            }
        }
        if (path.dirname(dir) === dir) {
            throw new Error(`the Akeyless provider needs ${IMPLEMENTATION.relative} of the ${IMPLEMENTATION.packageName} package, found neither in ${process.cwd()} nor in a folder above it (nor in their node_modules): run pulumi from the project`);
        }
    }
}

/** IMPLEMENTATION, for tests. */
export function implementationLocation(): { readonly packageName: string; readonly relative: string } {
    return IMPLEMENTATION;
}

/** The provider of one resource kind: every method loads the implementation and delegates. */
function providerOf(kind: ResourceKind): DynamicProvider {
    return {
        check: (olds, news) => implementation()[kind].check(olds, news),
        diff: (id, olds, news) => implementation()[kind].diff(id, olds, news),
        create: (inputs) => implementation()[kind].create(inputs),
        read: (id, props) => implementation()[kind].read(id, props),
        update: (id, olds, news) => implementation()[kind].update(id, olds, news),
        delete: (id, props) => implementation()[kind].delete(id, props),
    };
}

export const PROVIDERS: Readonly<Record<ResourceKind, DynamicProvider>> = {
    authMethod: providerOf("authMethod"),
    role: providerOf("role"),
    association: providerOf("association"),
};
