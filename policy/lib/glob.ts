/**
 * IAM's `StringLike` (and action) matching: `*` is any run of characters and `?` exactly one,
 * neither stopping at `/` or `:`; anchored at both ends (docs/reference.md §4.4). Values are
 * compared case-sensitively, actions case-insensitively.
 */
export function iamLike(pattern: string, value: string, ignoreCase = false): boolean {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]");
    return new RegExp(`^${source}$`, ignoreCase ? "i" : "").test(value);
}
