/**
 * AWS accounts (aws.accounts): each account is reached through its own Pulumi provider (an
 * aws.Provider that assumes a role in it, or uses a profile), except at most one, reached through
 * the stack's own AWS provider, whose resources keep the names of a map without accounts. Every
 * account has its own OIDC provider, role names, quotas and trust-policy limit; a grant's
 * aws.account names its account.
 *
 * The provider's arguments are those of pulumi-aws `ProviderArgs` (node_modules/@pulumi/aws/
 * provider.d.ts: `assumeRoles`, `profile`, `region`, `allowedAccountIds`; `ProviderAssumeRole` in
 * types/input.d.ts: `roleArn`, `externalId`, `sessionName`). allowedAccountIds makes the provider
 * refuse credentials of another account ("List of allowed AWS account IDs to prevent you from
 * mistakenly using an incorrect one", provider.d.ts).
 */
import type { Findings, PathSegment } from "../../src/core/findings";
import { meta } from "../../src/core/resources";
import type { PlannedGrant } from "../target";
import { RESOURCE } from "./names";
import type { AwsProviderEntry } from "./plan-schema";
import type { AwsAccountConfig, AwsConfig, AwsGrantConfig } from "./schema";

/** An account of the map, as planning sees it. */
export interface AwsAccount {
    /** Its key in aws.accounts; undefined in a map without aws.accounts. */
    readonly key?: string;
    /** The section as this account sees it: its id, and each of its settings, else the section's. */
    readonly config: AwsConfig;
    /** Where one of its settings is written: the account's own field, else the section's. */
    at(field: string): PathSegment[];
    /** The Pulumi provider that reaches it; undefined: the stack's own AWS provider. */
    readonly provider?: AwsProviderEntry;
}

/** Settings an account may set, each defaulting to the section's. */
const INHERITED = ["thumbprints", "rolePath", "permissionsBoundary", "trustPolicyMaxLength", "protect", "quotas", "tags"] as const;

/** Settings of the section that name one account: with aws.accounts, each account's own. */
const ONE_ACCOUNT = { accountId: "id", existingProviderArn: "existingProviderArn", adopt: "adopt" } as const;

/** The logical name of a resource of `account`: an account reached through its own provider prefixes its key (`prod:42/deploy`). */
export function accountName(account: AwsAccount, name: string): string {
    return account.provider === undefined ? name : `${account.key}:${name}`;
}

/** A resource entry's `resource` (and `account`) for `account`: its name and former names prefixed as accountName says. */
export function inAccount<M extends { readonly name: string; readonly aliases?: readonly string[] }>(account: AwsAccount, resource: M): { resource: M; account?: string } {
    const renamed = { ...resource, name: accountName(account, resource.name), ...(resource.aliases !== undefined ? { aliases: resource.aliases.map((a) => accountName(account, a)) } : {}) };
    return { resource: renamed, ...(account.key !== undefined ? { account: account.key } : {}) };
}

/**
 * The Pulumi provider of an account with assumeRole or profile. Its region: the account's, else
 * the stack's `aws:region` (an explicit provider does not read the stack's aws:region itself, only
 * the default provider does; without either it reads AWS_REGION like the default provider), so the
 * plan holds exactly what the program registers.
 */
function providerOf(key: string, account: AwsAccountConfig, stackRegion: string | undefined): AwsProviderEntry | undefined {
    if (account.assumeRole === undefined && account.profile === undefined) {
        return undefined;
    }
    return {
        resource: meta(RESOURCE.provider, key, false),
        account: key,
        allowedAccountIds: [account.id],
        ...(account.assumeRole !== undefined ? { assumeRoles: [{ ...account.assumeRole }] } : {}),
        ...(account.profile !== undefined ? { profile: account.profile } : {}),
        ...((account.region ?? stackRegion) !== undefined ? { region: account.region ?? stackRegion } : {}),
    };
}

/** One account of aws.accounts, its settings resolved. */
function accountOf(aws: AwsConfig, key: string, account: AwsAccountConfig, stackRegion: string | undefined): AwsAccount {
    const config: Record<string, unknown> = { ...aws, accountId: account.id, existingProviderArn: account.existingProviderArn, adopt: account.adopt };
    for (const field of INHERITED) {
        config[field] = account[field] ?? aws[field];
    }
    const provider = providerOf(key, account, stackRegion);
    return {
        key,
        config: config as AwsConfig,
        at: (field) => ((account as Record<string, unknown>)[field] !== undefined || !(INHERITED as readonly string[]).includes(field) ? ["aws", "accounts", key, field] : ["aws", field]),
        ...(provider !== undefined ? { provider } : {}),
    };
}

/** The rules of one account: one way to reach it, and a role to assume in it. */
function checkAccount(key: string, account: AwsAccountConfig, findings: Findings): void {
    const at = ["aws", "accounts", key];
    if (account.assumeRole !== undefined && account.profile !== undefined) {
        findings.problem(at, `sets both assumeRole and profile: Pulumi reaches an account one way; keep one of them`);
    }
    const roleAccount = account.assumeRole?.roleArn.split(":")[4];
    if (roleAccount !== undefined && roleAccount !== account.id) {
        findings.problem(
            [...at, "assumeRole", "roleArn"],
            `is a role of account ${roleAccount}, not of this account (id ${account.id}): the provider manages the account its credentials are in; assume a role of account ${account.id}`,
        );
    }
}

/** The rules across accounts: one reached through the stack's provider at most, each id once, none of the one-account settings in the section. */
function checkAccounts(aws: AwsConfig, accounts: Readonly<Record<string, AwsAccountConfig>>, findings: Findings): void {
    const keys = Object.keys(accounts);
    if (keys.length === 0) {
        findings.problem(["aws", "accounts"], `lists no account: list at least one, or remove aws.accounts`);
    }
    for (const [field, moved] of Object.entries(ONE_ACCOUNT)) {
        if ((aws as Record<string, unknown>)[field] !== undefined) {
            findings.problem(["aws", field], `names one account, and aws.accounts lists the accounts: move it to aws.accounts.<key>.${moved}`);
        }
    }
    const stackOwn = keys.filter((key) => accounts[key]!.assumeRole === undefined && accounts[key]!.profile === undefined);
    for (const key of stackOwn.slice(1)) {
        findings.problem(["aws", "accounts", key], `has neither assumeRole nor profile, like aws.accounts.${stackOwn[0]}: the stack's own AWS provider reaches one account; give this one assumeRole or profile`);
    }
    const ids = new Map<string, string>();
    for (const key of keys) {
        checkAccount(key, accounts[key]!, findings);
        const other = ids.get(accounts[key]!.id);
        if (other !== undefined) {
            findings.problem(["aws", "accounts", key, "id"], `${JSON.stringify(accounts[key]!.id)} is also the id of aws.accounts.${other}: list each account once`);
        }
        ids.set(accounts[key]!.id, key);
    }
}

/**
 * A role's permissions boundary is a managed policy of the role's own account, or an AWS managed
 * one (arn:<partition>:iam::aws:policy/...): IAM User Guide, "Permissions boundaries for IAM
 * entities" ("You can use an AWS managed policy or a customer managed policy to set the boundary");
 * a customer managed policy belongs to one account (IAM User Guide, "Managed policies and inline
 * policies": "Customer managed policies ... in your AWS account").
 */
function checkBoundaryAccount(account: AwsAccount, findings: Findings): void {
    const boundary = account.config.permissionsBoundary;
    const id = account.config.accountId;
    const owner = boundary?.split(":")[4];
    if (boundary === undefined || id === undefined || owner === "aws" || owner === id) {
        return;
    }
    const at = account.at("permissionsBoundary");
    const own = at.join(".");
    const whose = account.key !== undefined ? `the roles of aws.accounts.${account.key}` : "the stack's roles (aws.accountId)";
    const fix = `${boundary.split(":").slice(0, 4).join(":")}:${id}:${boundary.split(":").slice(5).join(":")}`;
    findings.problem(
        at,
        `${JSON.stringify(boundary)} is a policy of account ${owner}, and ${whose} are in account ${id}: a role's permissions boundary is a managed policy of its own account or an AWS managed one; set ${account.key !== undefined ? `aws.accounts.${account.key}.permissionsBoundary` : own} to a policy of account ${id}, e.g. ${JSON.stringify(fix)}`,
    );
}

/** The accounts of the section: the one of a map without aws.accounts, or those it lists (checked). */
export function resolveAccounts(aws: AwsConfig, findings: Findings, stackRegion?: string): AwsAccount[] {
    const single = (): AwsAccount[] => [{ config: aws, at: (field) => ["aws", field] }];
    if (aws.accounts !== undefined) {
        checkAccounts(aws, aws.accounts, findings);
    }
    const accounts =
        aws.accounts === undefined || Object.keys(aws.accounts).length === 0
            ? single()
            : Object.keys(aws.accounts)
                  .sort()
                  .map((key) => accountOf(aws, key, aws.accounts![key]!, stackRegion));
    accounts.forEach((account) => checkBoundaryAccount(account, findings));
    return accounts;
}

/** The account of a grant (aws.account, else the only one); undefined, with a problem, where it names none or an unknown one. The deployer's identities are the stack's own account's. */
export function accountOfGrant(item: PlannedGrant<AwsGrantConfig>, accounts: readonly AwsAccount[], findings: Findings): AwsAccount | undefined {
    const named = item.identity === undefined ? item.fields.account : undefined;
    const keys = accounts.map((a) => a.key).filter((k): k is string => k !== undefined);
    if (named === undefined) {
        if (accounts.length === 1 || item.identity !== undefined) {
            return accounts.find((a) => a.provider === undefined) ?? accounts[0];
        }
        findings.problem(item.at, `names no account, and aws.accounts lists ${keys.length} (${keys.join(", ")}): set aws.account to one of them`);
        return undefined;
    }
    if (keys.length === 0) {
        findings.problem([...item.at, "account"], `${JSON.stringify(named)} names an account, but the map has no aws.accounts: remove aws.account, or list the accounts under aws.accounts`);
        return undefined;
    }
    const found = accounts.find((a) => a.key === named);
    if (found === undefined) {
        findings.problem([...item.at, "account"], `${JSON.stringify(named)} is not an account of aws.accounts; allowed: ${keys.join(", ")}`);
    }
    return found;
}
