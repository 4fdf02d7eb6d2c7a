#!/usr/bin/env node
"use strict";
// The offline CLI. `npm ci` builds dist/ (prepare script); `npm run build` after code changes.
let main;
try {
    ({ main } = require("../dist/cli/main.js"));
} catch (error) {
    if (error && error.code === "MODULE_NOT_FOUND") {
        process.stderr.write("gitlab-federation: not built yet; run `npm ci` (or `npm run build`) in the project first\n");
        process.exit(2);
    }
    throw error;
}
process.exitCode = main(process.argv.slice(2));
