/** A realistic map with Vault, AWS, GCP and Akeyless grants and a deployer: the dev map plus Akeyless. */
import { clone, devMap } from "../../helpers/maps";

export const AKEYLESS_SECTION = { folder: "/gitlab-federation/dev", audience: "https://akeyless.example.com/dev", boundIps: ["10.20.0.0/16"] };

export const AKEYLESS_DEPLOYER = {
    folder: "/gitlab-federation-admin/dev",
    accessId: "p-deployer0dev",
    acknowledgeRoles: "every map change is reviewed in a merge request, and up:dev runs only reviewed code from protected main",
};

export function akeylessMap(): Record<string, any> {
    const raw = clone(devMap()) as Record<string, any>;
    raw.akeyless = clone(AKEYLESS_SECTION);
    raw.deployer.akeyless = clone(AKEYLESS_DEPLOYER);
    raw.projects["platform/api"].grants.deploy.akeyless = { read: ["/platform/api/production", "/platform/api/shared"] };
    raw.projects["platform/web"].grants.deploy.akeyless = { read: ["/platform/web/production"] };
    return raw;
}
