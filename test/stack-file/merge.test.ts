/**
 * YAML merge keys (`<<`), read as pulumi up's reader (gopkg.in/yaml.v2 decode.go `mapping`,
 * `merge`) reads them: a map that shares its grants' defaults plans exactly as the map written
 * out; where yaml.v2 and YAML 1.2 merging would disagree, or yaml.v2 refuses, an exact problem.
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
const problems = (text: string) => read(text).problems.map((p) => `${p.position!.line}:${p.position!.column} ${p.path}: ${p.message}`);

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

    it("a key written before << is refused: yaml.v2 would let the merged value replace it", () => {
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
                `18:11 gitlab-federation:projects["a/b"].grants.other: a key before the YAML merge key (<<) in its mapping: pulumi up's YAML 1.1 reader lets a merged value replace it, so the two readers would deploy different maps: write <<: first, then the keys that replace merged values`,
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
            `17:11 gitlab-federation:projects["a/b"].grants.other: a quoted or tagged << key: pulumi up's reader merges only a plain <<, and the map has no field named <<: write <<: unquoted to merge, or remove it`,
        ]);
        assert.deepEqual(problems(`config:\n  gitlab-federation:gitlab: &g\n    url: https://gitlab.example.com\n  <<: main\n`), [
            `4:3 gitlab-federation:<<: a key before the YAML merge key (<<) in its mapping: pulumi up's YAML 1.1 reader lets a merged value replace it, so the two readers would deploy different maps: write <<: first, then the keys that replace merged values`,
            `4:3 gitlab-federation:<<: a YAML merge key (<<) takes a mapping, an alias of one (<<: *defaults) or a list of them (<<: [*a, *b]); pulumi up's reader refuses anything else`,
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
