/**
 * Reading stack files as `pulumi up` does: the yaml.v2 port (YAML 1.1, what the Pulumi CLI uses)
 * against this tool's YAML 1.2 reader, duplicate keys, secrets, namespaces and positions.
 */
import { strict as assert } from "node:assert";
import { CORE_SCHEMA, load } from "js-yaml";
import { sectionKeys } from "../../src/core/parse";
import { mapFromStackConfig } from "../../src/stack-file/config";
import { PositionedProblem, readStackFile } from "../../src/stack-file/file";
import { readerDisagreement, resolveV2, resolveV2Tagged } from "../../src/stack-file/yaml-v2";
import { mapDefinition } from "../../src/features/map-schema";

const SECTIONS = sectionKeys(mapDefinition());
const read = (text: string, projectName?: string) => readStackFile(text, { sections: SECTIONS, ...(projectName !== undefined ? { projectName } : {}) });
const lines = (text: string) => read(text).problems.map((p: PositionedProblem) => `${p.position ? `${p.position.line}:${p.position.column} ` : ""}${p.path}: ${p.message}`);

describe("yaml.v2 (pulumi up's reader) as ported", () => {
    it("resolves plain scalars the way go-yaml v2.4.0 resolve.go does", () => {
        const cases: [string, ReturnType<typeof resolveV2>][] = [
            ["0201", { tag: "int", value: 129 }],
            ["012345678901", { tag: "float", value: 12345678901 }],
            ["0x1F", { tag: "int", value: 31 }],
            ["-0x1F", { tag: "int", value: -31 }],
            ["0b101", { tag: "int", value: 5 }],
            ["0o17", { tag: "int", value: 15 }],
            ["1_000", { tag: "int", value: 1000 }],
            ["+1", { tag: "int", value: 1 }],
            ["42", { tag: "int", value: 42 }],
            ["2024.10", { tag: "float", value: 2024.1 }],
            ["1e3", { tag: "float", value: 1000 }],
            [".5", { tag: "float", value: 0.5 }],
            ["yes", { tag: "bool", value: true }],
            ["On", { tag: "bool", value: true }],
            ["n", { tag: "bool", value: false }],
            ["OFF", { tag: "bool", value: false }],
            ["True", { tag: "bool", value: true }],
            ["~", { tag: "null", value: null }],
            ["Null", { tag: "null", value: null }],
            ["2024-10-01", { tag: "timestamp", value: "2024-10-01" }],
            ["2024-1-2T03:04:05Z", { tag: "timestamp", value: "2024-1-2T03:04:05Z" }],
            ["2024-13-01", { tag: "str", value: "2024-13-01" }],
            ["1:30", { tag: "str", value: "1:30" }],
            ["main", { tag: "str", value: "main" }],
            ["release/*", { tag: "str", value: "release/*" }],
            ["v1.2.0", { tag: "str", value: "v1.2.0" }],
            ["9223372036854775808", { tag: "int", value: 9223372036854775808 }],
        ];
        for (const [text, expected] of cases) {
            assert.deepEqual(resolveV2(text), expected, text);
        }
    });

    it("finds every plain scalar the two readers see differently, and nothing else", () => {
        const ours = (text: string) => (load(`v: ${text}`, { schema: CORE_SCHEMA }) as { v: unknown }).v;
        const refused = ["0201", "-0x1F", "0b101", "1_000", "yes", "on", "Off", "y", "N", "2024-10-01", "00", "012345678901", "09"];
        const agreed = ["42", "0", "0x1F", "0o17", "2024.10", "1e3", ".5", "true", "False", "null", "~", "main", "v1.2.0", "release/*", "1:30", "-1"];
        for (const text of refused) {
            assert.notEqual(readerDisagreement(text, ours(text)), undefined, text);
        }
        for (const text of agreed) {
            assert.equal(readerDisagreement(text, ours(text)), undefined, text);
        }
        assert.equal(
            readerDisagreement("0201", 201),
            'pulumi up reads the unquoted 0201 as the number 129 (YAML 1.1), this tool as the number 201 (YAML 1.2): quote it ("0201") if you mean the text, or write it as a plain decimal number',
        );
        assert.equal(readerDisagreement("yes", "yes"), 'pulumi up reads the unquoted yes as the boolean true (YAML 1.1), this tool as the text "yes" (YAML 1.2): quote it ("yes") if you mean the text, or write it as true or false');
        assert.equal(
            readerDisagreement("012345678901", 12345678901),
            'numbers with leading zeros read differently in YAML 1.1 (octal) and YAML 1.2 (decimal), got 012345678901: quote it ("012345678901") if you mean the text, or write it as a plain decimal number',
        );
    });
});

describe("yaml.v2 reading explicitly tagged scalars, as ported", () => {
    it("resolves each tag the way go-yaml v2.4.0 decode.go scalar and resolve.go resolve do", () => {
        const y = (name: string) => `tag:yaml.org,2002:${name}`;
        const cases: [string, string, ReturnType<typeof resolveV2Tagged>][] = [
            [y("str"), "0201", { tag: "str", value: "0201" }],
            [y("str"), "yes", { tag: "str", value: "yes" }],
            [y("int"), "0201", { tag: "int", value: 129 }],
            [y("int"), "0o17", { tag: "int", value: 15 }],
            [y("int"), "1_000", { tag: "int", value: 1000 }],
            [y("int"), "1.5", { tag: "error", value: "cannot decode !!float `1.5` as a !!int" }],
            [y("int"), "yes", { tag: "error", value: "cannot decode !!bool `yes` as a !!int" }],
            [y("int"), "2001-01-01", { tag: "error", value: "cannot decode !!str `2001-01-01` as a !!int" }],
            [y("float"), "0201", { tag: "float", value: 129 }],
            [y("float"), "1e3", { tag: "float", value: 1000 }],
            [y("float"), "9223372036854775807", { tag: "float", value: 9223372036854775807 }],
            [y("float"), "9223372036854775808", { tag: "error", value: "cannot decode !!int `9223372036854775808` as a !!float" }],
            [y("float"), "x", { tag: "error", value: "cannot decode !!str `x` as a !!float" }],
            [y("bool"), "yes", { tag: "bool", value: true }],
            [y("bool"), "Off", { tag: "bool", value: false }],
            [y("bool"), "1", { tag: "error", value: "cannot decode !!int `1` as a !!bool" }],
            [y("null"), "~", { tag: "null", value: null }],
            [y("null"), "", { tag: "null", value: null }],
            [y("null"), "x", { tag: "error", value: "cannot decode !!str `x` as a !!null" }],
            [y("timestamp"), "2001-01-01", { tag: "timestamp", value: "2001-01-01" }],
            [y("timestamp"), "5", { tag: "error", value: "cannot decode !!int `5` as a !!timestamp" }],
            [y("binary"), "aGVsbG8=", { tag: "str", value: "hello" }],
            [y("binary"), "aGVsbG8", { tag: "error", value: "!!binary value contains invalid base64 data" }],
            [y("set"), "0201", { tag: "str", value: "0201" }],
            ["!", "0201", { tag: "str", value: "0201" }],
            ["!foo", "yes", { tag: "str", value: "yes" }],
        ];
        for (const [tag, text, expected] of cases) {
            assert.deepEqual(resolveV2Tagged(tag, text), expected, `${tag} ${text}`);
        }
    });
});

describe("reading a stack file", () => {
    const header = "config:\n  gitlab-federation:gitlab:\n    url: https://gitlab.example.com\n";

    it("compares tagged scalars too: refused where the readers differ, accepted where they agree (each tag both ways)", () => {
        const id = (value: string, prefix = "") => lines(`${prefix}${header}  gitlab-federation:projects:\n    a/b:\n      id: ${value}\n      grants: {}\n`);
        const at = (line = 6) => `${line}:11 gitlab-federation:projects["a/b"].id: `;
        const differ = (written: string, v2: string, ours: string, text: string, line?: number) =>
            `${at(line)}pulumi up reads ${written} as ${v2} (YAML 1.1), this tool as ${ours} (YAML 1.2): remove the tag ${written.split(" ")[0]} and quote it (${JSON.stringify(text)}) if you mean the text, or write it as a plain decimal number`;
        const unknown = (tag: string) => `6:11 (file): not valid YAML: unknown scalar tag !<${tag}>`;
        const cases: [string, string[], string?][] = [
            ["!!int 0201", [differ("!!int 0201", "the number 129", "the number 201", "0201")]],
            ['!!int "0201"', [differ("!!int 0201", "the number 129", "the number 201", "0201")]],
            ["!!int 201", []],
            ["!!int 0o17", []],
            ["!!int 00", [`${at()}numbers with leading zeros read differently in YAML 1.1 (octal) and YAML 1.2 (decimal), got !!int 00: remove the tag !!int and quote it ("00") if you mean the text, or write it as a plain decimal number`]],
            ["!!float 0201", [differ("!!float 0201", "the number 129", "the number 201", "0201")]],
            ["!!float 1.5", []],
            ['!!float "1"', []],
            [
                "!!float 9223372036854775808",
                [`${at()}pulumi up cannot read !!float 9223372036854775808: its YAML 1.1 reader fails with "cannot decode !!int \`9223372036854775808\` as a !!float": remove the tag !!float and quote it ("9223372036854775808") if you mean the text, or write it as a plain decimal number`],
            ],
            ["!<tag:yaml.org,2002:int> 0201", [differ("!<tag:yaml.org,2002:int> 0201", "the number 129", "the number 201", "0201")]],
            ["!e!int 0201", [differ("!e!int 0201", "the number 129", "the number 201", "0201", 8)], "%TAG !e! tag:yaml.org,2002:\n---\n"],
            ["!!str 0201", []],
            ["! 0201", []],
            ["!!bool true", []],
            ["!!bool yes", ["6:11 (file): not valid YAML: cannot resolve a node with !<tag:yaml.org,2002:bool> explicit tag"]],
            ["!!null ~", []],
            ["!!null x", ["6:11 (file): not valid YAML: cannot resolve a node with !<tag:yaml.org,2002:null> explicit tag"]],
            ["!!timestamp 2001-01-01", [unknown("tag:yaml.org,2002:timestamp")]],
            ["!!binary aGVsbG8=", [unknown("tag:yaml.org,2002:binary")]],
            ["!custom 0201", [unknown("!custom")]],
        ];
        for (const [value, expected, prefix] of cases) {
            assert.deepEqual(id(value, prefix), expected, value);
        }
        const key = (written: string) => lines(`${header}  gitlab-federation:projects:\n    a/b:\n      id: 1\n      grants:\n        ${written}: {ref: main}\n`);
        assert.deepEqual(key("!!int 0201"), [
            '8:9 gitlab-federation:projects["a/b"].grants["0201"]: pulumi up reads !!int 0201 as the number 129 (YAML 1.1), this tool as the number 201 (YAML 1.2): remove the tag !!int and quote it ("0201") if you mean the text, or write it as a plain decimal number',
        ]);
        assert.deepEqual(key("!!str 0201"), []);
        assert.deepEqual(key("!!bool true"), []);
    });

    it("refuses values pulumi up would read differently, at their position, keys included", () => {
        assert.deepEqual(lines(`${header}  gitlab-federation:projects:\n    a/b:\n      id: 0201\n      grants:\n        on: {ref: main, protected: yes}\n`), [
            '6:11 gitlab-federation:projects["a/b"].id: pulumi up reads the unquoted 0201 as the number 129 (YAML 1.1), this tool as the number 201 (YAML 1.2): quote it ("0201") if you mean the text, or write it as a plain decimal number',
            '8:9 gitlab-federation:projects["a/b"].grants.on: pulumi up reads the unquoted on as the boolean true (YAML 1.1), this tool as the text "on" (YAML 1.2): quote it ("on") if you mean the text, or write it as true or false',
            '8:36 gitlab-federation:projects["a/b"].grants.on.protected: pulumi up reads the unquoted yes as the boolean true (YAML 1.1), this tool as the text "yes" (YAML 1.2): quote it ("yes") if you mean the text, or write it as true or false',
        ]);
        assert.deepEqual(lines(`${header}  gitlab-federation:projects:\n    a/b:\n      id: "0201"\n      grants:\n        "on": {ref: "2024-10-01", protected: true}\n`), []);
    });

    it("refuses duplicate keys (linear check) with both positions", () => {
        assert.deepEqual(lines(`${header}  gitlab-federation:projects:\n    a/b: {id: 1, grants: {}}\n    a/b: {id: 2, grants: {}}\n`), [
            '6:5 gitlab-federation:projects["a/b"]: duplicate key "a/b" (first at line 5): a mapping holds each key once; merge the two entries',
        ]);
        assert.deepEqual(lines(`${header}  gitlab-federation:gitlab:\n    url: https://x.example.com\n`), ["4:3 gitlab-federation:gitlab: duplicate config key: a stack file holds each key once; merge the two entries"]);
    });

    it("refuses secret values anywhere in the map, and ignores them elsewhere", () => {
        assert.deepEqual(lines(`${header}  gitlab-federation:projects:\n    a/b:\n      id:\n        secure: AAAA\n  aws:secretKey:\n    secure: BBBB\n`), [
            '6:7 gitlab-federation:projects["a/b"].id: is a secret (secure:) value; the project map holds no secrets (ids, paths and names are not secret), so write it in plain text',
        ]);
        assert.deepEqual(lines(`config:\n  gitlab-federation:gitlab:\n    secure: AAAA\n`), [
            "2:3 gitlab-federation:gitlab: is a secret (secure:) value; the project map holds no secrets (ids, paths and names are not secret), so write it in plain text",
        ]);
        // Pulumi's secret is a mapping whose only key is secure; beside other keys it is data (the map check judges it).
        assert.deepEqual(lines(`${header}  gitlab-federation:projects:\n    a/b:\n      id:\n        secure: AAAA\n        note: x\n`), []);
    });

    it("reads un-namespaced keys the way Pulumi does: as the project's", () => {
        const text = "config:\n  gitlab:\n    url: https://gitlab.example.com\n  projects: {}\n";
        assert.deepEqual(read(text).raw, { gitlab: { url: "https://gitlab.example.com" }, projects: {} });
        assert.deepEqual(lines.call(null, text), []);
        const other = read(text, "acme-federation");
        assert.deepEqual(other.raw, {});
        assert.deepEqual(
            other.problems.map((p) => `${p.path}: ${p.message}`),
            [
                'acme-federation:gitlab: Pulumi reads an un-namespaced "gitlab:" in project "acme-federation" as "acme-federation:gitlab", which gitlab-federation does not read: write "gitlab-federation:gitlab"',
                'acme-federation:projects: Pulumi reads an un-namespaced "projects:" in project "acme-federation" as "acme-federation:projects", which gitlab-federation does not read: write "gitlab-federation:projects"',
            ],
        );
    });

    it("locates paths: the key of a value, or the deepest part of the path that exists", () => {
        const file = read(`${header}  gitlab-federation:projects:\n    a/b:\n      id: 1\n      grants:\n        deploy:\n          ref: [main, dev]\n`);
        assert.deepEqual(file.locate(["projects", "a/b", "grants", "deploy", "ref"]), { line: 9, column: 11 });
        assert.deepEqual(file.locate(["projects", "a/b", "grants", "deploy", "ref", 1]), { line: 9, column: 23 });
        assert.deepEqual(file.locate(["projects", "a/b", "grants", "deploy", "vault"]), { line: 8, column: 9 });
        assert.deepEqual(file.locate(["gitlab", "url"]), { line: 3, column: 5 });
        assert.deepEqual(file.locate(["vault"]), { line: 1, column: 1 });
    });
});

describe("reading stack config at run time", () => {
    it("refuses secrets and misspelled namespaces like the file reader", () => {
        const result = mapFromStackConfig(
            { "gitlab-federation:gitlab": '{"url":"https://gitlab.example.com"}', "gitlab-federation:vault": "{}", "gitlab-federaton:projects": "{}", "vault:address": "http://x" },
            { sections: SECTIONS, isSecret: (key) => key === "gitlab-federation:vault" },
        );
        assert.deepEqual(result.raw, { gitlab: { url: "https://gitlab.example.com" } });
        assert.deepEqual(result.providerConfig, { "gitlab-federaton:projects": "{}", "vault:address": "http://x" }, "every key outside the map's namespace, for the targets' provider checks");
        assert.deepEqual(
            result.problems.map((p) => `${p.path}: ${p.message}`),
            [
                "gitlab-federation:vault: is a secret (secure:) value; the project map holds no secrets (ids, paths and names are not secret), so write it in plain text",
                'gitlab-federaton:projects: unknown config namespace "gitlab-federaton" (did you mean "gitlab-federation:projects"?): Pulumi passes this key to no provider and gitlab-federation does not read it, so the map would silently lack it. Correct the namespace',
            ],
        );
    });
});
