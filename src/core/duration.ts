/**
 * Durations in the map: `5m`, `1h`, `90s`, `1h30m`, or a whole number of seconds.
 * Vault and AWS take seconds, so everything is converted to seconds here, once.
 */

const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** The text forms a duration may take, as a JSON Schema pattern (whole seconds, or h/m/s parts in that order). */
export const DURATION_PATTERN = "^(\\d+|\\d+h(\\d+m)?(\\d+s)?|\\d+m(\\d+s)?|\\d+s)$";

/** Seconds for a duration value, or `undefined` when it cannot be read. */
export function parseDuration(value: unknown): number | undefined {
    if (typeof value === "number") {
        return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
    }
    if (typeof value !== "string" || value === "") {
        return undefined;
    }
    if (/^\d+$/.test(value)) {
        return Number(value);
    }
    const match = DURATION.exec(value);
    if (match === null) {
        return undefined;
    }
    const [, h, m, s] = match;
    return Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
}

/** The shortest `1h30m`-style text for a number of seconds (`0s` for zero). */
export function formatDuration(seconds: number): string {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    const text = `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s ? `${s}s` : ""}`;
    return text === "" ? "0s" : text;
}

/** The problem with a duration value, or `undefined` if it reads. */
export function durationProblem(value: unknown): string | undefined {
    return parseDuration(value) === undefined
        ? `must be a duration such as 5m, 1h, 90s or 1h30m (or a whole number of seconds), got ${JSON.stringify(value)}`
        : undefined;
}

/**
 * A duration as the Vault provider reads mount tune TTLs back (Go's Duration.String with a
 * trailing "m0s" or "h0m" trimmed: 300 → "5m", 3600 → "1h", 3605 → "1h0m5s"). Writing the same
 * form avoids a perpetual diff on the auth method's tune block.
 */
export function vaultTuneDuration(seconds: number): string {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    const go = h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
    return go.replace(/m0s$/, "m").replace(/h0m$/, "h");
}
