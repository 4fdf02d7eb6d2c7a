/** Generated maps for `npm run bench`: two grants per project, Vault only or Vault + AWS. */
import { dump } from "js-yaml";

export type Raw = Record<string, unknown>;

/**
 * A map of `projects` projects numbered from `offset`, as stack config holds it. `narrowEvery`:
 * every n-th project's review grant requires a protected ref (1% of grants at 50).
 */
export function generate(projects: number, withAws: boolean, offset = 0, narrowEvery = 0): Raw {
    const map: Record<string, unknown> = {};
    for (let i = offset; i < offset + projects; i++) {
        const path = `group${i % 50}/project${i}`;
        map[path] = {
            id: i + 1,
            grants: {
                deploy: {
                    ref: "main",
                    environment: "production",
                    vault: { read: [`${path}/production`] },
                    ...(withAws ? { aws: { managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"], acknowledge: { environment: "read-only role, any job on main" } } } : {}),
                },
                review: { ref: "*", protected: narrowEvery > 0 && i % narrowEvery === 0, vault: { read: [`${path}/review`] } },
            },
        };
    }
    return JSON.parse(
        JSON.stringify({
            gitlab: { url: "https://gitlab.example.com" },
            vault: { authPath: "gitlab", audience: "https://vault.example.com", kvMount: "secret", audit: [{ type: "file", path: "/var/log/vault/audit.log" }] },
            // One role per project: up to 5,000, the quota IAM raises to at most (aws.quotas.roles).
            ...(withAws ? { aws: { audience: "sts.amazonaws.com", accountId: "111111111111", quotas: { roles: 5000 } } } : {}),
            projects: map,
        }),
    ) as Raw;
}

/** A stack file holding a generated map, as users write them. */
export function stackFile(raw: Raw): string {
    return dump({ config: Object.fromEntries(Object.entries(raw).map(([k, v]) => [`gitlab-federation:${k}`, v])) }, { lineWidth: -1 });
}
