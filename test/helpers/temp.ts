/** Temporary directories for tests, all removed when the test process exits (a run leaves nothing in /tmp). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const created: string[] = [];
process.on("exit", () => {
    for (const directory of created) rmSync(directory, { recursive: true, force: true });
});

/** A fresh, empty directory under the system's temporary directory. */
export function temporaryDirectory(prefix = "gitlab-federation-"): string {
    const directory = mkdtempSync(join(tmpdir(), prefix));
    created.push(directory);
    return directory;
}
