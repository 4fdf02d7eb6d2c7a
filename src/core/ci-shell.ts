/**
 * Shell shared by the targets' CI template parts: job-private files. mktemp creates each with
 * mode 0600 under a name no other job knows; after_script removes them by the job's id (the
 * tokens in them expire with the job anyway).
 */
export const JOB_FILE = '"${TMPDIR:-/tmp}/gitlab-federation-$CI_JOB_ID.XXXXXX"';
export const JOB_FILES_CLEANUP = 'rm -f "${TMPDIR:-/tmp}"/gitlab-federation-"$CI_JOB_ID".*';
