/** Resource type tokens come from one place per target (names.ts); they must be the SDK classes' own. */
import { strict as assert } from "node:assert";
import * as aws from "@pulumi/aws";
import * as gcp from "@pulumi/gcp";
import * as vault from "@pulumi/vault";
import { RESOURCE as AWS } from "../../components/aws/names";
import { RESOURCE as GCP } from "../../components/gcp/names";
import { RESOURCE as VAULT } from "../../components/vault/names";

describe("resource type tokens", () => {
    it("equal the __pulumiType of the classes the components instantiate", () => {
        const pairs: [string, { __pulumiType: string }][] = [
            [VAULT.authBackend, vault.jwt.AuthBackend as never],
            [VAULT.role, vault.jwt.AuthBackendRole as never],
            [VAULT.policy, vault.Policy as never],
            [VAULT.mount, vault.Mount as never],
            [VAULT.audit, vault.Audit as never],
            [AWS.oidcProvider, aws.iam.OpenIdConnectProvider as never],
            [AWS.role, aws.iam.Role as never],
            [AWS.rolePolicyAttachment, aws.iam.RolePolicyAttachment as never],
            [AWS.rolePolicy, aws.iam.RolePolicy as never],
            // A provider's URN type is pulumi:providers:<package> (sdk/nodejs/resource.ts ProviderResource); its class's __pulumiType is the package.
            [AWS.provider, { __pulumiType: `pulumi:providers:${(aws.Provider as unknown as { __pulumiType: string }).__pulumiType}` }],
            [GCP.pool, gcp.iam.WorkloadIdentityPool as never],
            [GCP.provider, gcp.iam.WorkloadIdentityPoolProvider as never],
            [GCP.serviceAccount, gcp.serviceaccount.Account as never],
            [GCP.serviceAccountIamMember, gcp.serviceaccount.IAMMember as never],
            [GCP.projectIamMember, gcp.projects.IAMMember as never],
            [GCP.bucketIamMember, gcp.storage.BucketIAMMember as never],
            [GCP.cryptoKeyIamMember, gcp.kms.CryptoKeyIAMMember as never],
            [GCP.projectProvider, { __pulumiType: `pulumi:providers:${(gcp.Provider as unknown as { __pulumiType: string }).__pulumiType}` }],
            [GCP.folderIamMember, gcp.folder.IAMMember as never],
            [GCP.repositoryIamMember, gcp.artifactregistry.RepositoryIamMember as never],
            [GCP.cloudRunServiceIamMember, gcp.cloudrunv2.ServiceIamMember as never],
            [GCP.secretIamMember, gcp.secretmanager.SecretIamMember as never],
        ];
        for (const [token, resourceClass] of pairs) {
            assert.equal(resourceClass.__pulumiType, token);
        }
        assert.equal(pairs.length, Object.keys(VAULT).length + Object.keys(AWS).length + Object.keys(GCP).length, "every token is checked");
    });
});
