/**
 * AWS's part of a grant's CI template job. The AWS SDKs and CLI assume AWS_ROLE_ARN themselves
 * when AWS_WEB_IDENTITY_TOKEN_FILE names a file holding the token: the file is made with mktemp
 * (mode 0600, a name no other job knows) and removed in after_script. AWS fetches GitLab's keys
 * to validate a token and answers "InvalidIdentityToken: Couldn't retrieve verification key"
 * when that fetch fails, which passes; the AWS SDK for C++ retries it up to 3 times
 * (aws-sdk-cpp STSCredentialsProvider.cpp), other SDKs do not, so the job checks the role once,
 * retrying that one error a bounded number of times, before its own script runs.
 */
import type { z } from "zod";
import { JOB_FILE, JOB_FILES_CLEANUP } from "../../src/core/ci-shell";
import type { CiPiece, CiUnavailable, CiValue } from "../target";
import type { AwsContractSchema, AwsGrantContractSchema } from "./contract";
import { AWS_IDENTITY_VARIABLE } from "./job-identity";

export const AWS_TOKEN_VARIABLE = "AWS_ID_TOKEN";

/** Attempts of the first assume-role check; waits 3, 6, 9 and 12 s between them. */
export const AWS_ATTEMPTS = 5;

/** The region of STS calls when the job sets none: STS answers in every region of a partition. */
const DEFAULT_REGION: Record<string, string> = { aws: "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1" };


export function awsCi(section: z.output<typeof AwsContractSchema>, grant: z.output<typeof AwsGrantContractSchema>, value: CiValue): CiPiece | CiUnavailable {
    if (grant.roleArn.includes("<account-id>")) {
        return {
            unavailable: `the role ARN needs the AWS account id, which the map does not name (${grant.roleArn}): set gitlab-federation:aws.accountId, or generate from the deployed stack's contract (pulumi stack output contract --json | gitlab-federation ci --contract -)`,
        };
    }
    const region = DEFAULT_REGION[section.partition] ?? "us-east-1";
    return {
        idToken: { variable: AWS_TOKEN_VARIABLE, audience: value("aws_audience", grant.audience, "aud of the AWS ID token: the stack's aws.audience") },
        variables: {
            AWS_ROLE_ARN: value("aws_role_arn", grant.roleArn, "the grant's IAM role"),
            AWS_ROLE_SESSION_NAME: "gitlab-$CI_PROJECT_ID-$CI_JOB_ID",
        },
        beforeScript: [
            [
                "# AWS: the SDKs and the CLI assume $AWS_ROLE_ARN with the token in this job-private file",
                `export AWS_WEB_IDENTITY_TOKEN_FILE="$(mktemp ${JOB_FILE})"`,
                `printf '%s' "$${AWS_TOKEN_VARIABLE}" > "$AWS_WEB_IDENTITY_TOKEN_FILE"`,
                "# AWS may fail to fetch GitLab's keys for a moment (InvalidIdentityToken: Couldn't retrieve",
                "# verification key): check the role once, retrying only that error, a bounded number of times",
                "if command -v aws >/dev/null 2>&1; then",
                `  for attempt in ${Array.from({ length: AWS_ATTEMPTS }, (_, i) => i + 1).join(" ")}; do`,
                `    if error="$(aws sts get-caller-identity --region "\${AWS_REGION:-\${AWS_DEFAULT_REGION:-${region}}}" 2>&1 >/dev/null)"; then break; fi`,
                `    case "$error" in *"Couldn't retrieve verification key"*) if [ "$attempt" -lt ${AWS_ATTEMPTS} ]; then sleep $((attempt * 3)); continue; fi;; esac`,
                '    echo "$error" >&2; exit 1',
                "  done",
                "fi",
            ].join("\n"),
        ],
        afterScript: [JOB_FILES_CLEANUP],
        comments: [],
    };
}

/**
 * A deployer job of a map whose accounts are reached through their own provider tells the program
 * which identity it runs as: each account's provider then assumes that identity's role in the
 * account with the job's token (job-identity.ts); without it the program reaches them the map's way.
 */
export function awsPipelineLogin(_section: z.output<typeof AwsContractSchema>, grant: z.output<typeof AwsGrantContractSchema>, identity: "planner" | "applier"): readonly string[] {
    if (grant.accountRoles === undefined) {
        return [];
    }
    return [`# AWS: each account's provider assumes the deployer's ${identity} role there (${grant.accountRoles.map((r) => r.account).join(", ")}) with this job's token\nexport ${AWS_IDENTITY_VARIABLE}=${identity}`];
}
