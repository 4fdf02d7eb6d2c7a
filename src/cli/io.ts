/** What the CLI needs from its environment, so tests can run it in-process with fakes. */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";

export interface Io {
    readonly stdout: (text: string) => void;
    /** Writes to stdout and waits while the reader is behind (large outputs: memory stays flat). */
    readonly stdoutDrained?: (text: string) => Promise<void>;
    readonly stderr: (text: string) => void;
    /** Reads a file (relative paths against the process's directory); throws NodeJS.ErrnoException. */
    readonly readFile: (path: string) => string;
    readonly readStdin: () => string;
    /** Whether stdout is a terminal (colours, table width). */
    readonly isTTY: boolean;
    /** The terminal's width, when stdout is one. */
    readonly columns?: number;
    readonly env: Readonly<Record<string, string | undefined>>;
    /** Fetches a URL's body as text (explain --jwks <url>). */
    readonly fetchText?: (url: string) => Promise<string>;
    /** Seconds since the epoch. */
    readonly now?: () => number;
    /**
     * A file's text at a git revision (`git show <rev>:<path>`); undefined when the revision exists
     * but does not hold the file (a stack file added since); throws when the revision does not exist.
     */
    readonly gitShow?: (revision: string, path: string) => string | undefined;
    /** Writes a file, creating its directory (ci --out). */
    readonly writeFile?: (path: string, text: string) => void;
    /** The names in a directory (pipeline: the stack files). */
    readonly listDir?: (path: string) => string[];
    /** An HTTP request (mr-note, verify: GitLab's API); `redirect: "manual"` answers a redirect itself instead of following it. */
    readonly http?: (url: string, init: { method: string; headers: Record<string, string>; body?: string; redirect?: "manual" }) => Promise<{ status: number; headers: Record<string, string>; text: string }>;
}

export function processIo(): Io {
    return {
        stdout: (text) => void process.stdout.write(text),
        stdoutDrained: (text) => {
            // ASCII (the usual plan) is copied as latin1, which is the same bytes and much faster than encoding UTF-8.
            const bytes = /[^\x00-\x7f]/.test(text) ? Buffer.from(text, "utf8") : Buffer.from(text, "latin1");
            return process.stdout.write(bytes) ? Promise.resolve() : new Promise((resolve) => process.stdout.once("drain", () => resolve()));
        },
        stderr: (text) => void process.stderr.write(text),
        readFile: (path) => readFileSync(path, "utf8"),
        readStdin: () => readFileSync(0, "utf8"),
        isTTY: process.stdout.isTTY === true,
        ...(process.stdout.isTTY && process.stdout.columns ? { columns: process.stdout.columns } : {}),
        env: process.env,
        fetchText: async (url) => {
            const response = await fetch(url);
            if (!response.ok) {
                throw new Error(`${url}: HTTP ${response.status}`);
            }
            return response.text();
        },
        now: () => Math.floor(Date.now() / 1000),
        gitShow: (revision, path) => {
            const git = (...args: string[]) => execFileSync("git", ["-C", dirname(path), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
            git("rev-parse", "--verify", "--quiet", `${revision}^{commit}`);
            try {
                git("cat-file", "-e", `${revision}:./${basename(path)}`);
            } catch {
                return undefined;
            }
            return git("show", `${revision}:./${basename(path)}`);
        },
        listDir: (path) => readdirSync(path),
        http: async (url, init) => {
            const response = await fetch(url, init);
            const headers: Record<string, string> = {};
            response.headers.forEach((value, name) => {
                headers[name] = value;
            });
            return { status: response.status, headers, text: await response.text() };
        },
        writeFile: (path, text) => {
            mkdirSync(dirname(path), { recursive: true });
            writeFileSync(path, text);
        },
    };
}
