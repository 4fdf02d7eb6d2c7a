#!/usr/bin/env node
"use strict";
// The offline CLI. `npm ci` builds dist/ (prepare script); `npm run build` after code changes.
let main;
try {
    ({ main } = require("../dist/src/cli/main.js"));
} catch (error) {
    if (error && error.code === "MODULE_NOT_FOUND") {
        process.stderr.write("gitlab-federation: not built yet; run `npm ci` (or `npm run build`) in the project first\n");
        process.exit(2);
    }
    throw error;
}
// `gitlab-federation plan | head`: the reader went away; stop quietly instead of printing EPIPE.
for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error) => {
        if (error && error.code === "EPIPE") {
            process.exit(process.exitCode ?? 0);
        }
        throw error;
    });
}
main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (error) => {
        process.stderr.write(`gitlab-federation: internal error: ${error && error.message ? error.message : error}\n`);
        process.exitCode = 70;
    },
);
