/**
 * Azure built-in roles the map may name, and what makes a role broad.
 *
 * Names and IDs: "Azure built-in roles" (MicrosoftDocs/azure-docs
 * articles/role-based-access-control/built-in-roles.md, ms.date 04/09/2026, read at commit
 * 00a583295ba737a5caf885472cb3bca3624e9cde; https://learn.microsoft.com/azure/role-based-access-control/built-in-roles),
 * the "ID" column of each category's table. A built-in role's ID is the same in every tenant.
 * The table holds the roles CI jobs commonly need; any other role is named by its GUID and, since
 * its permissions cannot be read offline, needs allowBroad like a custom role.
 *
 * Privilege, from the same page's descriptions and the per-category pages:
 * - assignsRoles: writes role assignments (Owner "including the ability to assign roles in
 *   Azure RBAC"; User Access Administrator; Role Based Access Control Administrator; Key Vault
 *   Data Access Administrator "adding or removing role assignments ... Includes an ABAC condition").
 * - identities: writes or attaches user-assigned identities (Contributor "Grants full access to
 *   manage all resources"; Managed Identity Contributor "Create, Read, Update, and Delete User
 *   Assigned Identity", which includes federatedIdentityCredentials/write
 *   (built-in-roles/identity.md); Managed Identity Operator "Read and Assign User Assigned
 *   Identity"). Broad where a grant's or the deployer's identity lives: whoever holds it there can
 *   make that identity trust its own token, or run code as it.
 */
import { suggest } from "../../src/core/parse";
import { GUID } from "./schema";

export type Privilege = "assignsRoles" | "identities";

export interface BuiltInRole {
    readonly name: string;
    /** The role definition's GUID, lowercase. */
    readonly id: string;
    readonly privilege?: Privilege;
}

const role = (name: string, id: string, privilege?: Privilege): BuiltInRole => (privilege === undefined ? { name, id } : { name, id, privilege });

export const BUILT_IN_ROLES: readonly BuiltInRole[] = [
    // Privileged
    role("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c", "identities"),
    role("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "assignsRoles"),
    role("Role Based Access Control Administrator", "f58310d9-a9f6-439a-9e8d-f62e7b41a168", "assignsRoles"),
    role("User Access Administrator", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "assignsRoles"),
    // General
    role("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7"),
    // Compute
    role("Virtual Machine Contributor", "9980e02c-c2be-4d73-94e8-173b1dc7cf3c"),
    // Networking
    role("CDN Endpoint Contributor", "426e0c7f-0c7e-4658-b36f-ff54d6c29b45"),
    role("CDN Profile Contributor", "ec156ff8-a8d1-4d15-830c-5b80698ca432"),
    role("DNS Zone Contributor", "befefa01-2a29-4197-83a8-272ff33ce314"),
    role("Network Contributor", "4d97b98b-1d4f-4787-a291-c67834d212e7"),
    role("Private DNS Zone Contributor", "b12aa53e-6015-4669-85d0-8515ebb3ae7f"),
    // Storage
    role("Storage Account Contributor", "17d1049b-9a84-46fb-8f53-869881c3d3ab"),
    role("Storage Blob Data Contributor", "ba92f5b4-2d11-453d-a403-e96b0029c9fe"),
    role("Storage Blob Data Owner", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"),
    role("Storage Blob Data Reader", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"),
    role("Storage Blob Delegator", "db58b8e5-c6ad-4a2a-8342-4190687cbf4a"),
    role("Storage File Data SMB Share Contributor", "0c867c2a-1d8c-454a-a3db-ab2ea1bdc8bb"),
    role("Storage File Data SMB Share Reader", "aba4ae5f-2193-4029-9191-0cb91df5e314"),
    role("Storage Queue Data Contributor", "974c5e8b-45b9-4653-ba55-5f855dd0fb88"),
    role("Storage Queue Data Message Processor", "8a0f0c08-91a1-4084-bc3d-661d67233fed"),
    role("Storage Queue Data Message Sender", "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a"),
    role("Storage Queue Data Reader", "19e7f393-937e-4f77-808e-94535e297925"),
    role("Storage Table Data Contributor", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"),
    role("Storage Table Data Reader", "76199698-9eea-4c19-bc75-cec21354c6b6"),
    // Web and Mobile
    role("Web Plan Contributor", "2cc479cb-7b4d-49a8-b449-8c00fd0f0a4b"),
    role("Website Contributor", "de139f84-1756-47ae-9be6-808fbbe84772"),
    // Containers
    role("AcrDelete", "c2f4ef07-c644-48eb-af81-4b1b4947fb11"),
    role("AcrPull", "7f951dda-4ed3-4680-a7ca-43fe172d538d"),
    role("AcrPush", "8311e382-0749-4cb8-b61a-304f252e45ec"),
    role("Azure Container Instances Contributor Role", "5d977122-f97e-4b4d-a52f-6b43003ddb4d"),
    role("Azure Kubernetes Service Cluster Admin Role", "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8"),
    role("Azure Kubernetes Service Cluster User Role", "4abbcc35-e782-43d8-92c5-2d3f1bd2253f"),
    role("Azure Kubernetes Service Contributor Role", "ed7f3fbd-7b88-4dd4-9017-9adb7ce333f8"),
    role("Azure Kubernetes Service RBAC Admin", "3498e952-d568-435e-9b2c-8d77e338d7f7"),
    role("Azure Kubernetes Service RBAC Cluster Admin", "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"),
    role("Azure Kubernetes Service RBAC Reader", "7f6c6a51-bcf8-42ba-9220-52d62157d7db"),
    role("Azure Kubernetes Service RBAC Writer", "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb"),
    role("Container Apps Contributor", "358470bc-b998-42bd-ab17-a7e34c199c0f"),
    role("Container Apps Jobs Contributor", "4e3d2b60-56ae-4dc6-a233-09c8e5a82e68"),
    role("Container Apps Operator", "f3bd1b5c-91fa-40e7-afe7-0c11d331232c"),
    role("Container Registry Repository Contributor", "2efddaa5-3f1f-4df3-97df-af3f13818f4c"),
    role("Container Registry Repository Reader", "b93aa761-3e63-49ed-ac28-beffa264f7ac"),
    role("Container Registry Repository Writer", "2a1e307c-b015-4ebd-883e-5b7698a07328"),
    // Databases
    role("Cosmos DB Operator", "230815da-be43-4aae-9cb4-875f7bd000aa"),
    role("DocumentDB Account Contributor", "5bd9cd88-fe45-4216-938b-f97437e15450"),
    role("Redis Cache Contributor", "e0f68234-74aa-48ed-b826-c38b57376e17"),
    role("SQL DB Contributor", "9b7fa17d-e63e-47b0-bb0a-15c516ac86ec"),
    role("SQL Server Contributor", "6d8ee4ec-f05a-4a1d-8b00-a9b17e38b437"),
    // Analytics
    role("Azure Event Hubs Data Owner", "f526a384-b230-433a-b45c-95f59c4a2dec"),
    role("Azure Event Hubs Data Receiver", "a638d3c7-ab3a-418d-83e6-5f17a39d4fde"),
    role("Azure Event Hubs Data Sender", "2b629674-e913-4c01-ae53-ef4638d8f975"),
    role("Data Factory Contributor", "673868aa-7521-48a0-acc6-0f60742d39f5"),
    // Integration
    role("API Management Service Contributor", "312a565d-c81f-4fd8-895a-4e21e48d571c"),
    role("App Configuration Data Owner", "5ae67dd6-50cb-40e7-96ff-dc2bfa4b606b"),
    role("App Configuration Data Reader", "516239f1-63e1-4d78-a4de-a74fb236a071"),
    role("Azure Service Bus Data Owner", "090c5cfd-751d-490a-894a-3ce6f1109419"),
    role("Azure Service Bus Data Receiver", "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0"),
    role("Azure Service Bus Data Sender", "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39"),
    role("EventGrid Data Sender", "d5a91429-5739-47e2-a06b-3470a27159e7"),
    role("Logic App Contributor", "87a39d53-fc1b-424a-814c-f7e04687dc9e"),
    // Identity
    role("Managed Identity Contributor", "e40ec5ca-96e0-45a2-b4ff-59039f2c2b59", "identities"),
    role("Managed Identity Operator", "f1a07417-d97a-45cb-824c-7a7467783830", "identities"),
    // Security
    role("Key Vault Administrator", "00482a5a-887f-4fb3-b363-3b7fe8e74483"),
    role("Key Vault Certificate User", "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba"),
    role("Key Vault Certificates Officer", "a4417e6f-fecd-4de8-b567-7b0420556985"),
    role("Key Vault Contributor", "f25e0fa2-a7c8-4377-a976-54943a77a395"),
    role("Key Vault Crypto Officer", "14b46e9e-c2b7-41b4-b07b-48a6ebf60603"),
    role("Key Vault Crypto User", "12338af0-0e69-4776-bea7-57ae8d297424"),
    role("Key Vault Data Access Administrator", "8b54135c-b56d-4d72-a534-26097cfdc8d8", "assignsRoles"),
    role("Key Vault Reader", "21090545-7ca7-4776-b22c-e363652d74d2"),
    role("Key Vault Secrets Officer", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"),
    role("Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6"),
    // Monitor
    role("Application Insights Component Contributor", "ae349356-3a1b-4a5e-921d-050484c6347e"),
    role("Log Analytics Contributor", "92aaf0da-9dab-42b6-94a3-d43ce8d16293"),
    role("Log Analytics Reader", "73c42c96-874c-492b-b04d-ab87d138a893"),
    role("Monitoring Contributor", "749f88d5-cbae-40b8-bcfc-e573ddc772fa"),
    role("Monitoring Metrics Publisher", "3913510d-42f4-4e42-8a64-420c390055eb"),
    role("Monitoring Reader", "43d0d8ad-25c7-4714-9337-8ba259a9fe05"),
];

const BY_NAME = new Map(BUILT_IN_ROLES.map((r) => [r.name, r]));
const BY_ID = new Map(BUILT_IN_ROLES.map((r) => [r.id, r]));

/** The roles the deployer itself gets (deployer.ts), by name. */
export const READER = BY_NAME.get("Reader")!;
export const MANAGED_IDENTITY_CONTRIBUTOR = BY_NAME.get("Managed Identity Contributor")!;
export const RBAC_ADMINISTRATOR = BY_NAME.get("Role Based Access Control Administrator")!;

/** A role the map names, resolved: a built-in role of the table, or a GUID the table does not know (a custom role, or a built-in role outside the table). */
export type ResolvedRole = { readonly kind: "builtIn"; readonly role: BuiltInRole } | { readonly kind: "unknownId"; readonly id: string };

/** Resolves a role as written in the map, or says why it cannot. */
export function resolveRole(written: string): ResolvedRole | { readonly problem: string } {
    if (GUID.test(written)) {
        const id = written.toLowerCase();
        const known = BY_ID.get(id);
        return known !== undefined ? { kind: "builtIn", role: known } : { kind: "unknownId", id };
    }
    const known = BY_NAME.get(written);
    if (known !== undefined) {
        return { kind: "builtIn", role: known };
    }
    const guess = suggest(written, [...BY_NAME.keys()]);
    return {
        problem: `${JSON.stringify(written)} is not a built-in role this program knows${guess === undefined ? "" : ` (did you mean ${JSON.stringify(guess)}?)`}: write a built-in role's exact name, or the role definition's GUID (the ID column of "Azure built-in roles", or az role definition list --name "<name>" --query [].name), which needs azure.allowBroad unless it is one of the known roles`,
    };
}

/** The role's GUID. */
export function roleId(resolved: ResolvedRole): string {
    return resolved.kind === "builtIn" ? resolved.role.id : resolved.id;
}

/** How the plan and messages name a role: its built-in name, or its GUID. */
export function roleLabel(resolved: ResolvedRole): string {
    return resolved.kind === "builtIn" ? resolved.role.name : resolved.id;
}
