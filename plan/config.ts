/**
 * From stack config to the raw map. Both readers end here: the offline CLI (a parsed
 * Pulumi.<stack>.yaml `config:` block, structured values) and the Pulumi program
 * (`pulumi.runtime.allConfig()`, where structured values arrive as JSON text).
 */
import { parse as parseYaml } from "yaml";

export const NAMESPACE = "gitlab-federation";

export class ConfigFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigFileError";
    }
}

function isSecure(value: unknown): boolean {
    return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;
}

/**
 * The `gitlab-federation:*` entries of stack config, keyed without the namespace. Values that are
 * JSON text of an object or list are parsed; other namespaces (vault:, aws:, ...) are ignored.
 */
export function mapFromStackConfig(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
        if (!key.startsWith(`${NAMESPACE}:`)) {
            continue;
        }
        const name = key.slice(NAMESPACE.length + 1);
        if (isSecure(value)) {
            throw new ConfigFileError(`${key}: is a secret (secure:) value; the project map holds no secrets, so write it in plain text`);
        }
        if (typeof value === "string" && /^\s*[[{]/.test(value)) {
            try {
                raw[name] = JSON.parse(value);
                continue;
            } catch {
                // not JSON after all: validation reports the string
            }
        }
        raw[name] = value;
    }
    return raw;
}

/** Reads the map out of the text of a Pulumi.<stack>.yaml file. */
export function mapFromStackFile(text: string, fileName: string): Record<string, unknown> {
    let document: unknown;
    try {
        document = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
    } catch (error) {
        throw new ConfigFileError(`${fileName}: not valid YAML: ${(error as Error).message}`);
    }
    if (typeof document !== "object" || document === null || Array.isArray(document)) {
        throw new ConfigFileError(`${fileName}: expected a Pulumi stack file with a config: mapping`);
    }
    const config = (document as Record<string, unknown>).config;
    if (typeof config !== "object" || config === null || Array.isArray(config)) {
        throw new ConfigFileError(`${fileName}: has no config: mapping; the project map lives under config: as gitlab-federation:gitlab, gitlab-federation:projects, ...`);
    }
    return mapFromStackConfig(config as Record<string, unknown>);
}
