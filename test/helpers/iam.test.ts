/**
 * The test IAM evaluator (helpers/iam.ts) against the rules of AWS's documentation it was
 * written from, one documented rule per case, so that the permission tests built on it are
 * only as trusting as these.
 */
import { strict as assert } from "node:assert";
import { Caller, Decision, Policy, Request, Statement, Values, decide, roleSession } from "./iam";

const ROLE = "arn:aws:iam::111111111111:role/gitlab/app";
const JOB = roleSession(ROLE, "gitlab-job-1");
const OBJECT = "arn:aws:s3:::bucket/key";

function policy(...statements: Statement[]): Policy {
    return { Version: "2012-10-17", Statement: statements };
}

/** The decision for one identity statement, on s3:PutObject of OBJECT by JOB unless given. */
function identity(statement: Partial<Statement>, request: Partial<Request> = {}): Decision {
    const full: Statement = { Effect: "Allow", Action: "s3:PutObject", Resource: OBJECT, ...statement };
    return decide({ caller: JOB, action: "s3:PutObject", resource: OBJECT, ...request }, { identity: [policy(full)] });
}

/** Whether a condition holds for a request context (on an Allow statement that otherwise matches). */
function holds(condition: Record<string, Record<string, Values>>, context: Record<string, Values> = {}): boolean {
    return identity({ Condition: condition }, { context }) === "allow";
}

describe("the test IAM evaluator (helpers/iam.ts)", () => {
    it("a role session: the role ARN with its path is aws:PrincipalArn, the session ARN drops the path", () => {
        assert.deepEqual(JOB, { account: "111111111111", arn: ROLE, session: "arn:aws:sts::111111111111:assumed-role/app/gitlab-job-1" });
        assert.throws(() => roleSession("arn:aws:iam::111111111111:user/bob", "s"), /not a role ARN/);
    });

    it("evaluation: implicit deny without an Allow, Allow from an identity or a resource policy, explicit Deny wins", () => {
        const allow: Statement = { Effect: "Allow", Action: "s3:PutObject", Resource: OBJECT };
        const deny: Statement = { Effect: "Deny", Action: "s3:*", Resource: "*" };
        const request = { caller: JOB, action: "s3:PutObject", resource: OBJECT };
        assert.equal(decide(request, {}), "implicit deny");
        assert.equal(decide(request, { identity: [policy(allow)] }), "allow");
        assert.equal(decide(request, { resource: [policy({ ...allow, Principal: { AWS: ROLE } })] }), "allow");
        assert.equal(decide(request, { identity: [policy(allow, deny)] }), "explicit deny");
        assert.equal(decide(request, { identity: [policy(allow)], resource: [policy({ ...deny, Principal: "*" })] }), "explicit deny");
        assert.equal(decide(request, { identity: [policy(allow), policy(deny)] }), "explicit deny");
    });

    it("actions: case-insensitive, * any run, ? one character", () => {
        for (const action of ["s3:PutObject", "S3:putobject", "s3:Put*", "s3:*", "*", "s3:P?tObject"]) {
            assert.equal(identity({ Action: action }), "allow", action);
        }
        for (const action of ["s3:Put", "s3:PutObjectAcl", "s3:Get*", "s3:P?Object", "iam:*"]) {
            assert.equal(identity({ Action: action }), "implicit deny", action);
        }
        assert.equal(identity({ Action: ["s3:GetObject", "s3:PutObject"] }), "allow", "a list: any");
    });

    it("resources: * alone is everything; wildcards within ARN segments, * across /; case-sensitive", () => {
        const role = (resource: string, pattern: string) => identity({ Action: "iam:GetRole", Resource: pattern }, { action: "iam:GetRole", resource });
        assert.equal(role("arn:aws:iam::111111111111:role/gitlab/a/b", "arn:aws:iam::111111111111:role/gitlab/*"), "allow");
        assert.equal(role("arn:aws:iam::111111111111:role/gitlab/a", "arn:aws:iam::*:role/gitlab/?"), "allow");
        assert.equal(role("arn:aws:iam::111111111111:role/gitlab/a", "*"), "allow");
        assert.equal(role("arn:aws:iam::111111111111:role/gitlab-x/a", "arn:aws:iam::111111111111:role/gitlab/*"), "implicit deny");
        assert.equal(role("arn:aws:iam::111111111111:role/Gitlab/a", "arn:aws:iam::111111111111:role/gitlab/*"), "implicit deny");
        assert.equal(role("arn:aws:iam::222222222222:role/gitlab/a", "arn:aws:iam::111111111111:role/gitlab/*"), "implicit deny");
    });

    it("StringEquals is exact and case-sensitive, StringLike has * and ?, values OR, keys AND, operators AND; key names case-insensitive", () => {
        assert.equal(holds({ StringEquals: { "s3:prefix": "a/b" } }, { "s3:prefix": "a/b" }), true);
        assert.equal(holds({ StringEquals: { "s3:prefix": "a/b" } }, { "s3:prefix": "A/b" }), false);
        assert.equal(holds({ StringEquals: { "s3:prefix": "a/*" } }, { "s3:prefix": "a/b" }), false, "no wildcard in StringEquals");
        assert.equal(holds({ StringLike: { "s3:prefix": "a/*" } }, { "s3:prefix": "a/b/c" }), true);
        assert.equal(holds({ StringLike: { "s3:prefix": "a/?" } }, { "s3:prefix": "a/bc" }), false);
        assert.equal(holds({ StringEquals: { "s3:prefix": ["x", "a/b"] } }, { "s3:prefix": "a/b" }), true);
        assert.equal(holds({ StringEquals: { "s3:prefix": "a/b", "s3:delimiter": "/" } }, { "s3:prefix": "a/b", "s3:delimiter": "-" }), false);
        assert.equal(holds({ StringEquals: { "s3:prefix": "a/b" }, StringLike: { "s3:delimiter": "?" } }, { "s3:prefix": "a/b", "s3:delimiter": "/" }), true);
        assert.equal(holds({ StringEquals: { "s3:prefix": "a/b" }, StringLike: { "s3:delimiter": "??" } }, { "s3:prefix": "a/b", "s3:delimiter": "/" }), false);
        assert.equal(holds({ StringEquals: { "S3:PREFIX": "a/b" } }, { "s3:prefix": "a/b" }), true);
    });

    it("ArnEquals and ArnLike behave alike: the six components separately, with wildcards", () => {
        for (const operator of ["ArnEquals", "ArnLike"]) {
            assert.equal(holds({ [operator]: { "aws:PrincipalArn": ROLE } }), true, operator);
            assert.equal(holds({ [operator]: { "aws:PrincipalArn": "arn:aws:iam::*:role/gitlab/*" } }), true, operator);
            assert.equal(holds({ [operator]: { "aws:PrincipalArn": "arn:aws:iam::111111111111:role/app" } }), false, `${operator}: the path is part of the ARN`);
            assert.equal(holds({ [operator]: { "aws:PrincipalArn": JOB.session! } }), false, `${operator}: not the session ARN`);
            assert.equal(holds({ [operator]: { "aws:PrincipalArn": "arn:aws:iam::111111111111:role/GITLAB/app" } }), false, `${operator}: case-sensitive`);
        }
    });

    it("negations: StringNotEquals, StringNotLike, ArnNotEquals, ArnNotLike; their values NOR", () => {
        assert.equal(holds({ StringNotEquals: { "s3:prefix": "a/b" } }, { "s3:prefix": "a/c" }), true);
        assert.equal(holds({ StringNotEquals: { "s3:prefix": ["a/c", "a/b"] } }, { "s3:prefix": "a/c" }), false);
        assert.equal(holds({ StringNotLike: { "s3:prefix": "a/*" } }, { "s3:prefix": "a/c" }), false);
        assert.equal(holds({ ArnNotEquals: { "aws:PrincipalArn": ROLE } }), false);
        assert.equal(holds({ ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::111111111111:role/other", "arn:aws:iam::*:role/x/*"] } }), true);
    });

    it("a key absent from the request: false for StringEquals, StringLike, ArnEquals, ArnLike; true for their negations and for every ...IfExists", () => {
        for (const operator of ["StringEquals", "StringLike", "ArnEquals", "ArnLike"]) {
            assert.equal(holds({ [operator]: { "iam:PermissionsBoundary": "arn:aws:iam::111111111111:policy/b" } }), false, operator);
        }
        for (const operator of ["StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike", "StringEqualsIfExists", "StringLikeIfExists", "ArnEqualsIfExists", "ArnLikeIfExists", "StringNotEqualsIfExists", "ArnNotLikeIfExists"]) {
            assert.equal(holds({ [operator]: { "iam:PermissionsBoundary": "arn:aws:iam::111111111111:policy/b" } }), true, operator);
        }
        // Present, ...IfExists compares as the plain operator does.
        assert.equal(holds({ StringLikeIfExists: { "s3:prefix": "a/*" } }, { "s3:prefix": "b/c" }), false);
        assert.equal(holds({ StringLikeIfExists: { "s3:prefix": "a/*" } }, { "s3:prefix": "a/c" }), true);
        assert.equal(holds({ StringNotEqualsIfExists: { "s3:prefix": "a/c" } }, { "s3:prefix": "a/c" }), false);
    });

    it("principals: a role ARN covers its sessions, * covers all; NotPrincipal exempts a session only with its account, role and session listed", () => {
        const put = (statement: Partial<Statement>, caller: Caller = JOB) =>
            decide({ caller, action: "s3:PutObject", resource: OBJECT }, { resource: [policy({ Effect: "Deny", Action: "s3:PutObject", Resource: OBJECT, ...statement })] });
        const other = roleSession("arn:aws:iam::111111111111:role/gitlab/other", "s");
        assert.equal(put({ Principal: { AWS: ROLE } }), "explicit deny");
        assert.equal(put({ Principal: { AWS: ROLE } }, other), "implicit deny");
        assert.equal(put({ Principal: "*" }, other), "explicit deny");
        assert.equal(put({ Principal: { AWS: "*" } }, other), "explicit deny");
        assert.equal(put({ NotPrincipal: { AWS: ROLE } }), "explicit deny", "the role alone does not exempt its sessions");
        assert.equal(put({ NotPrincipal: { AWS: [ROLE, JOB.session!, "arn:aws:iam::111111111111:root"] } }), "implicit deny");
        assert.equal(put({ NotPrincipal: { AWS: [ROLE, JOB.session!, "arn:aws:iam::111111111111:root"] } }, other), "explicit deny");
    });

    it("refuses what it does not model instead of guessing", () => {
        assert.throws(() => identity({ NotAction: "s3:GetObject" } as Partial<Statement>), /not modelled: NotAction/);
        assert.throws(() => identity({ Principal: "*" }), /not modelled: Principal in an identity policy/);
        assert.throws(() => holds({ NumericLessThan: { "s3:max-keys": "10" } }), /not modelled: condition operator NumericLessThan/);
        assert.throws(() => holds({ StringEquals: { "aws:TagKeys": "a" } }, { "aws:TagKeys": ["a"] }), /multi-valued key aws:TagKeys/);
        assert.throws(
            () => decide({ caller: JOB, action: "s3:PutObject", resource: OBJECT }, { resource: [policy({ Effect: "Allow", Action: "s3:*", Resource: "*", Principal: { AWS: "111111111111" } })] }),
            /not modelled: account principal/,
        );
    });
});
