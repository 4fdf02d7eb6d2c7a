/**
 * An app team's stack: the platform/api project's artifact bucket, into which only the role its
 * `deploy` grant assumes puts objects, and the CI/CD variables its pipeline needs, all read from the
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

/**
 * Only the deploy grant's role puts objects here. Its sessions (the CI jobs) are allowed by name;
 * every other principal is denied s3:PutObject whatever its IAM policies say, administrators
 * included. Administrators keep the bucket policy itself (not denied): changing it is how they
 * write here when they must.
 * The Deny exempts the role by `aws:PrincipalArn`, which for a role session is the role's ARN
 * (with its path), not the session's `arn:aws:sts::<account>:assumed-role/<name>/<session>` (IAM
 * User Guide, AWS global condition context keys, aws:PrincipalArn). A `NotPrincipal` naming the
 * role would deny the role's own sessions too (IAM User Guide, NotPrincipal: AWS may check the
 * account, the role and the session), and AWS recommends this form instead (Principal, All
 * principals). The Allow names the role as Principal, so its permissions boundary still applies.
 */
export const bucketPolicy = new aws.s3.BucketPolicy("artifacts", {
    bucket: bucket.id,
    policy: pulumi.all([bucket.arn, deploy.aws.roleArn]).apply(([bucketArn, roleArn]) =>
        JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                { Sid: "DeployGrantWrites", Effect: "Allow", Principal: { AWS: roleArn }, Action: ["s3:PutObject"], Resource: `${bucketArn}/*` },
                { Sid: "NoOtherWriter", Effect: "Deny", Principal: "*", Action: ["s3:PutObject"], Resource: `${bucketArn}/*`, Condition: { ArnNotEquals: { "aws:PrincipalArn": roleArn } } },
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
