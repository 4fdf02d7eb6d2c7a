import { strict as assert } from "node:assert";
import { UnknownValueError } from "@pulumi/policy";
import fc from "fast-check";
import { EXTRA_COMPONENTS_FIX, extraComponentWitness, subjectReach } from "../../policy/lib/aws";
import { iamLike } from "../../policy/lib/glob";
import { POLICIES } from "../../policy/lib/policies";
import { verdict } from "./helpers";

const HOST = "gitlab.example.com";
const PROVIDER = `arn:aws:iam::111111111111:oidc-provider/${HOST}`;
const ROLE = "aws:iam/role:Role";
const SUB = "project_path:platform/api:ref_type:branch:ref:main";
const GOOD = { StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com", [`${HOST}:sub`]: SUB } };
const AWS_NAMES = POLICIES.map((p) => p.name).filter((n) => n.startsWith("aws-"));
const WHERE = "assumeRolePolicy Statement[0]";
const SCOPE = { notApplicable: "applies to IAM roles whose trust policy lets a GitLab OIDC provider's tokens assume them" };

function statement(condition: object, overrides: object = {}): object {
    return { Effect: "Allow", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity", Condition: condition, ...overrides };
}

/** An aws.iam.Role's inputs as the engine sees them: the trust policy as JSON text, tagged with the project id. */
function role(condition: object, options: { tags?: Record<string, string>; overrides?: object; object?: boolean } = {}): Record<string, unknown> {
    const document = { Version: "2012-10-17", Statement: [statement(condition, options.overrides)] };
    return { assumeRolePolicy: options.object === true ? document : JSON.stringify(document), tags: options.tags ?? { "gitlab-project-id": "42" } };
}

describe("policy pack: AWS roles trusting GitLab", () => {
    describe("which roles the rules read", () => {
        it("a role every AWS rule passes, as JSON text and as an object", () => {
            for (const name of AWS_NAMES) {
                assert.deepEqual(verdict(name, ROLE, role(GOOD)), [], name);
                assert.deepEqual(verdict(name, ROLE, role(GOOD, { object: true })), [], name);
            }
        });

        it("other types, and roles that no GitLab provider can assume, are not applicable", () => {
            const ec2 = { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }) };
            for (const name of AWS_NAMES) {
                assert.deepEqual(verdict(name, "aws:iam/user:User", role(GOOD)), { notApplicable: "applies to aws:iam/role:Role, aws-native:iam:Role" });
                assert.deepEqual(verdict(name, ROLE, ec2), SCOPE);
                assert.deepEqual(verdict(name, ROLE, { assumeRolePolicy: "{not json" }), SCOPE);
                assert.deepEqual(verdict(name, ROLE, {}), SCOPE);
            }
        });

        it("a statement counts when it allows sts:AssumeRoleWithWebIdentity: by name, by pattern, or through NotAction", () => {
            const name = "aws-gitlab-trust-audience";
            const noAud = { StringEquals: { [`${HOST}:sub`]: SUB } };
            const missing = (at: string) => `assumeRolePolicy ${at} trusts ${PROVIDER} without a StringEquals condition on ${HOST}:aud: the role accepts a token GitLab issued for any audience the OIDC provider lists as a client ID, not only the one meant for this role; add "StringEquals": {"${HOST}:aud": "<the aud your jobs request in id_tokens, e.g. sts.amazonaws.com>"}`;
            assert.deepEqual(verdict(name, ROLE, role(noAud)), [missing("Statement[0]")]);
            assert.deepEqual(verdict(name, ROLE, role(noAud, { overrides: { Action: ["sts:TagSession", "STS:AssumeRoleWith*"] } })), [missing("Statement[0]")]);
            assert.deepEqual(verdict(name, ROLE, role(noAud, { overrides: { Action: undefined, NotAction: "sts:TagSession" } })), [missing("Statement[0]")]);
            assert.deepEqual(verdict(name, ROLE, role(noAud, { overrides: { Action: undefined, NotAction: "sts:AssumeRoleWithWebIdentity" } })), SCOPE);
            assert.deepEqual(verdict(name, ROLE, role(noAud, { overrides: { Action: "sts:AssumeRole" } })), SCOPE);
            assert.deepEqual(verdict(name, ROLE, role(noAud, { overrides: { Effect: "Deny" } })), SCOPE);
            // A single statement object (not a list) is read too.
            const single = { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: statement(noAud) }) };
            assert.deepEqual(verdict(name, ROLE, single), [missing("Statement")]);
        });

        it("a provider is GitLab's when it is configured (gitlab.com by default) or when its sub is GitLab's", () => {
            const name = "aws-gitlab-trust-subject";
            const audOnly = { StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com" } };
            // Self-managed, not configured, no GitLab sub: the pack cannot tell it is GitLab.
            assert.deepEqual(verdict(name, ROLE, role(audOnly)), SCOPE);
            const message = `${WHERE} trusts ${PROVIDER} without a StringEquals or StringLike condition on ${HOST}:sub: every project on ${HOST} can assume the role; add "StringEquals": {"${HOST}:sub": "project_path:<group>/<project>:ref_type:branch:ref:<branch>"}`;
            assert.deepEqual(verdict(name, ROLE, role(audOnly), { gitlabUrls: ["https://gitlab.example.com/"] }), [message]);
            const dotCom = role({ StringEquals: { "gitlab.com:aud": "sts.amazonaws.com" } }, { overrides: { Principal: { Federated: "arn:aws:iam::111111111111:oidc-provider/gitlab.com" } } });
            assert.deepEqual(verdict(name, ROLE, dotCom), [
                `${WHERE} trusts arn:aws:iam::111111111111:oidc-provider/gitlab.com without a StringEquals or StringLike condition on gitlab.com:sub: every project on gitlab.com (on gitlab.com: anyone's) can assume the role; add "StringEquals": {"gitlab.com:sub": "project_path:<group>/<project>:ref_type:branch:ref:<branch>"}`,
            ]);
            // A sub under a negated operator still says the provider is GitLab's.
            assert.deepEqual(verdict(name, ROLE, role({ ...audOnly, StringNotLike: { [`${HOST}:sub`]: "project_path:evil/*" } })), [message]);
        });

        it("aws-native roles: assumeRolePolicyDocument as an object, element names in any case, tags as a list", () => {
            const native = "aws-native:iam:Role";
            const document = { version: "2012-10-17", statement: [{ effect: "Allow", principal: { federated: PROVIDER }, action: ["sts:AssumeRoleWithWebIdentity"], condition: { stringequals: { [`${HOST}:AUD`]: "sts.amazonaws.com", [`${HOST}:sub`]: SUB } } }] };
            for (const name of AWS_NAMES) {
                assert.deepEqual(verdict(name, native, { assumeRolePolicyDocument: document, tags: [{ key: "gitlab-project-id", value: "42" }] }), [], name);
            }
            assert.deepEqual(verdict("aws-gitlab-trust-path-binding", native, { assumeRolePolicyDocument: document, tags: [] }), [
                `assumeRolePolicyDocument Statement[0] binds GitLab projects by path (${HOST}:sub holds project_path; AWS sees no project id): after a rename or transfer the role stops matching, and a project created at the old path matches it; record the project's numeric id in tag gitlab-project-id (e.g. gitlab-project-id=42) to acknowledge this and let audits compare path and id`,
            ]);
        });

        it("a trust policy unknown during preview is left to the SDK, which reports that the policy cannot run yet", () => {
            // The engine's unknown string (pulumi/pulumi-policy sdk/nodejs/policy/proxy.ts unknownStringValue).
            assert.throws(
                () => verdict("aws-gitlab-trust-audience", ROLE, { assumeRolePolicy: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }),
                (error: unknown) => error instanceof UnknownValueError && (error as Error).message === "string value at .assumeRolePolicy can't be known during preview",
            );
        });
    });

    describe("aws-gitlab-trust-audience", () => {
        const name = "aws-gitlab-trust-audience";
        const message = `${WHERE} trusts ${PROVIDER} without a StringEquals condition on ${HOST}:aud: the role accepts a token GitLab issued for any audience the OIDC provider lists as a client ID, not only the one meant for this role; add "StringEquals": {"${HOST}:aud": "<the aud your jobs request in id_tokens, e.g. sts.amazonaws.com>"}`;

        it("refuses a trust without an aud condition AWS always evaluates", () => {
            assert.deepEqual(verdict(name, ROLE, role({ StringEquals: { [`${HOST}:sub`]: SUB } })), [message]);
            assert.deepEqual(verdict(name, ROLE, role({ StringEquals: { [`${HOST}:aud`]: "", [`${HOST}:sub`]: SUB } })), [message]);
            assert.deepEqual(verdict(name, ROLE, role({ StringEquals: { [`${HOST}:sub`]: SUB }, "ForAllValues:StringEquals": { [`${HOST}:aud`]: "sts.amazonaws.com" } })), [message]);
            assert.deepEqual(verdict(name, ROLE, role({ StringEquals: { [`${HOST}:sub`]: SUB }, StringEqualsIfExists: { [`${HOST}:aud`]: "sts.amazonaws.com" } })), [message]);
            assert.deepEqual(verdict(name, ROLE, role({ StringEquals: { [`${HOST}:sub`]: SUB }, StringNotEquals: { [`${HOST}:aud`]: "other" } })), [message]);
        });

        it("accepts StringEquals, StringEqualsIgnoreCase or StringLike on aud (a pattern is another rule's), keys in any case", () => {
            const aud = { [`${HOST.toUpperCase()}:Aud`]: "sts.amazonaws.com" };
            assert.deepEqual(verdict(name, ROLE, role({ StringEquals: { [`${HOST}:sub`]: SUB, ...aud } })), []);
            for (const test of ["StringEqualsIgnoreCase", "StringLike"]) {
                assert.deepEqual(verdict(name, ROLE, role({ StringEquals: { [`${HOST}:sub`]: SUB }, [test]: aud })), [], test);
            }
        });
    });

    describe("aws-gitlab-trust-subject", () => {
        const name = "aws-gitlab-trust-subject";
        const message = `${WHERE} trusts ${PROVIDER} without a StringEquals or StringLike condition on ${HOST}:sub: every project on ${HOST} can assume the role; add "StringEquals": {"${HOST}:sub": "project_path:<group>/<project>:ref_type:branch:ref:<branch>"}`;
        const config = { gitlabUrls: ["https://gitlab.example.com"] };

        it("refuses a trust without a sub condition AWS always evaluates", () => {
            const aud = { [`${HOST}:aud`]: "sts.amazonaws.com" };
            assert.deepEqual(verdict(name, ROLE, role({ StringEquals: aud }), config), [message]);
            assert.deepEqual(verdict(name, ROLE, role({ StringEquals: aud, "ForAnyValue:StringLike": { [`${HOST}:sub`]: SUB } }), config), [message]);
            assert.deepEqual(verdict(name, ROLE, role({ StringEquals: aud, StringLikeIfExists: { [`${HOST}:sub`]: SUB } }), config), [message]);
        });

        it("accepts a sub under StringEquals or StringLike", () => {
            assert.deepEqual(verdict(name, ROLE, role(GOOD)), []);
            assert.deepEqual(verdict(name, ROLE, role({ StringEquals: { [`${HOST}:aud`]: "a" }, StringLike: { [`${HOST}:sub`]: SUB } })), []);
        });
    });

    describe("aws-gitlab-trust-any-project", () => {
        const name = "aws-gitlab-trust-any-project";
        const like = (sub: string, tags?: Record<string, string>) => role({ StringEquals: { [`${HOST}:aud`]: "a" }, StringLike: { [`${HOST}:sub`]: sub } }, tags === undefined ? {} : { tags });
        const everyProject = (sub: string) =>
            `${WHERE} StringLike ${HOST}:sub ${JSON.stringify(sub)} matches the sub of every project on ${HOST}, which no reason tag allows: name one project, e.g. "project_path:<group>/<project>:ref_type:branch:ref:main"`;
        const group = (sub: string, prefix: string) =>
            `${WHERE} StringLike ${HOST}:sub ${JSON.stringify(sub)} matches every project whose path starts with ${JSON.stringify(prefix)} ("*" crosses "/": subgroups, and projects created or moved there later, too), and the role has no tag gitlab-federation:allow-group-sub giving the reason: name one project, or tag the role gitlab-federation:allow-group-sub=<reason>`;

        it("how far a sub pattern reaches", () => {
            assert.equal(subjectReach(SUB), undefined);
            assert.equal(subjectReach("project_path:platform/api:ref_type:branch:ref:*"), undefined);
            assert.equal(subjectReach("project_path:platform/api:*"), undefined);
            assert.deepEqual(subjectReach("*"), { kind: "instance" });
            assert.deepEqual(subjectReach("project_pat?:platform/api:ref_type:branch:ref:main"), { kind: "instance" });
            assert.deepEqual(subjectReach("project_path:*"), { kind: "instance" });
            assert.deepEqual(subjectReach("project_path:plat*"), { kind: "instance" });
            assert.deepEqual(subjectReach("project_path:platform/*"), { kind: "prefix", prefix: "platform/" });
            assert.deepEqual(subjectReach("project_path:platform/ap?:ref_type:branch:ref:main"), { kind: "prefix", prefix: "platform/ap" });
        });

        it("refuses a pattern that matches every project, reason tag or not", () => {
            assert.deepEqual(verdict(name, ROLE, like("project_path:*")), [everyProject("project_path:*")]);
            assert.deepEqual(verdict(name, ROLE, like("project_path:*", { "gitlab-federation:allow-group-sub": "we mean it" })), [everyProject("project_path:*")]);
            // A sub of "*" does not say GitLab: the provider must be configured.
            assert.deepEqual(verdict(name, ROLE, role({ StringEquals: { [`${HOST}:aud`]: "a" }, "ForAnyValue:StringLike": { [`${HOST}:sub`]: "*" } }), { gitlabUrls: [`https://${HOST}`] }), [
                `${WHERE} ForAnyValue:StringLike ${HOST}:sub "*" matches the sub of every project on ${HOST}, which no reason tag allows: name one project, e.g. "project_path:<group>/<project>:ref_type:branch:ref:main"`,
            ]);
        });

        it("refuses a group-wide pattern unless the role's reason tag says why", () => {
            const sub = "project_path:platform/*:ref_type:branch:ref:main";
            assert.deepEqual(verdict(name, ROLE, like(sub)), [group(sub, "platform/")]);
            assert.deepEqual(verdict(name, ROLE, like(sub, { "gitlab-federation:allow-group-sub": " " })), [group(sub, "platform/")]);
            assert.deepEqual(verdict(name, ROLE, like(sub, { "gitlab-federation:allow-group-sub": "every platform project deploys the shared runner image" })), []);
            assert.deepEqual(verdict(name, ROLE, like(sub, { reason: "x" }), { allowGroupTag: "reason" }), []);
        });

        it("accepts patterns in the ref only, and wildcards under StringEquals (which are literal)", () => {
            assert.deepEqual(verdict(name, ROLE, like("project_path:platform/api:ref_type:branch:ref:*")), []);
            assert.deepEqual(verdict(name, ROLE, role({ StringEquals: { [`${HOST}:aud`]: "a", [`${HOST}:sub`]: "project_path:*" } })), []);
        });
    });

    describe("aws-gitlab-trust-audience-pattern", () => {
        const name = "aws-gitlab-trust-audience-pattern";
        it("refuses aud under StringLike, with or without a wildcard; accepts StringEquals", () => {
            for (const aud of ["sts.*", "sts.amazonaws.com"]) {
                assert.deepEqual(verdict(name, ROLE, role({ StringLike: { [`${HOST}:aud`]: aud }, StringEquals: { [`${HOST}:sub`]: SUB } })), [
                    `${WHERE} StringLike ${HOST}:aud ${JSON.stringify(aud)} compares the audience with a pattern ("*" and "?" match any audience they cover): an audience is one exact string; write "StringEquals": {"${HOST}:aud": "<audience>"}`,
                ]);
            }
            assert.deepEqual(verdict(name, ROLE, role({ "ForAnyValue:StringLike": { [`${HOST}:aud`]: ["a", "b*"] }, StringEquals: { [`${HOST}:sub`]: SUB } })), [
                `${WHERE} ForAnyValue:StringLike ${HOST}:aud ["a","b*"] compares the audience with a pattern ("*" and "?" match any audience they cover): an audience is one exact string; write "StringEquals": {"${HOST}:aud": "<audience>"}`,
            ]);
            assert.deepEqual(verdict(name, ROLE, role({ ...GOOD, StringNotLike: { [`${HOST}:aud`]: "evil*" } })), []);
            assert.deepEqual(verdict(name, ROLE, role(GOOD)), []);
        });
    });

    describe("aws-gitlab-trust-extra-sub-components", () => {
        const name = "aws-gitlab-trust-extra-sub-components";
        const trust = (sub: string, notLike?: string) => role({ StringEquals: { [`${HOST}:aud`]: "a" }, StringLike: { [`${HOST}:sub`]: sub }, ...(notLike === undefined ? {} : { StringNotLike: { [`${HOST}:sub`]: notLike } }) });

        it("the witness: a sub the pattern matches, with a component after the ref", () => {
            assert.equal(extraComponentWitness("project_path:a/b:ref_type:branch:ref:*"), "project_path:a/b:ref_type:branch:ref:x:x");
            assert.equal(extraComponentWitness("project_path:a/b:ref_type:branch:ref:*-prod"), "project_path:a/b:ref_type:branch:ref:x:x-prod");
            assert.equal(extraComponentWitness("project_path:a/*:ref_type:tag:ref:v*"), "project_path:a/x:ref_type:tag:ref:vx:x");
            assert.equal(extraComponentWitness("project_path:a/*:ref_type:branch:ref:main"), undefined);
            assert.equal(extraComponentWitness("project_path:a/b:ref_type:branch:ref:mai?"), undefined);
            assert.equal(extraComponentWitness("project_path:a/b:*"), undefined);
        });

        it("property: the witness matches its pattern and has a component after the ref", () => {
            fc.assert(
                fc.property(fc.stringMatching(/^[a-z]{1,6}\/[a-z]{1,6}$/), fc.constantFrom("branch", "tag"), fc.stringMatching(/^[a-z0-9/*._-]{0,12}\*[a-z0-9/*?._-]{0,12}$/), (path, type, ref) => {
                    const pattern = `project_path:${path}:ref_type:${type}:ref:${ref}`;
                    const witness = extraComponentWitness(pattern)!;
                    assert.ok(iamLike(pattern, witness), `${pattern} matches ${witness}`);
                    assert.ok(witness.slice(witness.indexOf(":ref:") + 5).includes(":"), witness);
                    assert.ok(iamLike(EXTRA_COMPONENTS_FIX, witness), `the fix refuses ${witness}`);
                }),
            );
        });

        it("refuses a ref pattern without a StringNotLike that refuses the witness; accepts the fix", () => {
            const sub = "project_path:platform/api:ref_type:branch:ref:release-*";
            const message = `${WHERE} StringLike ${HOST}:sub ${JSON.stringify(sub)} has a "*" in the ref, and no StringNotLike on ${HOST}:sub refuses a sub with components after the ref: if the project customises its sub claim (ci_id_token_sub_claim_components), the pattern matches tokens such as "project_path:platform/api:ref_type:branch:ref:release-x:x"; add "StringNotLike": {"${HOST}:sub": "project_path:*:ref_type:*:ref:*:*"}`;
            assert.deepEqual(verdict(name, ROLE, trust(sub)), [message]);
            assert.deepEqual(verdict(name, ROLE, trust(sub, "project_path:other/*")), [message]);
            assert.deepEqual(verdict(name, ROLE, trust(sub, EXTRA_COMPONENTS_FIX)), []);
            assert.deepEqual(verdict(name, ROLE, trust(sub, "*:ref:*:*")), []);
            assert.deepEqual(verdict(name, ROLE, trust("project_path:platform/api:ref_type:branch:ref:mai?")), []);
            assert.deepEqual(verdict(name, ROLE, role(GOOD)), []);
        });
    });

    describe("aws-gitlab-trust-set-operators", () => {
        const name = "aws-gitlab-trust-set-operators";
        it("refuses ForAllValues, ForAnyValue and IfExists on aud and sub; ignores other keys", () => {
            const condition = {
                "ForAllValues:StringEquals": { [`${HOST}:aud`]: "a" },
                "ForAnyValue:StringLike": { [`${HOST}:sub`]: SUB, "aws:PrincipalTag/x": "y" },
                StringEqualsIfExists: { [`${HOST}:sub`]: SUB },
            };
            assert.deepEqual(verdict(name, ROLE, role(condition)), [
                `${WHERE} ForAllValues:StringEquals ${HOST}:aud: ForAllValues is also true when the token has no aud value at all, and ${HOST}:aud holds the one aud of a token for AWS (an array aud is undocumented for AWS); write "StringEquals"`,
                `${WHERE} ForAnyValue:StringLike ${HOST}:sub: ${HOST}:sub holds a token's one sub, and AWS warns that set operators on single-valued keys can make a policy overly permissive; write "StringLike"`,
                `${WHERE} StringEqualsIfExists ${HOST}:sub: IfExists makes the condition true when the key is absent; write "StringEquals"`,
            ]);
            assert.deepEqual(verdict(name, ROLE, role({ ...GOOD, "ForAnyValue:StringEquals": { "aws:TagKeys": "x" } })), []);
        });
    });

    describe("aws-gitlab-trust-path-binding (advisory)", () => {
        const name = "aws-gitlab-trust-path-binding";
        const message = `${WHERE} binds GitLab projects by path (${HOST}:sub holds project_path; AWS sees no project id): after a rename or transfer the role stops matching, and a project created at the old path matches it; record the project's numeric id in tag gitlab-project-id (e.g. gitlab-project-id=42) to acknowledge this and let audits compare path and id`;

        it("is advisory by default", () => {
            assert.equal(POLICIES.find((p) => p.name === name)!.enforcementLevel, "advisory");
        });

        it("warns unless the role records the project's numeric id", () => {
            assert.deepEqual(verdict(name, ROLE, role(GOOD, { tags: {} })), [message]);
            assert.deepEqual(verdict(name, ROLE, role(GOOD, { tags: { "gitlab-project-id": "api" } })), [message]);
            assert.deepEqual(verdict(name, ROLE, role(GOOD, { tags: { "gitlab-project-id": "42" } })), []);
            assert.deepEqual(verdict(name, ROLE, role(GOOD, { tags: { project: "42" } }), { projectIdTag: "project" }), []);
        });
    });
});
