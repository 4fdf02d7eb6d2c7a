/**
 * Azure's part of a grant's CI job: the exact piece, accepted by GitLab's CI schema
 * (gitlab-ci-local), and its shell run in a real sh with a fake `az` on PATH: a job-private token
 * file (mode 0600, removed by after_script), the login with the documented flags, AADSTS70021
 * (a credential still propagating) retried a bounded number of times, any other error failing
 * the job at once.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dump } from "js-yaml";
import { JOB_FILES_CLEANUP } from "../../../src/core/ci-shell";
import { AZURE_LOGIN_ATTEMPTS, azureCi, azureLoginScript } from "../../../components/azure/ci";
import type { CiPiece } from "../../../components/target";
import { schemaErrors } from "../../helpers/gitlab-ci-local";
import { temporaryDirectory } from "../../helpers/temp";
import { SUBSCRIPTION, TENANT } from "./fixtures";

const CLIENT = "5f2c1a3e-0d4b-4c6a-9e8f-1a2b3c4d5e6f";
const literal = (_name: string, value: string) => value;
const GRANT = { clientId: CLIENT, tenantId: TENANT, subscriptionId: SUBSCRIPTION, audience: "api://AzureADTokenExchange" };

function piece(): CiPiece {
    const result = azureCi(GRANT, literal);
    assert.ok(!("unavailable" in result));
    return result;
}

describe("Azure: the CI job", () => {
    it("the piece: the token for the stack's audience, the identity's client ID and tenant, the login, the cleanup", () => {
        assert.deepEqual(piece(), {
            idToken: { variable: "AZURE_ID_TOKEN", audience: "api://AzureADTokenExchange" },
            variables: { AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT, AZURE_SUBSCRIPTION_ID: SUBSCRIPTION },
            beforeScript: [azureLoginScript()],
            afterScript: [JOB_FILES_CLEANUP],
            comments: [
                "# Azure: az is logged in as the grant's identity; SDKs (DefaultAzureCredential) read AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE.",
                "# az reuses the ID token for later tokens (Key Vault, Storage): after its exp (the job timeout) they fail with AADSTS700024.",
            ],
        });
        assert.equal(
            azureLoginScript(),
            [
                "# Azure: the SDKs log in as $AZURE_CLIENT_ID with the token in this job-private file",
                `export AZURE_FEDERATED_TOKEN_FILE="$(mktemp "\${TMPDIR:-/tmp}/gitlab-federation-$CI_JOB_ID.XXXXXX")"`,
                `printf '%s' "$AZURE_ID_TOKEN" > "$AZURE_FEDERATED_TOKEN_FILE"`,
                "# A new federated credential takes minutes to reach Entra ID (AADSTS70021): log the CLI in,",
                "# retrying only that error, a bounded number of times",
                "if command -v az >/dev/null 2>&1; then",
                "  for attempt in 1 2 3 4 5; do",
                `    if error="$(az login --service-principal -u "$AZURE_CLIENT_ID" -t "$AZURE_TENANT_ID" --federated-token "$(cat "$AZURE_FEDERATED_TOKEN_FILE")" --allow-no-subscriptions --output none 2>&1 >/dev/null)"; then break; fi`,
                `    case "$error" in *AADSTS70021:*) if [ "$attempt" -lt 5 ]; then sleep $((attempt * 10)); continue; fi;; esac`,
                `    echo "$error" >&2; exit 1`,
                "  done",
                "fi",
            ].join("\n"),
        );
    });

    it("values go through the component-input callback; without a client ID the piece is unavailable", () => {
        const seen: string[] = [];
        azureCi(GRANT, (name, value) => {
            seen.push(name);
            return value;
        });
        assert.deepEqual(seen, ["azure_audience", "azure_client_id", "azure_tenant_id", "azure_subscription_id"]);
        const { clientId: _, ...planned } = GRANT;
        assert.deepEqual(azureCi(planned, literal), {
            unavailable: "the managed identity's client ID exists only once pulumi up has created it: generate from the deployed stack's contract (pulumi stack output contract --json | gitlab-federation ci --contract -); for the deployer's identities, set gitlab-federation:deployer.azure.clientIds from it",
        });
    });

    it("a job built from the piece is valid GitLab CI", () => {
        const p = piece();
        const job = {
            id_tokens: { [p.idToken.variable]: { aud: p.idToken.audience } },
            variables: p.variables,
            before_script: p.beforeScript,
            script: ["az group list"],
            after_script: p.afterScript,
        };
        assert.equal(schemaErrors({ ".gitlab-ci.yml": dump({ deploy: job }) }), undefined);
    });

    describe("run in a real shell", () => {
        const tmp = temporaryDirectory("ci-");
        const bin = temporaryDirectory("bin-");
        const tool = (name: string, text: string) => {
            writeFileSync(join(bin, name), text);
            chmodSync(join(bin, name), 0o755);
        };
        // A fake az: fails as scripted by $AZ_FAKE_ERRORS (one line per call), then succeeds; logs its calls.
        tool("az", `#!/bin/sh\necho "$*" >> "${bin}/calls"\nn=$(wc -l < "${bin}/calls")\nline=$(printf '%s\\n' "$AZ_FAKE_ERRORS" | sed -n "\${n}p")\nif [ -n "$line" ]; then echo "$line" >&2; exit 1; fi\necho '[{"cloudName": "AzureCloud"}]'\n`);
        tool("sleep", `#!/bin/sh\necho "$1" >> "${bin}/sleeps"\n`);
        const propagating = "ERROR: AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: 'https://gitlab.example.com'.";
        const run = (errors: readonly string[], path = `${bin}:/usr/bin:/bin`) => {
            writeFileSync(join(bin, "calls"), "");
            writeFileSync(join(bin, "sleeps"), "");
            const env = { PATH: path, TMPDIR: tmp, CI_JOB_ID: "779", AZURE_ID_TOKEN: "h.p.s", AZ_FAKE_ERRORS: errors.join("\n"), ...piece().variables };
            const result = spawnSync("sh", ["-c", `${piece().beforeScript.join("\n")}\necho "token file: $AZURE_FEDERATED_TOKEN_FILE"`], { encoding: "utf8", env });
            const lines = (file: string) => readFileSync(join(bin, file), "utf8").split("\n").filter((l) => l !== "");
            return { result, calls: lines("calls"), sleeps: lines("sleeps"), env };
        };

        it("the token in a job-private file, mode 0600, that after_script removes; az logged in with the documented flags", () => {
            const { result, calls, sleeps, env } = run([]);
            assert.equal(result.status, 0, result.stderr);
            assert.equal(result.stderr, "");
            assert.deepEqual(calls, [`login --service-principal -u ${CLIENT} -t ${TENANT} --federated-token h.p.s --allow-no-subscriptions --output none`]);
            assert.deepEqual(sleeps, []);
            const file = /token file: (.*)/.exec(result.stdout)![1]!;
            assert.ok(file.startsWith(join(tmp, "gitlab-federation-779.")));
            assert.equal(readFileSync(file, "utf8"), "h.p.s");
            assert.equal(statSync(file).mode & 0o777, 0o600);
            assert.equal(spawnSync("sh", ["-c", piece().afterScript.join("\n")], { env }).status, 0);
            assert.deepEqual(readdirSync(tmp), []);
        });

        it("AADSTS70021 is retried with growing waits, a bounded number of times", () => {
            const twice = run([propagating, propagating]);
            assert.equal(twice.result.status, 0, twice.result.stderr);
            assert.equal(twice.calls.length, 3);
            assert.deepEqual(twice.sleeps, ["10", "20"]);
            const always = run(Array(9).fill(propagating));
            assert.equal(always.result.status, 1);
            assert.equal(always.calls.length, AZURE_LOGIN_ATTEMPTS, "bounded: five attempts");
            assert.deepEqual(always.sleeps, ["10", "20", "30", "40"]);
            assert.equal(always.result.stderr, `${propagating}\n`);
        });

        it("any other error fails the job at once, with az's message", () => {
            for (const error of ["ERROR: AADSTS700212: No matching federated identity record found for presented assertion audience 'https://gitlab.example.com'.", "ERROR: AADSTS700024: Client assertion is not within its valid time range."]) {
                const once = run([error]);
                assert.equal(once.result.status, 1);
                assert.equal(once.calls.length, 1, "not retried");
                assert.equal(once.result.stderr, `${error}\n`);
            }
        });

        it("without az on the image: the token file only, no login", function () {
            if (spawnSync("sh", ["-c", "command -v az"], { env: { PATH: "/usr/bin:/bin" } }).status === 0) {
                this.skip();
            }
            const { result, calls } = run([], "/usr/bin:/bin");
            assert.equal(result.status, 0, result.stderr);
            assert.deepEqual(calls, []);
            assert.equal(readFileSync(/token file: (.*)/.exec(result.stdout)![1]!, "utf8"), "h.p.s");
        });
    });
});
