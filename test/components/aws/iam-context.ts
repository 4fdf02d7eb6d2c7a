/**
 * The request context IAM gives the provider's calls, for the deployer's permission tests: the
 * keys the permission table lists for each action (components/aws/permissions.ts), under the
 * conservative reading of iam:PermissionsBoundary and under the current SAR's wider one.
 */
import { IAM_ACTIONS, IamAction } from "../../../components/aws/permissions";
import type { Values } from "../../helpers/iam";

/**
 * The actions the current SAR (IAM, Actions table) also lists iam:PermissionsBoundary for, beyond
 * the conservative seven: the policies must work whether or not IAM supplies it for them.
 */
export const WIDER_BOUNDARY: readonly string[] = ["iam:GetRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:DeleteRole"];

export type Reading = "conservative" | "wider";
export const READINGS: readonly Reading[] = ["conservative", "wider"];

/**
 * The request context IAM gives an action on a role whose boundary is `boundary` (for CreateRole
 * and PutRolePermissionsBoundary: the boundary in the request), from the keys the table lists.
 */
export function contextOf(action: IamAction, boundary: string | undefined, reading: Reading): Record<string, Values> {
    const keys: readonly string[] = [...IAM_ACTIONS[action].keys, ...(reading === "wider" && WIDER_BOUNDARY.includes(action) ? ["iam:PermissionsBoundary"] : [])];
    const context: Record<string, Values> = {};
    for (const key of keys) {
        if (key === "iam:PermissionsBoundary") {
            if (boundary !== undefined) context[key] = boundary;
        } else if (key === "aws:TagKeys") {
            context[key] = ["managed-by", "gitlab-project"];
        } else if (key === "iam:PolicyARN") {
            context[key] = "arn:aws:iam::aws:policy/ReadOnlyAccess";
        } else {
            context[key.replace("${TagKey}", "managed-by")] = "gitlab-federation";
        }
    }
    return context;
}

