/**
 * The project's reference of external behaviour is its own: nothing points outside the
 * repository (users' clones have only the repository), and every section code cites exists.
 */
import { strict as assert } from "node:assert";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { temporaryDirectory } from "./helpers/temp";

const REFERENCE = join("docs", "reference.md");
/** Built, not written, so this file does not match itself. */
const OUTSIDE = [["..", "shared"].join("/"), ["semantics", "md"].join(".")];
/** A citation: the reference's path, then one or more section numbers (§2, §2.5, ...). */
const CITATION = new RegExp(`${REFERENCE.replace(/[./]/g, "\\$&")}((?:,? (?:and )?§\\d+(?:\\.\\d+)*)*)`, "g");
const SECTION = /§\d+(?:\.\d+)*/g;

/**
 * README lines that still mention the outside reference: README.md is the lead's to edit, and the
 * replacement sentence waits in the lead's notes. Empty this list when README.md no longer has it.
 */
const AWAITING_README_MERGE: string[] = [];

/** Every file under a directory (node_modules skipped). */
function files(directory: string): string[] {
    return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
        const path = join(directory, entry.name);
        return entry.isDirectory() ? (entry.name === "node_modules" ? [] : files(path)) : [path];
    });
}

/** `file: line` for every line of these files that mentions something outside the repository. */
function outsideMentions(paths: readonly string[]): string[] {
    return paths.flatMap((file) =>
        readFileSync(file, "utf8")
            .split("\n")
            .filter((line) => OUTSIDE.some((text) => line.includes(text)))
            .map((line) => `${file}: ${line.trim()}`),
    );
}

/** The section numbers the reference defines: its headings `## §1 ...`, `### §1.2 ...`. */
function definedSections(text: string): string[] {
    return [...text.matchAll(/^#{2,4} (§\d+(?:\.\d+)*) /gm)].map((m) => m[1]!);
}

/** `file: citation` for each citation of the reference in these files, with the sections it names. */
function citations(paths: readonly string[]): { where: string; sections: string[] }[] {
    return paths.flatMap((file) =>
        [...readFileSync(file, "utf8").matchAll(CITATION)].map((m) => ({ where: `${file}: ${m[0]}`, sections: m[1]!.match(SECTION) ?? [] })),
    );
}

describe("the reference (docs)", () => {
    const reference = readFileSync(REFERENCE, "utf8");
    const defined = definedSections(reference);

    it("nothing in the repository points at a reference outside it", () => {
        const scanned = ["src", "test", "scripts", "bench", "examples", "docs"].flatMap(files).concat("README.md");
        assert.deepEqual(outsideMentions(scanned), AWAITING_README_MERGE, "when README.md no longer mentions it, empty AWAITING_README_MERGE");
        // The scan sees either mention, in a nested folder too.
        const directory = temporaryDirectory();
        mkdirSync(join(directory, "nested"));
        writeFileSync(join(directory, "nested", "a.ts"), `// see ${OUTSIDE[0]}/x\nconst ok = 1;\n`);
        writeFileSync(join(directory, "b.md"), `Facts: ${OUTSIDE[1]} §1\n`);
        assert.deepEqual(outsideMentions(files(directory)).sort(), [`${join(directory, "b.md")}: Facts: ${OUTSIDE[1]} §1`, `${join(directory, "nested", "a.ts")}: // see ${OUTSIDE[0]}/x`]);
    });

    it("the reference defines §1 to §7 once each, and its own cross-references exist", () => {
        assert.deepEqual(
            defined.filter((s) => !s.includes(".")),
            ["§1", "§2", "§3", "§4", "§5", "§6", "§7"],
        );
        assert.deepEqual(
            defined.filter((s, i) => defined.indexOf(s) !== i),
            [],
        );
        const referenced = [...new Set(reference.match(SECTION) ?? [])];
        assert.deepEqual(
            referenced.filter((s) => !defined.includes(s)),
            [],
        );
    });

    it("every citation of the reference in src/, components/ and test/ names sections it defines", () => {
        const found = citations(["src", "components", "test"].flatMap(files));
        assert.deepEqual(
            found.filter((c) => c.sections.length === 0).map((c) => c.where),
            [],
            "a citation of the reference must name its section (§N or §N.M)",
        );
        assert.deepEqual(
            found.flatMap((c) => c.sections.filter((s) => !defined.includes(s)).map((s) => `${c.where}: ${s} is not a section`)),
            [],
        );
        // The scan reads citations as the code writes them.
        assert.deepEqual(
            found.filter((c) => c.where.startsWith(join("components", "vault", "glob.ts"))).map((c) => c.sections),
            [["§2.5"]],
        );
    });
});
