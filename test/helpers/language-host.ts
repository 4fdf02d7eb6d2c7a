/**
 * Starts the compiled program the way Pulumi's Node.js language host does, against a resource
 * monitor and an engine served here on loopback over gRPC (the SDK's own protocol definitions,
 * @pulumi/pulumi/proto), so a test sees what `pulumi up` would: the working directory, the
 * arguments and environment the program gets, every registration request, the engine's log.
 *
 * What the language host does (pulumi/pulumi):
 * - pkg/engine/project.go `getPwdMain`: with `main: dist/index.js` in Pulumi.yaml, the
 *   program runs in the folder of main (pwd = <root>/dist) and the program is `index.js`;
 * - sdk/nodejs/cmd/pulumi-language-nodejs `Run`: node [nodeargs] <@pulumi/pulumi/cmd/run>
 *   --monitor --engine --organization --project --root-directory --stack --pwd [--dry-run]
 *   <program>, with the stack's config as JSON in PULUMI_CONFIG and its secret keys in
 *   PULUMI_CONFIG_SECRET_KEYS (`constructConfig`: keys in the legacy `<namespace>:config:<name>`
 *   form, values as the CLI read them from the stack file, structured values as JSON text);
 * - sdk/nodejs/cmd/run/index.ts puts --root-directory into PULUMI_NODEJS_ROOT_DIRECTORY and
 *   cmd/run/run.ts `run` does process.chdir(pwd) before it requires the program.
 * Like the engine (pkg/resource/deploy/source_eval.go RegisterResource), URNs carry the parent's
 * qualified type chain, and children of the root stack none.
 */
import { spawn } from "node:child_process";
import { cpSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { load } from "js-yaml";
import { MOCK_ACCOUNT, Registered, computed } from "./mocks";
import { temporaryDirectory } from "./temp";

/** The SDK's own copies of gRPC and the protocol messages (one instance with the SDK the program loads). */
const sdk = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const grpc = sdk("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const resourceRpc = sdk("./proto/resource_grpc_pb.js");
const resourceProto = sdk("./proto/resource_pb.js");
const engineRpc = sdk("./proto/engine_grpc_pb.js");
const structProto = sdk("google-protobuf/google/protobuf/struct_pb.js");
const emptyProto = sdk("google-protobuf/google/protobuf/empty_pb.js");

const REPOSITORY = resolve(".");

export interface LogEntry {
    readonly severity: string;
    readonly message: string;
}

export interface HostRun {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    /** What the program logged through the engine (warnings, the error of an invalid map). */
    readonly logs: readonly LogEntry[];
    /** Every resource registered, components included, the root stack resource not, in order. */
    readonly resources: readonly Registered[];
    /** The stack's outputs (registerResourceOutputs of the root stack resource). */
    readonly outputs: Record<string, unknown>;
    /** The program's working directory and root directory, as it reported them (see the probe). */
    readonly cwd?: string;
}

export interface HostOptions {
    /** The project folder: holds Pulumi.yaml and the stack files (see projectFolder). */
    readonly root: string;
    readonly stack: string;
    /** Full config keys → values as the CLI passes them (strings; structured values as JSON text). */
    readonly config: Readonly<Record<string, string>>;
    readonly secretKeys?: readonly string[];
    readonly dryRun?: boolean;
    readonly project?: string;
}

/**
 * A project folder as a user's clone has it: this repository's Pulumi.yaml and compiled program
 * (dist, node_modules linked in), and the given stack files beside Pulumi.yaml.
 */
export function projectFolder(stackFiles: Readonly<Record<string, string>>): string {
    const root = temporaryDirectory("gitlab-federation-host-");
    cpSync(join(REPOSITORY, "Pulumi.yaml"), join(root, "Pulumi.yaml"));
    cpSync(join(REPOSITORY, "package.json"), join(root, "package.json"));
    symlinkSync(join(REPOSITORY, "dist"), join(root, "dist"), "dir");
    symlinkSync(join(REPOSITORY, "node_modules"), join(root, "node_modules"), "dir");
    for (const [name, text] of Object.entries(stackFiles)) {
        writeFileSync(join(root, name), text);
    }
    return root;
}

/** Pulumi.yaml's main and nodeargs, as the language host reads them. */
function projectSettings(root: string): { main: string; nodeargs: string[]; name: string } {
    const project = load(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as { name: string; main: string; runtime: { options?: { nodeargs?: string } } };
    return { main: project.main, nodeargs: (project.runtime.options?.nodeargs ?? "").split(/\s+/).filter((a) => a !== ""), name: project.name };
}

/** A unary gRPC handler's callback. */
type Done = (error: null, response: unknown) => void;

interface Request {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getObject(): { toJavaScript(): Record<string, unknown> };
    getProtect(): boolean;
    getDeletebeforereplace(): boolean;
    getDependenciesList(): string[];
    getImportid(): string;
    getProvider(): string;
    getAliasesList(): { getUrn(): string; hasSpec(): boolean; getSpec(): { getName(): string; getType(): string; getParenturn(): string; getNoparent(): boolean } | undefined }[];
}

/**
 * Runs the program as `pulumi up` (or `pulumi preview` with dryRun) would, and returns what it did.
 */
export async function runAsLanguageHost(options: HostOptions): Promise<HostRun> {
    const { main, nodeargs, name } = projectSettings(options.root);
    const project = options.project ?? name;
    const stackType = "pulumi:pulumi:Stack";
    const resources: Registered[] = [];
    const qualified = new Map<string, string>();
    const logs: LogEntry[] = [];
    const accounts = new Map<string, string>();
    let rootUrn = "";
    let outputs: Record<string, unknown> = {};

    const urnOf = (parent: string, type: string, resourceName: string) => {
        const parentType = parent === "" || parent === rootUrn ? "" : `${qualified.get(parent) ?? parent.split("::")[2]}$`;
        return `urn:pulumi:${options.stack}::${project}::${parentType}${type}::${resourceName}`;
    };

    const server = new grpc.Server();
    server.addService(resourceRpc.ResourceMonitorService, {
        getDeploymentInfo(_call: unknown, callback: Done) {
            const response = new resourceProto.DeploymentInfo();
            const F = resourceProto.ResourceMonitorFeature;
            response.setSupportedfeaturesList([F.RESOURCE_MONITOR_FEATURE_SECRETS, F.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES, F.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS, F.RESOURCE_MONITOR_FEATURE_DELETED_WITH]);
            callback(null, response);
        },
        supportsFeature(call: { request: { getId(): string } }, callback: Done) {
            const response = new resourceProto.SupportsFeatureResponse();
            response.setHassupport(["secrets", "resourceReferences", "aliasSpecs", "deletedWith"].includes(call.request.getId()));
            callback(null, response);
        },
        registerResource(call: { request: Request }, callback: Done) {
            const request = call.request;
            const type = request.getType();
            const parent = request.getParent();
            const urn = urnOf(parent, type, request.getName());
            const parentQualified = parent === "" || parent === rootUrn ? "" : `${qualified.get(parent)}$`;
            qualified.set(urn, `${parentQualified}${type}`);
            const inputs = request.getObject()?.toJavaScript() ?? {};
            if (type === stackType) {
                rootUrn = urn;
            } else {
                resources.push({
                    type,
                    name: request.getName(),
                    custom: request.getCustom(),
                    inputs,
                    urn,
                    protect: request.getProtect(),
                    deleteBeforeReplace: request.getDeletebeforereplace(),
                    dependencies: request.getDependenciesList(),
                    parent,
                    aliases: request.getAliasesList().map((alias) => {
                        if (!alias.hasSpec()) {
                            return alias.getUrn();
                        }
                        const spec = alias.getSpec()!;
                        const aliasParent = spec.getNoparent() ? "" : spec.getParenturn() || parent;
                        return urnOf(aliasParent, spec.getType() || type, spec.getName() || request.getName());
                    }),
                    importId: request.getImportid(),
                    provider: request.getProvider(),
                });
            }
            const response = new resourceProto.RegisterResourceResponse();
            response.setUrn(urn);
            if (request.getCustom()) {
                response.setId(options.dryRun === true ? "" : `${request.getName()}-id`);
            }
            if (type === "pulumi:providers:aws") {
                // An explicit AWS provider acts in the account it allows: its resources' ARNs name that account.
                accounts.set(urn, JSON.parse(String(inputs.allowedAccountIds ?? "[]"))[0] ?? MOCK_ACCOUNT);
            }
            const provider = request.getProvider();
            const account = accounts.get(provider.slice(0, provider.lastIndexOf("::")));
            response.setObject(structProto.Struct.fromJavaScript({ ...inputs, ...(computed(type, inputs, account) as Record<string, any>) }));
            callback(null, response);
        },
        registerResourceOutputs(call: { request: { getUrn(): string; getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined } }, callback: Done) {
            if (call.request.getUrn() === rootUrn) {
                outputs = call.request.getOutputs()?.toJavaScript() ?? {};
            }
            callback(null, new emptyProto.Empty());
        },
    });
    server.addService(engineRpc.EngineService, {
        log(call: { request: { getSeverity(): number; getMessage(): string } }, callback: Done) {
            const severity = ["debug", "info", "warning", "error"][call.request.getSeverity()] ?? String(call.request.getSeverity());
            logs.push({ severity, message: call.request.getMessage() });
            callback(null, new emptyProto.Empty());
        },
        getRootResource(_call: unknown, callback: Done) {
            const response = new (sdk("./proto/engine_pb.js").GetRootResourceResponse)();
            response.setUrn(rootUrn);
            callback(null, response);
        },
        setRootResource(call: { request: { getUrn(): string } }, callback: Done) {
            rootUrn = call.request.getUrn();
            callback(null, new (sdk("./proto/engine_pb.js").SetRootResourceResponse)());
        },
    });
    const port = await new Promise<number>((done, fail) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? fail(error) : done(bound))));
    const address = `127.0.0.1:${port}`;

    // getPwdMain: the program runs in the folder of main, and is main's file name.
    const mainPath = join(options.root, main);
    const pwd = join(mainPath, "..");
    const program = mainPath.slice(pwd.length + 1);
    const run = sdk.resolve("./cmd/run");
    const args = [
        ...nodeargs,
        run,
        `--monitor=${address}`,
        `--engine=${address}`,
        "--organization=organization",
        `--project=${project}`,
        `--root-directory=${options.root}`,
        `--stack=${options.stack}`,
        `--pwd=${pwd}`,
        ...(options.dryRun === true ? ["--dry-run"] : []),
        program,
    ];
    // constructConfig (pulumi-language-nodejs main.go) hands keys over in the legacy `<namespace>:config:<name>` form.
    const legacy = (key: string) => key.replace(/^([^:]+):/, "$1:config:");
    const env: Record<string, string> = {
        PATH: process.env.PATH ?? "",
        PULUMI_CONFIG: JSON.stringify(Object.fromEntries(Object.entries(options.config).map(([key, value]) => [legacy(key), value]))),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify((options.secretKeys ?? []).map(legacy)),
        PULUMI_NODEJS_TYPESCRIPT: "false",
    };
    const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
        const child = spawn(process.execPath, args, { cwd: pwd, env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (status) => done({ status, stdout, stderr }));
    });
    await new Promise<void>((done) => server.tryShutdown(() => done()));
    return { ...result, logs, resources, outputs };
}

/** Stack config as the Pulumi CLI passes it to the program: structured values as JSON text. */
export function hostConfig(raw: Readonly<Record<string, unknown>>, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    const config: Record<string, string> = { ...extra };
    for (const [key, value] of Object.entries(raw)) {
        config[`gitlab-federation:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return config;
}

