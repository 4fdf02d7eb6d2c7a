/** renamedFrom: a former path is a project's own (Vault) folder only for the project that held it. */
import { strict as assert } from "node:assert";
import { checkMap } from "../../src/features";

type Json = Record<string, any>;

describe("renamedFrom: a former path is a project's own folder only for the project that held it", () => {
    const VAULT = { authPath: "gitlab", audience: "https://vault.example.com", kvMount: "secret", auditManagedElsewhere: "the Vault team enables the devices in every cluster" };
    const grants = (read: string) => ({ deploy: { ref: "main", vault: { read: [read] } } });
    const problems = (projects: Json) => checkMap({ gitlab: { url: "https://gitlab.example.com" }, vault: VAULT, projects }).problems.map((p) => `${p.path}: ${p.message}`);
    const FIX = "renamedFrom makes a path this project's own secrets folder, and that folder would overlap another project's; set renamedFrom to the path this project had before its rename (one no other project's folder holds or lies in), or remove renamedFrom";

    it("refused inside another project's folder (a nested path)", () => {
        assert.deepEqual(problems({ "acme/payments": { id: 1, grants: grants("acme/payments/a") }, "acme/billing": { id: 2, renamedFrom: "acme/payments/old", grants: grants("acme/billing/a") } }), [
            `gitlab-federation:projects["acme/billing"].renamedFrom: "acme/payments/old" lies inside the folder "acme/payments/" of project acme/payments: ${FIX}`,
        ]);
    });

    it("refused around another project's folder (a nested project)", () => {
        assert.deepEqual(problems({ "acme/payments/api": { id: 1, grants: grants("acme/payments/api/a") }, "acme/billing": { id: 2, renamedFrom: "acme/payments", grants: grants("acme/billing/a") } }), [
            `gitlab-federation:projects["acme/billing"].renamedFrom: "acme/payments" holds the folder "acme/payments/api/" of project acme/payments/api: ${FIX}`,
        ]);
    });

    it("refused nested with another project's former folder, on both", () => {
        assert.deepEqual(problems({ "acme/x": { id: 1, renamedFrom: "acme/old", grants: grants("acme/x/a") }, "acme/billing": { id: 2, renamedFrom: "acme/old/sub", grants: grants("acme/billing/a") } }), [
            `gitlab-federation:projects["acme/billing"].renamedFrom: "acme/old/sub" lies inside "acme/old/", the former folder of gitlab-federation:projects["acme/x"] (its renamedFrom): ${FIX}`,
            `gitlab-federation:projects["acme/x"].renamedFrom: "acme/old" holds "acme/old/sub/", the former folder of gitlab-federation:projects["acme/billing"] (its renamedFrom): ${FIX}`,
        ]);
    });

    it("boundary pairs: a sibling path, and a path nested only with the project's own key, are its own", () => {
        assert.deepEqual(problems({ "acme/payments": { id: 1, grants: grants("acme/payments/a") }, "acme/billing": { id: 2, renamedFrom: "acme/payments-old", grants: grants("acme/payments-old/a") } }), []);
        assert.deepEqual(problems({ "acme/payments/v2": { id: 1, renamedFrom: "acme/payments", grants: grants("acme/payments/a") } }), []);
    });
});
