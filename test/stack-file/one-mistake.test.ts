/**
 * One mistake, one message (issue #23): single mistakes in the committed stack file, each
 * reported as exactly one problem line whose suggested fix, applied, gives a valid map again.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { main } from "../../src/cli/main";
import { processIo } from "../../src/cli/io";

const DEV = readFileSync("Pulumi.dev.yaml", "utf8");

/** The problem lines `validate --config -` prints for a stack file's text (in-process, as the CLI reports them). */
async function problemLines(text: string): Promise<string[]> {
    let stderr = "";
    const io = { ...processIo(), stdout: () => undefined, stderr: (t: string) => (stderr += t), readStdin: () => text, isTTY: false, env: {} };
    const status = await main(["validate", "--config", "-"], io);
    const lines = stderr.split("\n").filter((line) => line.startsWith("<stdin>:") && !line.includes(": the gitlab-federation project map has ")).map((line) => line.slice("<stdin>:".length));
    assert.equal(status, lines.length > 0 ? 1 : 0, stderr);
    return lines;
}

/** `text` with `from` (which occurs exactly once) replaced by `to`. */
function edit(text: string, from: string, to: string): string {
    assert.equal(text.split(from).length, 2, `${JSON.stringify(from)} must occur once`);
    return text.replace(from, to);
}

/** The fix a did-you-mean problem line suggests, as an edit of the file: the key as written → the suggestion (without namespace below the top). */
function suggestedFix(line: string): [string, string] | undefined {
    const suggestion = /\(did you mean "([^"]+)"\?\)/.exec(line)?.[1];
    const written = /unknown (?:field|config key) "([^"]+)"/.exec(line)?.[1] ?? /^\d+:\d+: (\S+): unknown config namespace/.exec(line)?.[1];
    if (suggestion === undefined || written === undefined) {
        return undefined;
    }
    return [` ${written}:`, ` ${suggestion}:`];
}

/**
 * [a mistake in Pulumi.dev.yaml (its text → the mistaken text), the one problem line validate
 * prints, the fix the line suggests as an edit (when it is not a did-you-mean, whose fix is the
 * suggested name)].
 */
const CASES: [string, string, string, [string, string]?][] = [
["  gitlab-federation:projects:\n", "  gitlab-federaton:projects:\n", "61:3: gitlab-federaton:projects: unknown config namespace \"gitlab-federaton\" (did you mean \"gitlab-federation:projects\"?): Pulumi passes this key to no provider and gitlab-federation does not read it, so the map would silently lack it. Correct the namespace"],
    ["  gitlab-federation:vault:\n", "  gitlab_federation:vault:\n", "16:3: gitlab_federation:vault: unknown config namespace \"gitlab_federation\" (did you mean \"gitlab-federation:vault\"?): Pulumi passes this key to no provider and gitlab-federation does not read it, so the map would silently lack it. Correct the namespace"],
    ["  gitlab-federation:projects:\n", "  gitlab-federation:projcts:\n", "61:3: gitlab-federation:projcts: unknown config key \"gitlab-federation:projcts\" (did you mean \"gitlab-federation:projects\"?); allowed here: gitlab-federation:gitlab, gitlab-federation:vault, gitlab-federation:aws, gitlab-federation:gcp, gitlab-federation:akeyless, gitlab-federation:azure, gitlab-federation:deployer, gitlab-federation:sharding, gitlab-federation:projects. Remove it or correct the name"],
    ["  gitlab-federation:vault:\n", "  gitlab-federation:Vault:\n", "16:3: gitlab-federation:Vault: unknown config key \"gitlab-federation:Vault\" (did you mean \"gitlab-federation:vault\"?); allowed here: gitlab-federation:gitlab, gitlab-federation:vault, gitlab-federation:aws, gitlab-federation:gcp, gitlab-federation:akeyless, gitlab-federation:azure, gitlab-federation:deployer, gitlab-federation:sharding, gitlab-federation:projects. Remove it or correct the name"],
    ["  gitlab-federation:aws:\n", "  gitlab-federation:asw:\n", "26:3: gitlab-federation:asw: unknown config key \"gitlab-federation:asw\" (did you mean \"gitlab-federation:aws\"?); allowed here: gitlab-federation:gitlab, gitlab-federation:vault, gitlab-federation:aws, gitlab-federation:gcp, gitlab-federation:akeyless, gitlab-federation:azure, gitlab-federation:deployer, gitlab-federation:sharding, gitlab-federation:projects. Remove it or correct the name"],
    ["  gitlab-federation:gcp:\n", "  gitlab-federation:gpc:\n", "32:3: gitlab-federation:gpc: unknown config key \"gitlab-federation:gpc\" (did you mean \"gitlab-federation:gcp\"?); allowed here: gitlab-federation:gitlab, gitlab-federation:vault, gitlab-federation:aws, gitlab-federation:gcp, gitlab-federation:akeyless, gitlab-federation:azure, gitlab-federation:deployer, gitlab-federation:sharding, gitlab-federation:projects. Remove it or correct the name"],
    ["  gitlab-federation:deployer:\n", "  gitlab-federation:deploy:\n", "40:3: gitlab-federation:deploy: unknown config key \"gitlab-federation:deploy\" (did you mean \"gitlab-federation:deployer\"?); allowed here: gitlab-federation:gitlab, gitlab-federation:vault, gitlab-federation:aws, gitlab-federation:gcp, gitlab-federation:akeyless, gitlab-federation:azure, gitlab-federation:deployer, gitlab-federation:sharding, gitlab-federation:projects. Remove it or correct the name"],
    ["    platform/web:\n      id: 57\n      grants:\n", "    platform/web:\n      id: 57\n      grnts:\n", "97:7: gitlab-federation:projects[\"platform/web\"].grnts: unknown field \"grnts\" (did you mean \"grants\"?); allowed here: id, description, renamedFrom, grants. Remove it or correct the name"],
    ["          ref: main\n          environment: production\n          vault:\n            read: [platform/api/production]\n", "          rf: main\n          environment: production\n          vault:\n            read: [platform/api/production]\n", "67:11: gitlab-federation:projects[\"platform/api\"].grants.deploy.rf: unknown field \"rf\" (did you mean \"ref\"?); allowed here: description, ref, refType, protected, environment, environmentProtected, renamedFrom, vault, aws, gcp, akeyless, azure. Remove it or correct the name"],
    ["            read: [platform/api/production]\n", "            raed: [platform/api/production]\n", "70:13: gitlab-federation:projects[\"platform/api\"].grants.deploy.vault.raed: unknown field \"raed\" (did you mean \"read\"?); allowed here: read, write, kv, engines, allowWrite, roleName, tokenTtl, tokenMaxTtl, tokenType, tokenBoundCidrs, allowUnprotectedOverlap, allowOutsideProject. Remove it or correct the name"],
    ["    accountId: \"111111111111\"\n", "    acountId: \"111111111111\"\n", "28:5: gitlab-federation:aws.acountId: unknown field \"acountId\" (did you mean \"accountId\"?); allowed here: audience, accountId, partition, existingProviderArn, thumbprints, rolePath, permissionsBoundary, maxSessionDuration, trustPolicyMaxLength, protect, quotas, tags, adopt, accounts. Remove it or correct the name"],
    ["    permissionsBoundary:", "    permissionBoundary:", "30:5: gitlab-federation:aws.permissionBoundary: unknown field \"permissionBoundary\" (did you mean \"permissionsBoundary\"?); allowed here: audience, accountId, partition, existingProviderArn, thumbprints, rolePath, permissionsBoundary, maxSessionDuration, trustPolicyMaxLength, protect, quotas, tags, adopt, accounts. Remove it or correct the name"],
    ["    rolePath: /gitlab-federation/", "    rolepath: /gitlab-federation/", "29:5: gitlab-federation:aws.rolepath: unknown field \"rolepath\" (did you mean \"rolePath\"?); allowed here: audience, accountId, partition, existingProviderArn, thumbprints, rolePath, permissionsBoundary, maxSessionDuration, trustPolicyMaxLength, protect, quotas, tags, adopt, accounts. Remove it or correct the name"],
    ["    audit:\n      - type: file", "    audit:\n      - tpye: file", "21:9: gitlab-federation:vault.audit[0].tpye: unknown field \"tpye\" (did you mean \"type\"?); allowed here: type, path, name, description, local, options, allowLogRaw, protect, adopt. Remove it or correct the name"],
    ["        bucket: acme-pulumi-state", "        buket: acme-pulumi-state", "53:9: gitlab-federation:deployer.aws.state.buket: unknown field \"buket\" (did you mean \"bucket\"?); allowed here: bucket, prefix, region, kmsKeyArn. Remove it or correct the name"],
    ["    platform/web:\n      id: 57\n", "    platform/web:\n      secure: v1:abc\n      id: 57\n", "96:7: gitlab-federation:projects[\"platform/web\"].secure: unknown field \"secure\"; allowed here: id, description, renamedFrom, grants. Remove it or correct the name", ["      secure: v1:abc\n", ""]],
    ["          vault:\n            read: [platform/web/production]\n            tokenTtl: 2m\n", "          vault:\n            secure: v1:abc\n", "101:11: gitlab-federation:projects[\"platform/web\"].grants.deploy.vault: is a secret (secure:) value; the project map holds no secrets (ids, paths and names are not secret), so write it in plain text", ["            secure: v1:abc\n", "            read: [platform/web/production]\n"]],
    ["    accountId: \"111111111111\"\n", "    accountId: yes\n", "28:5: gitlab-federation:aws.accountId: must be a 12-digit AWS account ID in quotes, e.g. \"111111111111\", got \"yes\"", ["    accountId: yes\n", "    accountId: \"111111111111\"\n"]],
    // (The boundary is moved to the same account: a permissions boundary of another account is a problem of its own.)
    ["    accountId: \"111111111111\"\n    rolePath: /gitlab-federation/            # this stack's own IAM path: the deployer writes roles under it only\n    permissionsBoundary: arn:aws:iam::111111111111:", "    accountId: 011111111111\n    rolePath: /gitlab-federation/            # this stack's own IAM path: the deployer writes roles under it only\n    permissionsBoundary: arn:aws:iam::011111111111:", "28:5: gitlab-federation:aws.accountId: must be a string, got 11111111111. The AWS account (quoted, 12 digits). Optional: lets the plan show real ARNs. (YAML read the unquoted 011111111111 as the number 11111111111; write \"011111111111\" in quotes if you meant the text)", ["    accountId: 011111111111\n", "    accountId: \"011111111111\"\n"]],
    ["    rolePath: /gitlab-federation/", "    rolePath: yes", "29:5: gitlab-federation:aws.rolePath: must be an IAM path that starts and ends with \"/\", e.g. \"/\" or \"/gitlab/\", got \"yes\"", ["    rolePath: yes", "    rolePath: /gitlab/"]],
    ["    tokenMaxTtl: 10m", "    tokenMaxTtl: 0600", "24:18: gitlab-federation:vault.tokenMaxTtl: pulumi up reads the unquoted 0600 as the number 384 (YAML 1.1), this tool as the number 600 (YAML 1.2): quote it (\"0600\") if you mean the text, or write it as a plain decimal number", ["    tokenMaxTtl: 0600", "    tokenMaxTtl: 600"]],
    ["            maxSessionDuration: 1h", "            maxSessionDuration: 0123", "73:13: gitlab-federation:projects[\"platform/api\"].grants.deploy.aws.maxSessionDuration: must be between 1h and 12h (IAM MaxSessionDuration), got 123 (2m3s) (YAML read the unquoted 0123 as the number 123; write \"0123\" in quotes if you meant the text)", ["            maxSessionDuration: 0123", "            maxSessionDuration: 1h"]],
    ["          protected: false\n", "          protected: no\n", "92:11: gitlab-federation:projects[\"platform/api\"].grants.review.protected: must be true or false, got \"no\". Require a protected branch or tag (ref_protected). Default true; false lets any push to a matching ref through.", ["          protected: no\n", "          protected: false\n"]],
    ["            read: [platform/api/review]", "            read: ''", "94:13: gitlab-federation:projects[\"platform/api\"].grants.review.vault.read: must be a list, got \"\". Secret folders under the KV mount this grant may read and list, e.g. [platform/api/production]. Each covers itself and everything below it.", ["            read: ''", "            read: [platform/api/review]"]],
    ["    id: 7\n", "    id: 007\n", "42:9: gitlab-federation:deployer.id: numbers with leading zeros read differently in YAML 1.1 (octal) and YAML 1.2 (decimal), got 007: quote it (\"007\") if you mean the text, or write it as a plain decimal number", ["    id: 007\n", "    id: 7\n"]],
];

describe("one mistake, one message", () => {
    it("the committed stack file is valid (the cases below start from it)", async () => {
        assert.deepEqual(await problemLines(DEV), []);
    });

    for (const [from, to, line, fix] of CASES) {
        it(`${JSON.stringify(from.trim())} → ${JSON.stringify(to.trim())}: one problem, whose fix the next run accepts`, async () => {
            const broken = edit(DEV, from, to);
            assert.deepEqual(await problemLines(broken), [line]);
            const [wrong, right] = fix ?? suggestedFix(line)!;
            assert.deepEqual(await problemLines(edit(broken, wrong, right)), []);
        });
    }

    it("a secret where the projects section belongs is one problem, not also a missing section", async () => {
        const text = "config:\n  gitlab-federation:gitlab:\n    url: https://gitlab.example.com\n  gitlab-federation:projects:\n    secure: v1:abc\n";
        assert.deepEqual(await problemLines(text), [
            "4:3: gitlab-federation:projects: is a secret (secure:) value; the project map holds no secrets (ids, paths and names are not secret), so write it in plain text",
        ]);
    });

    it("property: a key of the map misspelled by one edit (a letter left out, two swapped, one in the wrong case) is one did-you-mean problem, and its suggestion is valid", async () => {
        const lines = DEV.split("\n");
        const keys = lines.flatMap((text, index) => {
            // Field keys and the section part of gitlab-federation:<section>; not project paths or grant names (any name is allowed there).
            const match = /^( *(?:- )?(?:gitlab-federation:)?)([A-Za-z]+):(?: |$)/.exec(text);
            const grantName = /^ {8}\S/.test(text) && /^ {6}grants:/.test(lines.slice(0, index).reverse().find((l) => /^ {6}\S/.test(l)) ?? "");
            const mapLine = index > lines.findIndex((l) => l.startsWith("  gitlab-federation:"));
            return match !== null && mapLine && !grantName && (match[1]!.startsWith("  gitlab-federation:") || match[1]!.length > 2) ? [{ index, indent: match[1]!, key: match[2]! }] : [];
        });
        const all = new Set(keys.map((k) => k.key));
        const mistake = fc.record({ at: fc.constantFrom(...keys), kind: fc.constantFrom("drop", "swap", "case"), position: fc.nat() }).map(({ at, kind, position }) => {
            const i = position % at.key.length;
            const c = at.key.split("");
            if (kind === "drop") c.splice(i, 1);
            else if (kind === "swap" && i + 1 < c.length) [c[i], c[i + 1]] = [c[i + 1]!, c[i]!];
            else c[i] = c[i] === c[i]!.toUpperCase() ? c[i]!.toLowerCase() : c[i]!.toUpperCase();
            return { at, written: c.join("") };
        });
        await fc.assert(
            fc.asyncProperty(mistake.filter(({ written }) => written !== "" && !all.has(written)), async ({ at, written }) => {
                const broken = [...lines.slice(0, at.index), lines[at.index]!.replace(`${at.indent}${at.key}:`, `${at.indent}${written}:`), ...lines.slice(at.index + 1)].join("\n");
                const problems = await problemLines(broken);
                assert.equal(problems.length, 1, problems.join("\n"));
                const fix = suggestedFix(problems[0]!);
                assert.ok(fix !== undefined, problems[0]);
                assert.deepEqual(await problemLines(broken.replace(fix[0], fix[1])), []);
            }),
            { numRuns: 150 },
        );
    });
});
