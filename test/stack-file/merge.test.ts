/**
 * YAML merge keys (`<<`), read as pulumi up reads them (gopkg.in/yaml.v3 since Pulumi CLI 3.50,
 * yaml.v2 before; decode.go `mapping`, `merge`): a map that shares its grants' defaults plans
 * exactly as the map written out; where the CLIs and this tool would read a file differently, or
 * the CLIs refuse it, an exact problem. The refused cases come from a differential run of real
 * yaml.v3 v3.0.1 and yaml.v2 v2.4.0 against this reader (every one below was read silently and
 * differently before it was refused).
 */
import { strict as assert } from "node:assert";
import { sectionKeys } from "../../src/core/parse";
import { planMap } from "../../src/features";
import { mapDefinition } from "../../src/features/map-schema";
import { readStackFile } from "../../src/stack-file/file";
import { assertRegistersExactly } from "../helpers/registered";
import { hostConfig, projectFolder, runAsLanguageHost } from "../helpers/language-host";

const SECTIONS = sectionKeys(mapDefinition());
const read = (text: string) => readStackFile(text, { sections: SECTIONS });
const problems = (text: string) => read(text).problems.map((p) => `${p.position !== undefined ? `${p.position.line}:${p.position.column} ` : ""}${p.path}: ${p.message}`);

const HEAD = `config:
  gitlab-federation:gitlab:
    url: https://gitlab.example.com
  gitlab-federation:vault:
    authPath: gitlab
    audience: https://vault.example.com
    kvMount: secret
    auditManagedElsewhere: "audit devices are enabled by the Vault team's own stack"
  gitlab-federation:projects:
`;

const MERGED = `${HEAD}    platform/api:
      id: 42
      grants:
        deploy: &deploy
          ref: main
          environment: production
          vault:
            read: [platform/api]
    platform/web:
      id: 43
      grants:
        deploy:
          <<: *deploy
          vault:
            read: [platform/web]
        release:
          <<: [*deploy, {ref: "v*", refType: tag}]
          refType: branch
          ref: release/*
          vault:
            read: [platform/web/release]
`;

const WRITTEN_OUT = `${HEAD}    platform/api:
      id: 42
      grants:
        deploy:
          ref: main
          environment: production
          vault:
            read: [platform/api]
    platform/web:
      id: 43
      grants:
        deploy:
          ref: main
          environment: production
          vault:
            read: [platform/web]
        release:
          ref: release/*
          refType: branch
          environment: production
          vault:
            read: [platform/web/release]
`;

describe("YAML merge keys in stack files", () => {
    it("merge as pulumi up's reader merges: the map plans exactly as the map written out", () => {
        const merged = read(MERGED);
        assert.deepEqual(merged.problems, []);
        assert.deepEqual(merged.raw, read(WRITTEN_OUT).raw);
        assert.deepEqual(planMap(merged.raw), planMap(read(WRITTEN_OUT).raw));
    });

    it("a list of sources: the earlier takes precedence; keys written after << replace merged ones; a merge inside an anchor is merged where it is aliased", () => {
        const raw = read(`${HEAD}    a/b:
      id: 1
      grants:
        base: &base
          ref: main
          vault: {read: [a/b]}
        tagged: &tagged
          <<: *base
          refType: tag
          ref: v1
        both:
          <<: [*tagged, *base]
          description: from both
`).raw as { projects: Record<string, { grants: Record<string, unknown> }> };
        assert.deepEqual(raw.projects["a/b"]!.grants.both, { ref: "v1", vault: { read: ["a/b"] }, refType: "tag", description: "from both" });
        assert.deepEqual(raw.projects["a/b"]!.grants.tagged, { ref: "v1", vault: { read: ["a/b"] }, refType: "tag" });
    });

    it("a key written before << is refused: yaml.v2 (Pulumi CLI before 3.50) would let the merged value replace it", () => {
        assert.deepEqual(
            problems(`${HEAD}    a/b:
      id: 1
      grants:
        base: &base
          ref: main
          vault: {read: [a/b]}
        other:
          ref: develop
          <<: *base
`),
            [
                `18:11 gitlab-federation:projects["a/b"].grants.other: a key before the YAML merge key (<<) in its mapping: Pulumi CLIs before 3.50 (yaml.v2) let a merged value replace it, later ones (yaml.v3) keep it: write <<: first, then the keys that replace merged values`,
            ],
        );
    });

    it("a << that is not a mapping, an alias of one or a list of them is refused, as yaml.v2 refuses it", () => {
        const expected = (line: number, column: number) =>
            `${line}:${column} gitlab-federation:projects["a/b"].grants.other: a YAML merge key (<<) takes a mapping, an alias of one (<<: *defaults) or a list of them (<<: [*a, *b]); pulumi up's reader refuses anything else`;
        assert.deepEqual(problems(`${HEAD}    a/b:\n      id: 1\n      grants:\n        other:\n          <<: main\n          ref: main\n          vault: {read: [a/b]}\n`), [expected(14, 11)]);
        assert.deepEqual(problems(`${HEAD}    a/b:\n      id: 1\n      grants:\n        other:\n          <<: [main]\n          ref: main\n          vault: {read: [a/b]}\n`), [expected(14, 16)]);
    });

    it("a quoted << is no merge key for yaml.v2 (decode.go isMerge: plain or !!merge only): refused, as the map has no such field; and a << among the config keys is checked like any other", () => {
        assert.deepEqual(problems(`${HEAD}    a/b:\n      id: 1\n      grants:\n        base: &base\n          ref: main\n          vault: {read: [a/b]}\n        other:\n          "<<": *base\n`), [
            `17:11 gitlab-federation:projects["a/b"].grants.other: a quoted or tagged << key: Pulumi CLIs disagree on it (yaml.v3, since 3.50, merges it; yaml.v2 does not), and the map has no field named <<: write <<: unquoted to merge, or remove it`,
        ]);
        assert.deepEqual(problems(`config:\n  gitlab-federation:gitlab: &g\n    url: https://gitlab.example.com\n  <<: main\n`), [
            `4:3 gitlab-federation:<<: a key before the YAML merge key (<<) in its mapping: Pulumi CLIs before 3.50 (yaml.v2) let a merged value replace it, later ones (yaml.v3) keep it: write <<: first, then the keys that replace merged values`,
            `4:3 gitlab-federation:<<: a YAML merge key (<<) takes a mapping, an alias of one (<<: *defaults) or a list of them (<<: [*a, *b]); pulumi up's reader refuses anything else`,
        ]);
    });

    it("aliases this tool cannot check as pulumi up reads them are refused: of anchors outside the map, as keys; and values that contain themselves", () => {
        // yaml.v3 reads 0755 as 493: an anchor outside the map escaped the scalar checks, and plan showed project 755.
        const outside = `x-defaults: &d {id: 0755}\n${HEAD}    platform/api:\n      <<: *d\n      grants:\n        deploy: {ref: main, vault: {read: [platform/api]}}\n`;
        assert.deepEqual(problems(outside), [
            `12:7 gitlab-federation:projects["platform/api"]["<<"]: an alias of an anchor defined outside the gitlab-federation map: pulumi up reads the anchored value with its own YAML rules (0755 is 493 there), which this tool checks only inside the map: define the anchor inside the map (e.g. on a grant) or write the value out`,
        ]);
        const key = `${HEAD}    a/b:\n      id: 1\n      grants:\n        base: &k main\n        other: {*k : 1}\n`;
        assert.ok(problems(key).includes(`14:17 gitlab-federation:projects["a/b"].grants.other: an alias as a key: pulumi up reads it as the anchored value, which this tool does not check as a key: write the key out`), problems(key).join("\n"));
        const cyclic = `${HEAD}    a/b: &a\n      id: 1\n      again: *a\n`;
        assert.ok(
            read(cyclic).problems.some((p) => p.path === 'config.gitlab-federation:projects.a/b.again' && p.message === "a value that contains itself (an alias inside its own anchor): pulumi up's reader refuses it: write the values out"),
        );
    });

    it("a << of an alias of a list or a scalar is refused (yaml.v3: map merge requires map or sequence of maps)", () => {
        const text = (value: string) => `${HEAD}    a/b:\n      id: 1\n      grants:\n        l: &l [main]\n        s: &s main\n        other:\n          <<: ${value}\n          ref: main\n          vault: {read: [a/b]}\n`;
        const message = (column: number) =>
            `16:${column} gitlab-federation:projects["a/b"].grants.other: a YAML merge key (<<) takes a mapping, an alias of one (<<: *defaults) or a list of them (<<: [*a, *b]); pulumi up's reader refuses anything else`;
        assert.deepEqual(problems(text("*l")), [message(11)]);
        assert.deepEqual(problems(text("*s")), [message(11)]);
        assert.deepEqual(problems(text("[*s]")), [message(16)]);
    });

    it("keys YAML reads as numbers, booleans or null are refused (the CLI writes them as Go text: 1e6 is 1e+06); a %YAML directive and half a surrogate pair too", () => {
        const key = (k: string) => problems(`${HEAD}    a/b:\n      id: 1\n      grants:\n        ${k}: {ref: main, vault: {read: [a/b]}}\n`);
        const notText = (k: string) => `13:9 gitlab-federation:projects["a/b"].grants${/^[a-z]/.test(k) ? `.${k}` : `["${k}"]`}: a key YAML reads as a number, boolean or null: pulumi up turns it into text its own way (1e6 becomes 1e+06, null <nil>): quote the key`;
        for (const k of ["1e6", "0x10", "null", "true", "1.0"]) {
            assert.deepEqual(key(k), [notText(k)], k);
        }
        assert.deepEqual(key('"1e6"').filter((p) => p.includes("a key YAML reads")), [], "a quoted key is text for every reader");
        assert.deepEqual(problems(`%YAML 1.2\n---\n${HEAD}    a/b: {id: 1, grants: {deploy: {ref: main, vault: {read: [a/b]}}}}\n`), [
            "1:1 (file): a %YAML directive: pulumi up's reader (yaml.v3) refuses %YAML 1.2 documents and yaml.v2 reads them as YAML 1.1: remove the directive",
        ]);
        assert.deepEqual(problems(`${HEAD}    a/b: {id: 1, grants: {deploy: {ref: main, description: "\\ud800", vault: {read: [a/b]}}}}\n`), [
            `10:61 gitlab-federation:projects["a/b"].grants.deploy.description: an escape of half a UTF-16 surrogate pair (\\ud800-\\udfff alone): pulumi up's reader refuses the whole file: write the character itself, or its \\U escape`,
        ]);
    });

    it("the program, started as the language host starts it with the stack file beside it, registers what the CLI plans", async function () {
        this.timeout(60000);
        const raw = read(MERGED).raw;
        const root = projectFolder({ "Pulumi.dev.yaml": MERGED });
        const run = await runAsLanguageHost({ root, stack: "dev", config: hostConfig(raw) });
        assert.equal(run.status, 0, run.stderr);
        assertRegistersExactly(planMap(raw), run.resources, "dev");
    });
});
