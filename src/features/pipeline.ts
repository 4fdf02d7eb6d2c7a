/**
 * `gitlab-federation pipeline`: the repository's own .gitlab-ci.yml, generated from the stack
 * files present, so that every job's ID tokens, roles and rules come from the same plans `pulumi
 * up` deploys (and a check job fails while the committed file is stale).
 * - merge requests: `check` (the file is current, every stack validates; a Code Quality report
 *   puts problems and warnings on the lines of the diff), per stack `review:<stack>` (the access
 *   diff against the target branch as an exposed artifact, optionally one MR note updated in
 *   place; exit 5, access widened, is an allowed failure unless GITLAB_FEDERATION_STRICT) and
 *   `preview:<stack>` (pulumi preview --diff as the stack's planner: read-only);
 * - the default branch: `check`, then per stack `up:<stack>` as the applier, one at a time per
 *   stack (resource_group), in the stack's environment (protect it in GitLab), manual unless the
 *   stack says otherwise;
 * - scheduled pipelines: `check` and per stack `verify:<stack>` (what the map relies on GitLab
 *   for, read from GitLab's API), never `up`.
 * Backend and secrets provider are CI/CD variables (see the README, "Running it from GitLab").
 */
import { MINIMUM_PULUMI_CLI } from "../core/pulumi-cli";
import { targets } from "../../components";
import { stackFileName } from "../stack-file/file";
import type { Contract } from "../contract/contract";
import { LITERAL, buildJob } from "./ci";
import { comment, yamlOf } from "./ci-output";
import { contractOf } from "./contract";
import type { Plan } from "./plan-schema";

export interface PipelineStack {
    /** The stack name (Pulumi.<name>.yaml). */
    readonly name: string;
    readonly file: string;
    /** The whole map's plan (a shard stack's too: its jobs use the foundation's deployer). */
    readonly plan: Plan;
    /** A shard stack: the stack holding the map, whose up runs first. */
    readonly shardOf?: string;
}

export const PIPELINE_FILE = ".gitlab-ci.yml";

/** What the CLI runs in jobs: this repository's own binary. */
const CLI = "./bin/gitlab-federation.js";

const INSTALL = "npm ci --cache .npm --prefer-offline --no-audit --no-fund";
/**
 * What the review and verify jobs install: the CLI's runtime dependencies only (no Pulumi SDK, no
 * providers, no TypeScript: package.json's peers are optional), running the dist/ the check job
 * built and handed on as an artifact (`needs: [check]` fetches it).
 */
const CLI_INSTALL = "npm ci --omit=dev --ignore-scripts --cache .npm --prefer-offline --no-audit --no-fund";
const BUILT = ["dist/index.js", "dist/src/", "dist/components/"];
/**
 * The repository's CrossGuard pack (policy/, README: the policy pack), built before pulumi runs:
 * preview and up run it (`--policy-pack`, pulumi/pulumi pkg/cmd/pulumi/operations/preview.go),
 * so a mandatory policy our own plan would break stops the job, as it would any other stack's.
 */
const POLICY_PACK = "policy";
const POLICY_BUILD = `npm ci --prefix ${POLICY_PACK} --cache .npm --prefer-offline --no-audit --no-fund && npm run --prefix ${POLICY_PACK} build`;

/** Pulumi Cloud without a stored token: exchange the job's Pulumi ID token (when PULUMI_ORG is set and no backend URL). */
export const PULUMI_LOGIN = [
    "# Pulumi: a self-managed backend (PULUMI_BACKEND_URL), or Pulumi Cloud through OIDC (PULUMI_ORG), or PULUMI_ACCESS_TOKEN",
    'if [ -z "$PULUMI_BACKEND_URL" ] && [ -n "$PULUMI_ORG" ]; then pulumi login --oidc-token "$PULUMI_ID_TOKEN" --oidc-org "$PULUMI_ORG" ${PULUMI_OIDC_TEAM:+--oidc-team "$PULUMI_OIDC_TEAM"}; fi',
].join("\n");

type Job = Record<string, unknown>;
type Rule = { if: string; when?: string };

/** The template's rules with one more condition on every rule that adds the job. */
function narrowed(rules: readonly Rule[], condition: string, when?: string): Rule[] {
    return rules.map((r) => (r.when === "never" ? r : { if: `${r.if} && ${condition}`, ...(when !== undefined ? { when } : {}) }));
}

/** The job of a deployer identity, from the stack's contract like any grant's, plus the pipeline's own steps. */
function identityJob(contract: Contract, project: string, identity: "planner" | "applier", stack: PipelineStack): Job {
    const grant = contract.grants[project]?.[identity];
    if (grant === undefined) {
        throw new Error(`internal error: ${stack.file} plans a deployer without its ${identity}`);
    }
    const built = buildJob(contract, grant, LITERAL, `${project} ${identity}`);
    if ("problems" in built) {
        throw new PipelineError(built.problems.map((p) => `${stack.file}: ${p}`));
    }
    const template = built.job as { id_tokens: Job; variables: Job; rules: Rule[]; before_script?: string[]; after_script?: string[]; environment?: Job };
    // What each target's provider needs beyond the template's setup (Vault: a token from the job's ID token).
    const logins = targets().flatMap((t) => {
        const section = (contract as unknown as Record<string, unknown>)[t.key];
        const part = (grant as unknown as Record<string, unknown>)[t.key];
        return section !== undefined && part !== undefined ? (t.ci?.pipelineLogin?.(section, part, identity) ?? []) : [];
    });
    return {
        id_tokens: { ...template.id_tokens, PULUMI_ID_TOKEN: { aud: "urn:pulumi:org:$PULUMI_ORG" } },
        variables: {
            ...template.variables,
            PULUMI_OIDC_TEAM: identity === "applier" ? "$PULUMI_OIDC_TEAM_APPLIER" : "$PULUMI_OIDC_TEAM_PLANNER",
            // The backend the deployer's permissions cover (deployer.<target>.state), when the map names one.
            ...(stack.plan.deployer?.backendUrl !== undefined ? { PULUMI_BACKEND_URL: stack.plan.deployer.backendUrl } : {}),
        },
        ...(template.environment !== undefined ? { environment: template.environment } : {}),
        rules: template.rules,
        before_script: [INSTALL, POLICY_BUILD, ...(template.before_script ?? []), ...logins, PULUMI_LOGIN],
        ...(template.after_script !== undefined ? { after_script: template.after_script } : {}),
    };
}

export class PipelineError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(problems.join("\n"));
    }
}

const MR = '$CI_PIPELINE_SOURCE == "merge_request_event"';
const SCHEDULE = '$CI_PIPELINE_SOURCE == "schedule"';

/** The pipeline's jobs for one stack. */
function stackJobs(stack: PipelineStack, stacks: ReadonlySet<string>): Record<string, Job> {
    const { name, file, plan } = stack;
    const target = `"\${PULUMI_STACK_PREFIX}${name}"`;
    const report = `gitlab-federation-${name}.md`;
    // A shard stack's map is its foundation's, reviewed (moves between stacks included) by the foundation's review job.
    const jobs: Record<string, Job> = stack.shardOf !== undefined ? {} : {
        [`review:${name}`]: {
            stage: "review",
            needs: ["check"],
            variables: { GIT_DEPTH: "0" },
            rules: [{ if: MR }],
            before_script: [CLI_INSTALL],
            script: [
                `status=0; ${CLI} diff --base "$CI_MERGE_REQUEST_DIFF_BASE_SHA" --config ${file} --format markdown --always > ${report} || status=$?`,
                `cat ${report}`,
                `if [ -n "$GITLAB_FEDERATION_NOTE_TOKEN" ] && [ "$status" != 1 ]; then ${CLI} mr-note --file ${report} --key ${name}; fi`,
                '# 4 (only narrowed, or only resources changed) passes; 5 (access widened) is an allowed failure, a failure when GITLAB_FEDERATION_STRICT is true',
                'if [ "$status" = 4 ]; then status=0; fi',
                'if [ "$status" = 5 ] && [ "$GITLAB_FEDERATION_STRICT" = "true" ]; then status=1; fi',
                'exit "$status"',
            ],
            allow_failure: { exit_codes: [5] },
            artifacts: { expose_as: `gitlab-federation ${name}`, paths: [report], when: "always" },
        },
        // Drift from GitLab's side (renamed projects, protection rules, sub claim settings): scheduled pipelines only.
        [`verify:${name}`]: {
            stage: "check",
            needs: ["check"],
            rules: [{ if: SCHEDULE }],
            before_script: [CLI_INSTALL],
            script: [`${CLI} verify --config ${file}`],
        },
    };
    if (plan.deployer === undefined) {
        return jobs;
    }
    const contract = contractOf(plan);
    const planner = identityJob(contract, plan.deployer.project, "planner", stack);
    jobs[`preview:${name}`] = {
        stage: "review",
        needs: ["check"],
        ...planner,
        rules: narrowed(planner.rules as Rule[], MR),
        script: [`pulumi preview --diff --non-interactive --stack ${target} --policy-pack ${POLICY_PACK}`],
    };
    const applier = identityJob(contract, plan.deployer.project, "applier", stack);
    jobs[`up:${name}`] = {
        stage: "deploy",
        // A shard's resources use the foundation's anchors: its up runs after the foundation's.
        needs: stack.shardOf !== undefined && stacks.has(stack.shardOf) ? ["check", `up:${stack.shardOf}`] : ["check"],
        ...applier,
        // The gate compares with the commit last applied, anywhere in the branch's history.
        variables: { ...(applier.variables as Job), GIT_DEPTH: "0" },
        resource_group: `gitlab-federation-${name}`,
        // Never in a scheduled pipeline: that one verifies GitLab, it does not deploy.
        rules: narrowed(applier.rules as Rule[], `$CI_PIPELINE_SOURCE != "merge_request_event" && $CI_PIPELINE_SOURCE != "schedule"`, plan.deployer.manual ? "manual" : undefined),
        // A shard stack is gated on the whole map (moves and anchors are the map's), from its foundation's file.
        script: upScript(target, stack.shardOf !== undefined ? stackFileName(stack.shardOf) : file),
    };
    return jobs;
}

/** The stack tag that records the commit a stack was last applied from: the gate's base. */
export const APPLIED_COMMIT_TAG = "gitlab-federation:commit";

/**
 * pulumi up, gated: never unattended when the change since the commit last applied (the stack tag;
 * none for a stack never applied) has hazards, moves resources between stacks or needs an
 * administrator (gitlab-federation gate, exit 6). A person who has done what the gate asks runs
 * the job again with GITLAB_FEDERATION_ACCEPT_SHA set to this commit. After a successful up the
 * tag records the commit.
 */
function upScript(target: string, mapFile: string): string[] {
    return [
        `base="$(pulumi stack tag get ${APPLIED_COMMIT_TAG} --stack ${target} 2>/dev/null || echo none)"`,
        `status=0; ${CLI} gate --base "$base" --config ${mapFile} --commit "$CI_COMMIT_SHA" || status=$?`,
        'if [ "$status" = 6 ] && [ "$GITLAB_FEDERATION_ACCEPT_SHA" = "$CI_COMMIT_SHA" ]; then echo "applying: accepted for $CI_COMMIT_SHA (GITLAB_FEDERATION_ACCEPT_SHA)"; status=0; fi',
        'if [ "$status" != 0 ]; then exit "$status"; fi',
        `pulumi up --yes --diff --non-interactive --stack ${target} --policy-pack ${POLICY_PACK}`,
        `pulumi stack tag set ${APPLIED_COMMIT_TAG} "$CI_COMMIT_SHA" --stack ${target}`,
    ];
}

/** The whole .gitlab-ci.yml for these stacks (sorted by name). */
export function generatePipeline(stacks: readonly PipelineStack[]): string {
    const sorted = [...stacks].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const quality = sorted.map((s) => `gl-code-quality-${s.name}.json`);
    const document: Record<string, unknown> = {
        workflow: { rules: [{ if: MR }, { if: `$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE != "merge_request_event"` }] },
        stages: ["check", "review", "deploy"],
        variables: {
            GITLAB_FEDERATION_IMAGE: {
                value: `pulumi/pulumi-nodejs-22:${MINIMUM_PULUMI_CLI}`,
                description: `An image with Node.js 22+ and the Pulumi CLI ${MINIMUM_PULUMI_CLI} or later (pulumi state move re-parents to the root; pulumi login --oidc-token).`,
            },
            PULUMI_STACK_PREFIX: { value: "", description: "Prefix of the stack names, e.g. acme/gitlab-federation/ on Pulumi Cloud; empty for a self-managed backend." },
            GITLAB_FEDERATION_STRICT: { value: "false", description: "true: a merge request that widens access fails its review job." },
        },
        default: { image: "$GITLAB_FEDERATION_IMAGE", cache: { key: { files: ["package-lock.json"] }, paths: [".npm/"] } },
        check: {
            stage: "check",
            before_script: [INSTALL],
            script: [
                `${CLI} pipeline --check`,
                "failed=0",
                ...sorted.map((s) => `${CLI} validate --config ${s.file} --format codequality > gl-code-quality-${s.name}.json || failed=1`),
                'exit "$failed"',
            ],
            // The built CLI, for the jobs that install only its runtime dependencies (CLI_INSTALL).
            artifacts: { reports: { codequality: quality }, paths: [...quality, ...BUILT], when: "always" },
        },
    };
    const names = new Set(sorted.map((s) => s.name));
    for (const stack of sorted) {
        Object.assign(document, stackJobs(stack, names));
    }
    const header = [
        `Generated by \`gitlab-federation pipeline\` from ${sorted.map((s) => s.file).join(", ")}: regenerate it after adding a stack or`,
        "changing a deployer section; the check job fails while it is stale. README: Running it from GitLab.",
        "CI/CD variables it reads: PULUMI_BACKEND_URL (set per job from deployer.<target>.state), or PULUMI_ORG (+ PULUMI_OIDC_TEAM_PLANNER/_APPLIER) for Pulumi Cloud",
        "through OIDC; PULUMI_CONFIG_PASSPHRASE only for a passphrase secrets provider; GITLAB_FEDERATION_NOTE_TOKEN for the",
        "optional merge-request note (readable by merge-request pipelines: a token that can only write notes here);",
        "GITLAB_FEDERATION_VERIFY_TOKEN for the scheduled verify jobs (read_api, Maintainer of the map's projects: a protected variable).",
    ];
    return `${header.map((line) => comment(line)).join("\n")}\n${yamlOf(document)}`;
}
