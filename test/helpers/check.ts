import { checkMap } from "../../src/features/check";
import type { Raw } from "./maps";

/** The problem lines of a map (`<path>: <message>`), sorted as reported. */
export function problems(raw: Raw): string[] {
    return checkMap(raw).problems.map((p) => `${p.path}: ${p.message}`);
}

/** The warning lines of a map. */
export function warnings(raw: Raw): string[] {
    return checkMap(raw).warnings.map((w) => `${w.path}: ${w.message}`);
}
