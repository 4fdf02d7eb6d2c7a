/**
 * The map holds no secrets and nothing two readers could see differently: private keys in
 * gitlab.caPem and gcp.jwksJson, duplicate keys in JSON text (structured config values at run
 * time, jwksJson), and "$" in values GitLab expands (audiences, server URLs) are refused with
 * exact problems.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { CORE_SCHEMA, load } from "js-yaml";
import { duplicateJsonKey } from "../../src/core/json-text";
import { sectionKeys } from "../../src/core/parse";
import { mapFromStackConfig } from "../../src/stack-file/config";
import { readStackFile } from "../../src/stack-file/file";
import { mapDefinition } from "../../src/features/map-schema";
import { PRIVATE_JWK_MEMBERS } from "../../components/gcp/rules";
import { problems } from "../helpers/check";
import { AWS, GCP, GITLAB, VAULT, oneGrant } from "../helpers/maps";

const SECTIONS = sectionKeys(mapDefinition());
const CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const PUBLIC_KEY = { kty: "RSA", kid: "k1", use: "sig", alg: "RS256", n: "AQAB", e: "AQAB" };
const VAULT_GRANT = { ref: "main", vault: { read: ["platform/api"] } };

describe("secrets in the map", () => {
    describe("gitlab.caPem", () => {
        const withPem = (caPem: string) => ({ ...oneGrant(VAULT_GRANT), gitlab: { ...GITLAB, caPem } });
        it("refuses a private key of any kind, alone or beside certificates", () => {
            const labels = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY", "PGP PRIVATE KEY BLOCK", "ANY PRIVATE KEY"];
            for (const label of labels) {
                for (const pem of [`-----BEGIN ${label}-----\nMIIE\n-----END ${label}-----\n`, `${CERTIFICATE}-----BEGIN ${label}-----\nMIIE\n-----END ${label}-----\n`]) {
                    assert.deepEqual(
                        problems(withPem(pem)),
                        [
                            `gitlab-federation:gitlab.caPem: holds a private key (-----BEGIN ${label}-----): the map holds no secrets and Vault needs only the CA's certificates (-----BEGIN CERTIFICATE----- blocks); remove the key, and replace it: it is no longer secret`,
                        ],
                        label,
                    );
                }
            }
        });
        it("accepts certificates (boundary: a public key is not a private one)", () => {
            assert.deepEqual(problems(withPem(CERTIFICATE)), []);
            assert.deepEqual(problems(withPem(`${CERTIFICATE}${CERTIFICATE}`)), []);
            assert.deepEqual(problems(withPem("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n")), []);
        });
    });

    describe("gcp.jwksJson", () => {
        const withKeys = (jwksJson: string) => ({ ...oneGrant({ ref: "main", gcp: {} }, { sections: { gcp: { ...GCP, jwksJson } } }), gitlab: GITLAB });
        it("refuses a private JSON Web Key: each private member, in any key of the set", () => {
            for (const member of PRIVATE_JWK_MEMBERS) {
                const text = JSON.stringify({ keys: [PUBLIC_KEY, { ...PUBLIC_KEY, kid: "k2", [member]: "AQAB" }] });
                assert.deepEqual(
                    problems(withKeys(text)),
                    [
                        `gitlab-federation:gcp.jwksJson: keys[1] (kid "k2") is a private key (it has "${member}"): the map holds no secrets, and GCP verifies tokens with GitLab's public keys only. Use the JSON of <gitlab url>/oauth/discovery/keys, which holds public keys only, and replace the private key: it is no longer secret`,
                    ],
                    member,
                );
            }
            const rsa = { ...PUBLIC_KEY, d: "x", p: "x", q: "x", dp: "x", dq: "x", qi: "x" };
            assert.deepEqual(problems(withKeys(JSON.stringify({ keys: [rsa] }))), [
                `gitlab-federation:gcp.jwksJson: keys[0] (kid "k1") is a private key (it has "d", "p", "q", "dp", "dq", "qi"): the map holds no secrets, and GCP verifies tokens with GitLab's public keys only. Use the JSON of <gitlab url>/oauth/discovery/keys, which holds public keys only, and replace the private key: it is no longer secret`,
            ]);
            assert.deepEqual(problems(withKeys(JSON.stringify({ keys: [PUBLIC_KEY] }))), []);
        });
        it("refuses duplicate keys, at any depth, also spelled with escapes", () => {
            const duplicate = (key: string, where: string) =>
                `gitlab-federation:gcp.jwksJson: duplicate key ${JSON.stringify(key)} in JSON text: an object holds each key once, and JSON readers differ on which of the two they keep; merge the two entries${where}`;
            const cases: [string, string][] = [
                ['{"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}], "keys": []}', duplicate("keys", "")],
                ['{"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "a", "kid": "b"}]}', duplicate("kid", " (in keys[0])")],
                ['{"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}, {"kty": "RSA", "n": "x", "\\u006e": "y", "e": "AQAB"}]}', duplicate("n", " (in keys[1])")],
            ];
            for (const [text, problem] of cases) {
                assert.deepEqual(problems(withKeys(text)), [problem], text);
            }
        });
    });

    describe("JSON text: duplicate keys", () => {
        it("the detector finds the first repeated key of any object, with its path, and nothing else", () => {
            assert.deepEqual(duplicateJsonKey('{"a": 1, "b": {"c": [1, {"d": 1, "d": 2}]}}'), { path: ["b", "c", 1], key: "d" });
            assert.deepEqual(duplicateJsonKey('{"a": "\\"a\\"", "b": ["a", "a"], "c": {"a": 1}, "d": "{\\"x\\":1,\\"x\\":2}"}'), undefined);
            assert.deepEqual(duplicateJsonKey('{"a\\\\": 1, "a\\u005c": 2}'), { path: [], key: "a\\" });
        });
        it("property: agrees with js-yaml, which refuses duplicate keys when it reads the same text as YAML", () => {
            // JSON written out by hand (JSON.stringify could not repeat a key), keys also spelled with escapes.
            const key = fc.constantFrom("a", "b", "\\u0061", "c");
            const value: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
                v: fc.oneof(
                    { depthSize: "small", withCrossShrink: true },
                    fc.constantFrom("1", "true", "null", '"a"', '"\\"a\\": 1"'),
                    fc.array(tie("v"), { maxLength: 3 }).map((items) => `[${items.join(", ")}]`),
                    fc.array(fc.tuple(key, tie("v")), { maxLength: 4 }).map((members) => `{${members.map(([k, v]) => `"${k}": ${v}`).join(", ")}}`),
                ),
            })).v;
            const yamlRefuses = (text: string): boolean => {
                try {
                    load(text, { schema: CORE_SCHEMA });
                    return false;
                } catch (error) {
                    assert.match((error as Error).message, /duplicate/i);
                    return true;
                }
            };
            fc.assert(fc.property(value, (text) => assert.equal(duplicateJsonKey(text) !== undefined, yamlRefuses(text), text)));
        });
        it("structured config values at run time and JSON text in a stack file are refused like duplicate YAML keys", () => {
            const read = mapFromStackConfig({ "gitlab-federation:gitlab": '{"url": "https://gitlab.example.com", "url": "https://evil.example.com"}', "gitlab-federation:projects": '{"a/b": {"id": 1, "grants": {}}}' }, { sections: SECTIONS });
            assert.deepEqual(read.problems, [
                {
                    path: "gitlab-federation:gitlab.url",
                    segments: ["gitlab", "url"],
                    message: 'duplicate key "url" in JSON text: an object holds each key once, and JSON readers differ on which of the two they keep; merge the two entries',
                },
            ]);
            assert.deepEqual(read.raw, { projects: { "a/b": { id: 1, grants: {} } } });
            const file = readStackFile(`config:\n  gitlab-federation:projects: '{"a/b": {"id": 1, "grants": {}}, "a/b": {"id": 2, "grants": {}}}'\n`, { sections: SECTIONS });
            assert.deepEqual(
                file.problems.map((p) => `${p.position !== undefined ? `${p.position.line}:${p.position.column} ` : ""}${p.path}: ${p.message}`),
                ['2:3 gitlab-federation:projects["a/b"]: duplicate key "a/b" in JSON text: an object holds each key once, and JSON readers differ on which of the two they keep; merge the two entries'],
            );
        });
    });

    describe('"$" in values GitLab expands (id_tokens aud, variables:)', () => {
        const dollar = (value: string) =>
            `must not contain "$" (got ${JSON.stringify(value)}): GitLab expands CI/CD variables in id_tokens aud and in variables:, where jobs get this value, so a variable such as $CI_JOB_TOKEN would be sent to the target; write the value literally`;
        it("audiences of every target and every URL", () => {
            const grant = { ref: "main", vault: { read: ["platform/api"] }, aws: {}, gcp: {} };
            const sections = (overrides: { vault?: object; aws?: object; gcp?: object; gitlab?: object }) => ({
                ...oneGrant(grant, { sections: { vault: { ...VAULT, ...overrides.vault }, aws: { ...AWS, ...overrides.aws }, gcp: { ...GCP, ...overrides.gcp } } }),
                gitlab: { ...GITLAB, ...overrides.gitlab },
            });
            const cases: [Parameters<typeof sections>[0], string, string][] = [
                [{ vault: { audience: "$CI_JOB_TOKEN" } }, "gitlab-federation:vault.audience", "$CI_JOB_TOKEN"],
                [{ vault: { audience: "https://vault.example.com/${CI_JOB_TOKEN}" } }, "gitlab-federation:vault.audience", "https://vault.example.com/${CI_JOB_TOKEN}"],
                [{ aws: { audience: "sts.amazonaws.com$CI_JOB_TOKEN" } }, "gitlab-federation:aws.audience", "sts.amazonaws.com$CI_JOB_TOKEN"],
                [{ gcp: { audience: "gcp-$CI_JOB_TOKEN" } }, "gitlab-federation:gcp.audience", "gcp-$CI_JOB_TOKEN"],
                [{ vault: { serverUrl: "https://vault.example.com/$CI_JOB_TOKEN" } }, "gitlab-federation:vault.serverUrl", "https://vault.example.com/$CI_JOB_TOKEN"],
                [{ gitlab: { jwksUrl: "https://gitlab.example.com/$X/keys" } }, "gitlab-federation:gitlab.jwksUrl", "https://gitlab.example.com/$X/keys"],
            ];
            for (const [overrides, path, value] of cases) {
                assert.deepEqual(problems(sections(overrides)), [`${path}: ${dollar(value)}`], value);
            }
            assert.deepEqual(problems(sections({ vault: { audience: "https://vault.example.com/ci" } })), []);
        });
        it("property: any audience with a $ is refused, the same audience without it is not", () => {
            const safe = fc.stringMatching(/^[A-Za-z0-9:/._-]{1,40}$/);
            fc.assert(
                fc.property(safe, safe, (before, after) => {
                    const audience = `${before}$${after}`;
                    assert.deepEqual(problems(oneGrant(VAULT_GRANT, { sections: { vault: { ...VAULT, audience } } })), [`gitlab-federation:vault.audience: ${dollar(audience)}`]);
                    assert.deepEqual(problems(oneGrant(VAULT_GRANT, { sections: { vault: { ...VAULT, audience: `${before}${after}` } } })), []);
                }),
                { numRuns: 50 },
            );
        });
    });
});
