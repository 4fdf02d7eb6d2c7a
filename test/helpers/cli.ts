/** Runs the real CLI binary (bin/gitlab-federation.js) in a child process. */
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

import { temporaryDirectory } from "./temp";

export const BIN = resolve("bin/gitlab-federation.js");

export interface CliRun {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

export interface CliOptions {
    readonly cwd?: string;
    readonly input?: string;
    readonly env?: Record<string, string>;
    /** Extra node options (e.g. --require a hook). */
    readonly node?: readonly string[];
}

/** node's arguments and the child's directory and environment (no colour or width settings unless given). */
function command(args: readonly string[], options: CliOptions): { argv: string[]; cwd: string; env: Record<string, string> } {
    return { argv: [...(options.node ?? []), BIN, ...args], cwd: options.cwd ?? process.cwd(), env: { PATH: process.env.PATH ?? "", ...(options.env ?? {}) } };
}

/** Runs `gitlab-federation <args>`; the environment has no colour or width settings unless given. */
export function cli(args: readonly string[], options: CliOptions = {}): CliRun {
    const { argv, cwd, env } = command(args, options);
    const result = spawnSync(process.execPath, argv, { cwd, input: options.input ?? "", encoding: "utf8", env });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh temporary directory holding the given files. */
export function directoryWith(files: Record<string, string>): string {
    const directory = temporaryDirectory();
    for (const [name, text] of Object.entries(files)) {
        writeFileSync(join(directory, name), text);
    }
    return directory;
}

/** Like cli, without blocking the event loop (for tests that serve HTTP to the binary from this process). */
export function cliAsync(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
    const { argv, cwd, env } = command(args, options);
    return new Promise((done) => {
        const child = spawn(process.execPath, argv, { cwd, env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.stdin.end(options.input ?? "");
        child.on("close", (status) => done({ status, stdout, stderr }));
    });
}
