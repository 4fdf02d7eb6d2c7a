/**
 * Rules for the strings of a contract read back (`gitlab-federation ci --contract`): each is the
 * map's rule for the value the contract field carries, so a contract holds nothing a map could
 * not. Targets build theirs from these (their contract capability's `strings`).
 */
import type { z } from "zod";
import { httpsUrlProblem } from "./rules";

/** A rule: the problem with a value, or undefined. */
export type Rule = (value: string) => string | undefined;

const q = JSON.stringify;

/** The rule of a map schema (its own message, with the value when the message lacks it), for the same value in a contract. */
export function schemaRule(schema: z.ZodType): Rule {
    return (value) => {
        const parsed = schema.safeParse(value);
        const message = parsed.success ? undefined : parsed.error.issues[0]!.message;
        return message === undefined || message.includes(q(value)) ? message : `${message}, got ${q(value)}`;
    };
}

/** A part's problem, said of the part: "in its role name: must be ...". */
export function inPart(label: string, problem: string | undefined): string | undefined {
    return problem === undefined ? undefined : `in its ${label}: ${problem}`;
}

/** A rule from a pattern, for values the map derives rather than takes (policy names, accessors). */
export function patternRule(pattern: RegExp, expected: string): Rule {
    return (value) => (pattern.test(value) ? undefined : `must be ${expected}, got ${q(value)}`);
}

/** An https address jobs reach (a server URL). */
export const urlRule: Rule = (value) => httpsUrlProblem(value, "an address jobs reach", "jobs send their tokens over it");
