/**
 * ryanuber/go-glob v1.0.0 (glob.go @ 51a8f68), which Vault's JWT auth uses for bound_claims in
 * "glob" mode (docs/reference.md §2.5): `*` is the only wildcard and matches any
 * run of characters, including "/" and ":" and the empty run; matching is case-sensitive and
 * anchored at both ends; there is no "?" and no escaping.
 */
export function goGlob(pattern: string, subject: string): boolean {
    if (pattern === "") {
        return subject === pattern;
    }
    if (pattern === "*") {
        return true;
    }
    const parts = pattern.split("*");
    if (parts.length === 1) {
        return subject === pattern;
    }
    const leading = pattern.startsWith("*");
    const trailing = pattern.endsWith("*");
    const end = parts.length - 1;
    let rest = subject;
    for (let i = 0; i < end; i++) {
        const index = rest.indexOf(parts[i]!);
        if (i === 0 ? !leading && index !== 0 : index < 0) {
            return false;
        }
        rest = rest.slice(index + parts[i]!.length);
    }
    return trailing || rest.endsWith(parts[end]!);
}
