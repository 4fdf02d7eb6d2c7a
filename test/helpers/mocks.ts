/**
 * Runs code against Pulumi's mock monitor and records every registered resource: type, name,
 * resolved inputs, URN, and the options the engine would receive (protect,
 * deleteBeforeReplace, dependencies, parent), read from the registration request itself.
 */
import * as pulumi from "@pulumi/pulumi";

export interface Registered {
    readonly type: string;
    readonly name: string;
    /** False for component resources. */
    readonly custom: boolean;
    readonly inputs: Record<string, any>;
    readonly urn: string;
    readonly protect: boolean;
    readonly deleteBeforeReplace: boolean;
    /** URNs of explicit and input dependencies. */
    readonly dependencies: readonly string[];
    /** Parent URN ("" for none). */
    readonly parent: string;
    /** URNs of the resource's aliases, as the engine would compute them from the alias specs. */
    readonly aliases: readonly string[];
    /** The import option ("" for none). */
    readonly importId: string;
    /** The explicit provider reference (`<provider URN>::<id>`; "" for the default provider). */
    readonly provider: string;
}

/** The mock account all ARNs use; maps in tests that compare with the plan set aws.accountId to it. */
export const MOCK_ACCOUNT = "111111111111";

/** Outputs the real providers compute, imitated from inputs. */
export function computed(type: string, inputs: Record<string, any>, account = MOCK_ACCOUNT): Record<string, unknown> {
    switch (type) {
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            return { arn: `arn:aws:iam::${account}:oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}` };
        case "aws:iam/role:Role":
            return { arn: `arn:aws:iam::${account}:role${inputs.path ?? "/"}${inputs.name}` };
        case "vault:jwt/authBackend:AuthBackend":
            return { accessor: `auth_jwt_${inputs.path}` };
        case "aws:s3/bucket:Bucket":
            return { arn: `arn:aws:s3:::${inputs.bucket}` };
        case "gcp:serviceaccount/account:Account": {
            const email = `${inputs.accountId}@${inputs.project}.iam.gserviceaccount.com`;
            return { email, name: `projects/${inputs.project}/serviceAccounts/${email}` };
        }
        case "pulumi-nodejs:dynamic/akeyless:AuthMethod":
            return { accessId: `p-mock${String(inputs.name).replace(/[^a-z0-9]/g, "")}` };
        case "azure-native:resources:ResourceGroup":
            return { name: inputs.resourceGroupName };
        case "azure-native:managedidentity:UserAssignedIdentity":
            return { name: inputs.resourceName, clientId: `client-id-of-${inputs.resourceName}`, principalId: `principal-id-of-${inputs.resourceName}` };
        case "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider":
            return { name: `projects/${inputs.project}/locations/global/workloadIdentityPools/${inputs.workloadIdentityPoolId}/providers/${inputs.workloadIdentityPoolProviderId}` };
        default:
            return {};
    }
}

/** Resolves an output (or plain value) to its value. */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

interface AliasSpec {
    getName(): string;
    getType(): string;
    getParenturn(): string;
    getNoparent(): boolean;
}

interface Request {
    getType(): string;
    getName(): string;
    getCustom(): boolean;
    getProtect(): boolean;
    getDeletebeforereplace(): boolean;
    getDependenciesList(): string[];
    getParent(): string;
    getAliasesList(): { getUrn(): string; hasSpec(): boolean; getSpec(): AliasSpec | undefined }[];
    getImportid(): string;
    getProvider(): string;
}

/**
 * The URN of a resource of `type` named `name` under `parent` (a URN, or "" for the stack), the
 * way the mock monitor forms URNs: the parent's own type, then the child's (the engine puts the
 * parent's whole type chain there; either way parent and child relate the same).
 */
export function urnOf(parent: string, type: string, name: string, stack = "test", project = "gitlab-federation"): string {
    const parentType = parent === "" ? "" : `${parent.split("::")[2]!.split("$").pop()}$`;
    return `urn:pulumi:${stack}::${project}::${parentType}${type}::${name}`;
}

function aliasUrns(request: Request): string[] {
    return request.getAliasesList().map((alias) => {
        if (!alias.hasSpec()) {
            return alias.getUrn();
        }
        const spec = alias.getSpec()!;
        const parent = spec.getNoparent() ? "" : spec.getParenturn() || request.getParent();
        return urnOf(parent, spec.getType() || request.getType(), spec.getName() || request.getName());
    });
}

interface ReadRequest {
    getType(): string;
    getName(): string;
    getId(): string;
}

/** A resource the program reads rather than manages (a StackReference, a get). */
export interface Read {
    readonly type: string;
    readonly name: string;
    readonly id: string;
}

interface MockMonitor {
    registerResource(request: Request, callback: (error: unknown, response: unknown) => void): Promise<void>;
    readResource(request: ReadRequest, callback: (error: unknown, response: unknown) => void): Promise<void>;
    getRegisteredResources(): Map<string, { urn: string; state: Record<string, any> }>;
}

async function settle(): Promise<void> {
    const wait = (pulumi.runtime as unknown as { waitForRPCs: () => Promise<void> }).waitForRPCs;
    for (let i = 0; i < 3; i++) {
        await wait();
        await new Promise((r) => setImmediate(r));
    }
}

export interface MockOptions {
    /** Outputs of other stacks, by fully qualified name, for pulumi.StackReference. */
    readonly stacks?: Readonly<Record<string, Record<string, unknown>>>;
    /** The Pulumi project the program runs in (default gitlab-federation). */
    readonly project?: string;
    /** Keep only each resource's type, name and kind, not the registration requests (benchmarks of large maps). */
    readonly light?: boolean;
}

/**
 * Runs `program` under fresh mocks; returns its result and every resource it registered
 * (components included), in registration order. Errors thrown by `program` propagate.
 */
export async function runWithMocks<T>(program: () => T, options: MockOptions = {}): Promise<{ result: T; resources: Registered[]; reads: Read[] }> {
    const outcome = await runCatching(program, options);
    if ("error" in outcome) {
        throw outcome.error;
    }
    return outcome;
}

/**
 * Like runWithMocks, but an error thrown by `program` is returned with the resources that were
 * registered anyway (which must be none for an invalid map).
 */
export async function runCatching<T>(
    program: () => T,
    options: MockOptions = {},
): Promise<({ result: T } | { error: unknown }) & { resources: Registered[]; reads: Read[] }> {
    const accounts = new Map<string, string>();
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                if (args.type === "pulumi:pulumi:StackReference") {
                    // The engine reads the other stack's outputs into the reference's state (name, outputs, secretOutputNames).
                    const name = String(args.inputs.name);
                    return { id: name, state: { name, outputs: options.stacks?.[name] ?? {}, secretOutputNames: [] } };
                }
                if (args.type === "pulumi:providers:aws") {
                    // An explicit AWS provider acts in the account it allows (its resources' ARNs name it).
                    accounts.set(`${args.name}-id`, JSON.parse(String(args.inputs.allowedAccountIds ?? "[]"))[0] ?? MOCK_ACCOUNT);
                }
                const account = args.provider !== undefined ? accounts.get(args.provider.slice(args.provider.lastIndexOf("::") + 2)) : undefined;
                return { id: `${args.name}-id`, state: { ...args.inputs, ...computed(args.type, args.inputs, account) } };
            },
            call(args) {
                return args.inputs;
            },
        },
        options.project ?? "gitlab-federation",
        "test",
        false,
    );
    const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
    const requests: Request[] = [];
    const register = monitor.registerResource.bind(monitor);
    const light: Registered[] = [];
    monitor.registerResource = (request, callback) => {
        if (options.light === true) {
            light.push({ type: request.getType(), name: request.getName(), custom: request.getCustom(), inputs: {}, urn: "", protect: false, deleteBeforeReplace: false, dependencies: [], parent: "", aliases: [], importId: "", provider: "" });
        } else {
            requests.push(request);
        }
        return register(request, callback);
    };
    const reads: Read[] = [];
    const read = monitor.readResource.bind(monitor);
    monitor.readResource = (request, callback) => {
        reads.push({ type: request.getType(), name: request.getName(), id: request.getId() });
        return read(request, callback);
    };
    let outcome: { result: T } | { error: unknown };
    try {
        outcome = { result: program() };
    } catch (error) {
        outcome = { error };
    }
    await settle();
    if (options.light === true) {
        return { ...outcome, resources: light, reads };
    }
    // One pass over the registered URNs, keyed by (type, name): linear in the number of resources.
    const byTypeAndName = new Map<string, { urn: string; state: Record<string, any> }>();
    for (const registered of monitor.getRegisteredResources().values()) {
        const [, , qualifiedType, name] = registered.urn.split("::");
        byTypeAndName.set(`${qualifiedType!.split("$").pop()}::${name}`, registered);
    }
    const resources = requests.map((request) => {
        const registered = byTypeAndName.get(`${request.getType()}::${request.getName()}`);
        const state = registered?.state ?? {};
        const extra = computed(request.getType(), state);
        return {
            type: request.getType(),
            name: request.getName(),
            custom: request.getCustom(),
            inputs: Object.fromEntries(Object.entries(state).filter(([key]) => !(key in extra))),
            urn: registered?.urn ?? "",
            protect: request.getProtect(),
            deleteBeforeReplace: request.getDeletebeforereplace(),
            dependencies: request.getDependenciesList(),
            parent: request.getParent(),
            aliases: aliasUrns(request),
            importId: request.getImportid(),
            provider: request.getProvider(),
        };
    });
    return { ...outcome, resources, reads };
}
