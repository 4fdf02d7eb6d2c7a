/**
 * How `gitlab-federation diff` reviews a change of one map field. Every field of the map has a
 * class (a test walks the map schema and fails on a field without one):
 * - trust: who or what the targets trust (the issuer, its keys, audiences, CIDR blocks);
 * - access: what a grant gives or admits, where the grant's access facets do not show it;
 * - hazard: data loss, audit loss, deletability;
 * - cosmetic: descriptions, display names, quotas the plan is only checked against;
 * - derived: its change only changes something reported elsewhere (`reportedBy` says where).
 * A trust, access or hazard field has a rule that says what a change means: wider, narrower, a
 * hazard, or nothing. Core fields are classified in features/review-fields.ts, each target's in
 * its review.ts, next to their schemas.
 */
import { show } from "./findings";

export type ReviewClass = "trust" | "access" | "hazard" | "cosmetic" | "derived";

/** What one field change does: widens (or cannot be ranked, which counts as wider), narrows, or puts data or audit at risk. */
export type FieldChangeKind = "widened" | "narrowed" | "hazard";

export interface ReviewFinding {
    readonly change: FieldChangeKind;
    readonly detail: string;
}

/** One side (base or head) of a reviewed field. */
export interface ReviewSide {
    /** The whole map on this side, defaults applied; undefined when there is none (a new stack). */
    readonly map?: Readonly<Record<string, unknown>>;
    /**
     * The entries of the mappings and lists the field is in, outermost first (a grant field: its
     * project, then its grant; an audit device's: the device), each with its key as written;
     * undefined where this side has no such entry (a new grant at head).
     */
    readonly entries: readonly ({ readonly key: string | number; readonly value: Readonly<Record<string, unknown>> } | undefined)[];
}

export interface ReviewContext {
    readonly base: ReviewSide;
    readonly head: ReviewSide;
}

/** What a change from `before` to `after` (as parsed, defaults applied; undefined when absent) means. Called only when they differ. */
export type ReviewRule = (before: unknown, after: unknown, context: ReviewContext) => readonly ReviewFinding[];

export type FieldReview =
    | { readonly class: "cosmetic" }
    | { readonly class: "derived"; readonly reportedBy: string }
    | { readonly class: "trust" | "access" | "hazard"; readonly rule: ReviewRule };

/** Field reviews by path below their parent (`tokenBoundCidrs`, `adopt.kvMount`, `audit.*.options`; "" is the parent itself). */
export type ReviewFields = Readonly<Record<string, FieldReview>>;

/**
 * How the entries of a mapping or list (a `*` in a path) are matched between base and head:
 * by `key`, else (for a renamed entry) by `former`. Unlisted collections match by key or index.
 */
export interface EntryIdentity {
    key(value: Readonly<Record<string, unknown>>, name: string | number): string;
    former?(value: Readonly<Record<string, unknown>>): string | undefined;
}

/** A target's classification: its section's fields, its grant field's, and how its lists' entries match. */
export interface TargetReview {
    readonly section: ReviewFields;
    readonly grant: ReviewFields;
    /** The target's settings of the deployer (`deployer.<key>`), when it has a deployer capability with settings. */
    readonly deployer?: ReviewFields;
    readonly entries?: Readonly<Record<string, EntryIdentity>>;
}

export const cosmetic: FieldReview = { class: "cosmetic" };

/** The reason of an acknowledgement or a loosening: the warnings quote it; what it allows is reported where it happens. */
export const LOOSENING_REASON: FieldReview = { class: "derived", reportedBy: "the warnings, which quote the reason (added, removed); what it allows is reported where it happens" };

export function derived(reportedBy: string): FieldReview {
    return { class: "derived", reportedBy };
}

export function trust(rule: ReviewRule): FieldReview {
    return { class: "trust", rule };
}

export function access(rule: ReviewRule): FieldReview {
    return { class: "access", rule };
}

export function hazard(rule: ReviewRule): FieldReview {
    return { class: "hazard", rule };
}

/** `before -> after` as problems show values ("nothing" for absent). */
export function arrow(before: unknown, after: unknown): string {
    return `${show(before)} -> ${show(after)}`;
}

export const widened = (detail: string): ReviewFinding => ({ change: "widened", detail });
export const narrowed = (detail: string): ReviewFinding => ({ change: "narrowed", detail });
export const hazardous = (detail: string): ReviewFinding => ({ change: "hazard", detail });

/**
 * A change that cannot be ranked (another issuer, another audience): it counts as wider, the
 * way diff ranks a changed policy document. `meaning` says what the new value does.
 */
export function unranked(meaning: (after: unknown, context: ReviewContext) => string): ReviewRule {
    return (before, after, context) => [widened(`${arrow(before, after)}: ${meaning(after, context)}`)];
}

/**
 * A flag whose one value admits more (`service` tokens, the default policy): turning it to
 * `wide` widens, turning it away narrows. An absent value is the default, never `wide`.
 */
export function widensAt(wide: unknown, meaning: string, narrower: string): ReviewRule {
    return (before, after) => {
        if (after === wide && before !== wide) {
            return [widened(`${arrow(before, after)}: ${meaning}`)];
        }
        return before === wide && after !== wide ? [narrowed(`${arrow(before, after)}: ${narrower}`)] : [];
    };
}

/** A target section's field on one side, e.g. `vault.tokenType`. */
export function sectionField(side: ReviewSide, section: string, field: string): unknown {
    return (side.map?.[section] as Readonly<Record<string, unknown>> | undefined)?.[field];
}

/**
 * A grant field that defaults to its section's (`vault.tokenBoundCidrs`): each side's value in
 * effect. A grant new at head is compared with what it gets without the field (head's section),
 * so an override that widens on a new grant is reported; a change of the section itself is the
 * section field's to report.
 */
export function inherited(rule: ReviewRule, section: string, field: string): ReviewRule {
    return (before, after, context) => {
        const existed = context.base.entries[context.base.entries.length - 1] !== undefined;
        const fallback = sectionField(existed ? context.base : context.head, section, field);
        return rule(before ?? fallback, after ?? sectionField(context.head, section, field), context);
    };
}
