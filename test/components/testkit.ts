/**
 * What the conformance suite (test/conformance.test.ts) needs of each registered target: a valid
 * section, valid grant fields for any grant, invalid grant fields with the exact problem each
 * gives, and an independent evaluator of the serialized plan (written from the target's upstream
 * rules, never calling the target's own code). A target without a testkit fails the suite.
 */
import type fc from "fast-check";

export type Json = Record<string, any>;

/** A grant the map arbitrary is about to write: what the target's fields may depend on. */
export interface GrantSpec {
    readonly project: string;
    readonly grant: string;
    readonly ref: string | readonly string[];
    readonly refType: "branch" | "tag";
    readonly protected: boolean;
    readonly environment?: string;
}

export interface TargetTestkit {
    /** A valid section (`gitlab-federation:<key>`). */
    readonly section: Json;
    /** The target refuses pattern refs (Azure: exact subjects only): the suite gives it grants with exact refs only. */
    readonly exactRefs?: true;
    /** Valid grant fields for this grant (reading only below the grant's own project where the target reads paths). */
    grant(spec: GrantSpec): fc.Arbitrary<Json>;
    /** Grant fields the map refuses, each with the exact problems (path: message) for grant `deploy` of project `platform/api`. */
    readonly invalid: readonly { readonly fields: unknown; readonly problems: readonly string[] }[];
    /** `<project>/<grant>` of the grants whose token the target admits, from the plan JSON alone (an independent evaluator). */
    oracle(plan: Json, claims: Json, now: number): string[];
}

/** A glob as an anchored regular expression: `*` → `any`, `?` → `one` (when the syntax has it). */
export const wildcard = (pattern: string, any: string, one: string | undefined): RegExp =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?*]/g, (c) => (c === "*" ? any : c === "?" && one !== undefined ? one : `\\${c}`))}$`, "s");

/** The token's audiences as a list. */
export const audiencesOf = (claims: Json): string[] => [claims.aud].flat();
