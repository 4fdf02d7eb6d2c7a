/**
 * An app team's stack: the platform/api project's artifact bucket, writable only by the role its
 * `deploy` grant assumes, and the CI/CD variables its pipeline needs, all read from the
 * gitlab-federation stack. Nothing is copied by hand: rename the role in the map and this stack
 * follows on its next `pulumi up`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { FederationReference } from "gitlab-federation";

const config = new pulumi.Config();
const federation = new FederationReference(config.get("federationStack") ?? "acme/gitlab-federation/dev");
const deploy = federation.grant("platform/api", "deploy");

const bucket = new aws.s3.Bucket("artifacts", { bucket: config.get("bucketName") ?? "acme-platform-api-artifacts" });

/** Only the deploy grant's role writes; nobody else, whatever their IAM policies say, outside the account's admins. */
export const bucketPolicy = new aws.s3.BucketPolicy("artifacts", {
    bucket: bucket.id,
    policy: pulumi.all([bucket.arn, deploy.aws.roleArn]).apply(([bucketArn, roleArn]) =>
        JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                { Sid: "DeployGrantWrites", Effect: "Allow", Principal: { AWS: roleArn }, Action: ["s3:PutObject"], Resource: `${bucketArn}/*` },
                { Sid: "NoOtherWriter", Effect: "Deny", NotPrincipal: { AWS: roleArn }, Action: ["s3:PutObject"], Resource: `${bucketArn}/*` },
            ],
        }),
    ),
}).policy;

/**
 * The CI/CD variables the platform/api pipeline needs, in GitLab's names (set them on the project,
 * e.g. with the GitLab provider, or use `gitlab-federation ci`, which writes the whole job).
 */
export const ciVariables = {
    VAULT_SERVER_URL: deploy.vault.serverUrl,
    VAULT_AUTH_PATH: deploy.vault.authPath,
    VAULT_AUTH_ROLE: deploy.vault.roleName,
    AWS_ROLE_ARN: deploy.aws.roleArn,
};

/** Where the deploy job's secrets live, for the team's runbooks. */
export const secretFolders = pulumi.all([deploy.vault.kvMount, deploy.vault.read]).apply(([mount, read]) => read.map((folder) => `${mount}/${folder}`));
