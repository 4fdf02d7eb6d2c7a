/**
 * The part of Akeyless's REST API (the "V2" API) the Akeyless target calls, as zod schemas: one
 * entry per command, with the OpenAPI operation name, the request body and the response body.
 *
 * Wire facts, from the generated JavaScript SDK npm `akeyless@5.0.23` (the newest description of
 * the API available) `dist/api/V2Api.js` and `dist/model/*.js`, and akeylesslabs/akeyless-go
 * v4.1.0 `api/openapi.yaml`:
 * - every command is `POST <base>/<command>` with a JSON body and no path, query or header
 *   parameters (V2Api.js: each operation calls `callApi('/<command>', 'POST', …)` with
 *   `authNames = []`); the admin token travels in the body as `token`;
 * - request fields are kebab-case (`role-name`, `jwks-uri`) except `delete_protection`, and
 *   response fields are snake_case (`role_auth_methods_assoc`) (the models' `constructFromObject`);
 * - `case-sensitive` and `delete_protection` are the strings "true"/"false" in requests, booleans
 *   in responses; `force-sub-claims` is a JSON boolean (models AssocRoleAuthMethod,
 *   AuthMethodCreateOauth2, Role, RoleAuthMethodAssociation);
 * - an error answers `{"error": "<message>"}` (openapi.yaml component `errorResponse`, model JSONError).
 *
 * Request schemas are strict: a field the model does not have is a bug on our side. Response
 * schemas are loose (Akeyless adds fields) and type only what the target reads; Go encodes an
 * empty list as null, so lists are nullish.
 */
import { z } from "zod";

/** The public API (akeyless-go api/openapi.yaml `servers`; terraform-provider-akeyless akeyless/provider.go `publicApi`). */
export const DEFAULT_API_URL = "https://api.akeyless.io";

const flag = z.enum(["true", "false"]);
const strings = z.array(z.string());
const nullableStrings = strings.nullish();

/** Sub-claims as sent: claim name to a comma-separated list of accepted values (model AssocRoleAuthMethod `sub-claims`). */
export const SubClaimsWire = z.record(z.string(), z.string());

/** Sub-claims as read back: claim name to the list of values (models RoleAuthMethodAssociation, RoleAssociationDetails). */
const SubClaimsRead = z.record(z.string(), strings).nullish();

/**
 * Login (model Auth). `access_key` is the model's documented default `access-type`; `jwt` is
 * the OAuth2/JWT type (Auth `access-type` description; akeyless-community/akeyless-github-action
 * src/auth.js `jwtLogin`; gitlab-runner helpers/akeyless/service/akeyless.go `AccessTypeJWT`).
 */
export const AuthRequest = z.discriminatedUnion("access-type", [
    z.strictObject({ "access-type": z.literal("access_key"), "access-id": z.string().min(1), "access-key": z.string().min(1) }),
    z.strictObject({ "access-type": z.literal("jwt"), "access-id": z.string().min(1), jwt: z.string().min(1) }),
]);

const AuthOutput = z.looseObject({ token: z.string().min(1), expiration: z.string().nullish() });

/** The OAuth2/JWT auth method fields the target manages (model AuthMethodCreateOauth2). */
const oauth2Fields = {
    name: z.string().min(1),
    "unique-identifier": z.string().min(1),
    "jwks-uri": z.string(),
    issuer: z.string(),
    audience: z.string(),
    "force-sub-claims": z.boolean(),
    "jwt-ttl": z.number().int().min(0),
    "bound-ips": strings,
    "subclaims-delimiters": strings,
    description: z.string(),
    delete_protection: flag,
};

const AuthMethodCreateOauth2 = z.strictObject(oauth2Fields);
/** Update takes the full body plus `new-name` (model AuthMethodUpdateOauth2). */
const AuthMethodUpdateOauth2 = z.strictObject({ ...oauth2Fields, "new-name": z.string().min(1) });
const ByName = z.strictObject({ name: z.string().min(1) });

const OAuth2AccessRules = z.looseObject({
    jwks_uri: z.string().nullish(),
    issuer: z.string().nullish(),
    audience: z.string().nullish(),
    unique_identifier: z.string().nullish(),
});

/** An auth method as `auth-method-get` returns it (models AuthMethod, AuthMethodAccessInfo, OAuth2AccessRules). */
export const AuthMethod = z.looseObject({
    auth_method_name: z.string(),
    auth_method_access_id: z.string(),
    description: z.string().nullish(),
    delete_protection: z.boolean().nullish(),
    access_info: z
        .looseObject({
            jwt_ttl: z.number().nullish(),
            force_sub_claims: z.boolean().nullish(),
            /** bound-ips, comma-joined (terraform-provider-akeyless resource_auth_method_oauth2.go `resourceAuthMethodOauth2Read`). */
            cidr_whitelist: z.string().nullish(),
            sub_claims_delimiters: nullableStrings,
            oauth2_access_rules: OAuth2AccessRules.nullish(),
        })
        .nullish(),
});

/** A rule of a role (model PathRule); `type` is the rule type (`item-rule`, …). */
export const PathRule = z.looseObject({ type: z.string(), path: z.string(), capabilities: nullableStrings });

/** An association as the role lists it (model RoleAuthMethodAssociation). */
const RoleAssociation = z.looseObject({
    assoc_id: z.string(),
    auth_method_name: z.string().nullish(),
    auth_method_sub_claims: SubClaimsRead,
    sub_claims_case_sensitive: z.boolean().nullish(),
});

/** A role as `get-role` returns it (models Role, Rules). */
export const Role = z.looseObject({
    role_name: z.string(),
    delete_protection: z.boolean().nullish(),
    rules: z.looseObject({ admin: z.boolean().nullish(), path_rules: z.array(PathRule).nullish() }).nullish(),
    role_auth_methods_assoc: z.array(RoleAssociation).nullish(),
});

/** One association (model RoleAssociationDetails). */
export const AssociationDetails = z.looseObject({
    assoc_id: z.string(),
    role_name: z.string(),
    auth_method_name: z.string(),
    auth_method_sub_claims: SubClaimsRead,
    sub_claims_case_sensitive: z.boolean().nullish(),
    is_subclaims_with_operator: z.boolean().nullish(),
});

const Page = { filter: z.string().optional(), "pagination-token": z.string().optional() };
const Anything = z.looseObject({});

/** Rule types the target writes: items (secrets) and targets; never role or auth-method rules (model SetRoleRule `rule-type`). */
export const RULE_TYPES = ["item-rule", "target-rule"] as const;
/** Capabilities of item and target rules (model SetRoleRule `capability`: "options: [read, create, update, delete, list, deny]"). */
export const CAPABILITIES = ["read", "create", "update", "delete", "list", "deny"] as const;

/**
 * The commands: request body without `token`, response body, OpenAPI operation name (the V2Api
 * method) and whether the request carries the admin token (every command but `auth`).
 */
export const COMMANDS = {
    auth: { operation: "auth", request: AuthRequest, response: AuthOutput, token: false },
    "auth-method-create-oauth2": { operation: "authMethodCreateOauth2", request: AuthMethodCreateOauth2, response: z.looseObject({ access_id: z.string().min(1) }), token: true },
    "auth-method-update-oauth2": { operation: "authMethodUpdateOauth2", request: AuthMethodUpdateOauth2, response: Anything, token: true },
    "auth-method-get": { operation: "authMethodGet", request: ByName, response: AuthMethod, token: true },
    "auth-method-delete": { operation: "authMethodDelete", request: ByName, response: Anything, token: true },
    "auth-method-list": {
        operation: "authMethodList",
        request: z.strictObject({ ...Page, type: strings.optional() }),
        response: z.looseObject({ auth_methods: z.array(AuthMethod).nullish(), next_page: z.string().nullish() }),
        token: true,
    },
    "create-role": { operation: "createRole", request: z.strictObject({ name: z.string().min(1), delete_protection: flag }), response: Anything, token: true },
    "update-role": { operation: "updateRole", request: z.strictObject({ name: z.string().min(1), delete_protection: flag }), response: Anything, token: true },
    "get-role": { operation: "getRole", request: ByName, response: Role, token: true },
    "delete-role": { operation: "deleteRole", request: ByName, response: Anything, token: true },
    "list-roles": { operation: "listRoles", request: z.strictObject(Page), response: z.looseObject({ roles: z.array(Role).nullish(), next_page: z.string().nullish() }), token: true },
    "set-role-rule": {
        operation: "setRoleRule",
        request: z.strictObject({ "role-name": z.string().min(1), path: z.string().min(1), capability: z.array(z.enum(CAPABILITIES)).min(1), "rule-type": z.enum(RULE_TYPES) }),
        response: Anything,
        token: true,
    },
    "delete-role-rule": {
        operation: "deleteRoleRule",
        request: z.strictObject({ "role-name": z.string().min(1), path: z.string().min(1), "rule-type": z.string().min(1) }),
        response: Anything,
        token: true,
    },
    "assoc-role-am": {
        operation: "assocRoleAuthMethod",
        request: z.strictObject({ "role-name": z.string().min(1), "am-name": z.string().min(1), "sub-claims": SubClaimsWire, "case-sensitive": flag }),
        response: z.looseObject({ assoc_id: z.string().min(1) }),
        token: true,
    },
    "update-assoc": {
        operation: "updateAssoc",
        request: z.strictObject({ "assoc-id": z.string().min(1), "sub-claims": SubClaimsWire, "case-sensitive": flag }),
        response: Anything,
        token: true,
    },
    "delete-assoc": { operation: "deleteRoleAssociation", request: z.strictObject({ "assoc-id": z.string().min(1) }), response: Anything, token: true },
    "describe-role-am-assoc": { operation: "describeAssoc", request: z.strictObject({ "assoc-id": z.string().min(1) }), response: AssociationDetails, token: true },
} as const;

export type Command = keyof typeof COMMANDS;
export type RequestOf<C extends Command> = z.input<(typeof COMMANDS)[C]["request"]>;
export type ResponseOf<C extends Command> = z.output<(typeof COMMANDS)[C]["response"]>;
export type AuthMethodRecord = z.output<typeof AuthMethod>;
export type RoleRecord = z.output<typeof Role>;
export type AssociationRecord = z.output<typeof AssociationDetails>;
