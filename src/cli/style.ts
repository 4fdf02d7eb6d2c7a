/** Terminal colours: only on a TTY, never with NO_COLOR (https://no-color.org) or --no-color; --color forces them. */
import type { Style } from "../features/render";
import type { Io } from "./io";

export interface CliStyle extends Style {
    readonly error: (text: string) => string;
    readonly location: (text: string) => string;
    readonly dim: (text: string) => string;
}

const sgr = (code: string) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;

export const PLAIN_STYLE: CliStyle = { heading: (t) => t, header: (t) => t, warning: (t) => t, error: (t) => t, location: (t) => t, dim: (t) => t };

export const COLOR_STYLE: CliStyle = {
    heading: sgr("1"),
    header: sgr("2"),
    warning: sgr("33"),
    error: sgr("31"),
    location: sgr("1"),
    dim: sgr("2"),
};

export function colorsEnabled(io: Io, flags: { readonly color?: boolean; readonly noColor?: boolean }): boolean {
    if (flags.noColor === true) {
        return false;
    }
    if (flags.color === true) {
        return true;
    }
    const noColor = io.env.NO_COLOR;
    return io.isTTY && (noColor === undefined || noColor === "");
}

/** Columns to fit tables in: the terminal's, or COLUMNS when set; unlimited when piped. */
export function outputWidth(io: Io): number {
    if (io.isTTY && io.columns !== undefined) {
        return io.columns;
    }
    const columns = Number(io.env.COLUMNS);
    return Number.isInteger(columns) && columns > 0 ? columns : Infinity;
}
