/**
 * AWS component: the IAM OIDC provider for GitLab and the grants' roles, exactly as the plan's
 * `aws` section says (trust policies, names and checks come from plan.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ResourceMeta, argsOf } from "../../src/core/resources";
import { lookup, optionsOf } from "../../src/pulumi/options";
import type { TargetComponents } from "../target";
import { COMPONENT, roleKey } from "./names";
import { jobIdentity, providerArgsFor } from "./job-identity";
import { withFederatedPrincipal } from "./trust";
import { AWS_INFORMATIONAL, AWS_ROLE_INFORMATIONAL, AwsPlan, AwsSummary } from "./plan-schema";

export interface AwsOidcFederationArgs {
    /** The AWS part of the plan. */
    readonly plan: AwsPlan;
}

/**
 * `gitlab-federation:aws:OidcFederation`: per account an `aws.iam.OpenIdConnectProvider`
 * (protected by default; none when the account uses an existing provider), and per grant an
 * `aws.iam.Role` whose trust policy names its account's provider ARN output, its managed-policy
 * attachments (keyed by ARN) and its inline policy. An account of aws.accounts with assumeRole
 * or profile gets an `aws.Provider`, and every resource of that account is registered with it;
 * the others use the stack's own AWS provider.
 */
export class AwsOidcFederation extends pulumi.ComponentResource {
    /** ARN of the OIDC provider the roles trust (the first account's, with aws.accounts). */
    readonly providerArn: pulumi.Output<string>;
    /** Roles by IAM role name, and by account key and name (`<key>:<name>`) with aws.accounts. */
    readonly roles: ReadonlyMap<string, aws.iam.Role>;

    constructor(name: string, args: AwsOidcFederationArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT.oidc, name, {}, opts);
        const { plan } = args;
        // A pipeline job's provider of each account assumes the deployer's role there (job-identity.ts).
        const identity = (plan.providers ?? []).length > 0 ? jobIdentity(process.env) : undefined;
        const accounts = new Map((plan.accounts ?? []).map((a) => [a.key, a]));
        const providers = new Map(
            (plan.providers ?? []).map((entry) => {
                const args = providerArgsFor(argsOf(entry, AWS_INFORMATIONAL), accounts.get(entry.account) ?? { key: entry.account }, identity);
                return [entry.account, new aws.Provider(entry.resource.name, args as aws.ProviderArgs, optionsOf(entry.resource, this))];
            }),
        );
        const options = (entry: { readonly resource: ResourceMeta; readonly account?: string }) => {
            const provider = entry.account !== undefined ? providers.get(entry.account) : undefined;
            return optionsOf(entry.resource, this, provider !== undefined ? { provider } : {});
        };
        const oidc = new Map(plan.oidcProviders.map((entry) => [entry.account ?? "", new aws.iam.OpenIdConnectProvider(entry.resource.name, argsOf(entry, AWS_INFORMATIONAL), options(entry)).arn]));
        const trusted = new Map((plan.accounts ?? [{ key: "", providerArn: plan.providerArn }]).map((a) => [a.key, oidc.get(a.key) ?? pulumi.output(a.providerArn)]));
        this.providerArn = trusted.values().next().value!;
        const roles = new Map(
            plan.roles.map((entry) => [
                roleKey(entry.account, entry.name),
                new aws.iam.Role(
                    entry.resource.name,
                    {
                        ...argsOf(entry, AWS_ROLE_INFORMATIONAL),
                        assumeRolePolicy: lookup(trusted, entry.account ?? "", "AWS account").apply((arn) => JSON.stringify(withFederatedPrincipal(entry.assumeRolePolicy, arn))),
                    },
                    options(entry),
                ),
            ]),
        );
        this.roles = roles;
        for (const entry of plan.rolePolicyAttachments) {
            new aws.iam.RolePolicyAttachment(entry.resource.name, { ...argsOf(entry, AWS_INFORMATIONAL), role: lookup(roles, roleKey(entry.account, entry.role), "IAM role").name }, options(entry));
        }
        for (const entry of plan.rolePolicies) {
            new aws.iam.RolePolicy(entry.resource.name, { ...argsOf(entry, AWS_INFORMATIONAL), role: lookup(roles, roleKey(entry.account, entry.role), "IAM role").name, policy: JSON.stringify(entry.policy) }, options(entry));
        }
        this.registerOutputs({ providerArn: this.providerArn });
    }
}

/** Registers the AWS plan under `parent`. */
export const components: TargetComponents<AwsPlan, AwsSummary> = {
    register(plan, parent) {
        const federation = new AwsOidcFederation("aws", { plan }, { parent: parent as pulumi.Resource });
        // The plan writes <account-id> where the map names no account; the resources know it.
        return {
            contract: {
                section: { oidcProviderArn: federation.providerArn },
                // An account of aws.accounts has a known id: its role ARNs are the plan's (the stack's own provider may not be the account's).
                grant: (summary) => {
                    const role = lookup(federation.roles, roleKey(summary.account, summary.roleName), "IAM role");
                    return { roleArn: summary.account !== undefined ? summary.roleArn : role.arn, roleName: role.name };
                },
            },
        };
    },
};
