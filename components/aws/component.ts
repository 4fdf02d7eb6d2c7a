/**
 * AWS component: the IAM OIDC provider for GitLab and the grants' roles, exactly as the plan's
 * `aws` section says (trust policies, names and checks come from plan.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { argsOf } from "../../src/core/resources";
import { lookup, optionsOf } from "../../src/pulumi/options";
import type { TargetComponents } from "../target";
import { COMPONENT } from "./names";
import { withFederatedPrincipal } from "./trust";
import { AWS_ROLE_INFORMATIONAL, AwsPlan, AwsSummary } from "./plan-schema";

export interface AwsOidcFederationArgs {
    /** The AWS part of the plan. */
    readonly plan: AwsPlan;
}

/**
 * `gitlab-federation:aws:OidcFederation`: one `aws.iam.OpenIdConnectProvider` (protected by
 * default; none when the plan uses an existing provider), and per grant an `aws.iam.Role`
 * whose trust policy names the provider's ARN output, its managed-policy attachments (keyed by
 * ARN) and its inline policy.
 */
export class AwsOidcFederation extends pulumi.ComponentResource {
    readonly provider?: aws.iam.OpenIdConnectProvider;
    /** ARN of the OIDC provider the roles trust. */
    readonly providerArn: pulumi.Output<string>;
    /** Roles by IAM role name. */
    readonly roles: ReadonlyMap<string, aws.iam.Role>;

    constructor(name: string, args: AwsOidcFederationArgs, opts?: pulumi.ComponentResourceOptions) {
        super(COMPONENT.oidc, name, {}, opts);
        const { plan } = args;
        const [providerEntry] = plan.oidcProviders;
        if (providerEntry !== undefined) {
            this.provider = new aws.iam.OpenIdConnectProvider(providerEntry.resource.name, argsOf(providerEntry), optionsOf(providerEntry.resource, this));
        }
        this.providerArn = this.provider?.arn ?? pulumi.output(plan.providerArn);
        this.roles = new Map(
            plan.roles.map((entry) => [
                entry.name,
                new aws.iam.Role(
                    entry.resource.name,
                    {
                        ...argsOf(entry, AWS_ROLE_INFORMATIONAL),
                        assumeRolePolicy: this.providerArn.apply((arn) => JSON.stringify(withFederatedPrincipal(entry.assumeRolePolicy, arn))),
                    },
                    optionsOf(entry.resource, this),
                ),
            ]),
        );
        for (const entry of plan.rolePolicyAttachments) {
            new aws.iam.RolePolicyAttachment(entry.resource.name, { ...argsOf(entry), role: lookup(this.roles, entry.role, "IAM role").name }, optionsOf(entry.resource, this));
        }
        for (const entry of plan.rolePolicies) {
            new aws.iam.RolePolicy(
                entry.resource.name,
                { ...argsOf(entry), role: lookup(this.roles, entry.role, "IAM role").name, policy: JSON.stringify(entry.policy) },
                optionsOf(entry.resource, this),
            );
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
                grant: (summary) => {
                    const role = lookup(federation.roles, summary.roleName, "IAM role");
                    return { roleArn: role.arn, roleName: role.name };
                },
            },
        };
    },
};
