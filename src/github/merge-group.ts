/**
 * merge_group checks_requested: a merge queue asks for the checks of the commit it
 * would merge. The group's head is analysed against its base and reported on the
 * `driftbot` check run of that commit; there is no pull request to comment on.
 *
 * The whole analysis runs: only people with write access can queue a pull request, so
 * the code in a merge group is code a maintainer chose to merge.
 */
import { renderCheckRun } from '../report/check-run.js';
import { summarize } from '../report/summary.js';
import { CheckRun } from './check-run.js';
import type { AppDependencies, WebhookEvent } from './handlers.js';

interface MergeGroupPayload {
  repository: { name: string; owner: { login: string }; html_url?: string };
  installation?: { id: number };
  merge_group: { head_sha: string; head_ref: string; base_sha: string; base_ref: string };
}

const branch = (ref: string) => ref.replace(/^refs\/heads\//, '');

export async function onMergeGroup(event: WebhookEvent<MergeGroupPayload>, deps: AppDependencies): Promise<void> {
  const { octokit, payload } = event;
  const group = payload.merge_group;
  // No pull request: number 0 keeps "Re-run" (which needs one) from mistaking it for one.
  const target = { owner: payload.repository.owner.login, repo: payload.repository.name, number: 0, installationId: payload.installation?.id };
  deps.queue.enqueue(`${target.owner}/${target.repo}@${group.head_ref}`, async (signal) => {
    const { engine } = deps;
    const token = engine.needsToken ? ((await octokit.auth({ type: 'installation' })) as { token: string }).token : null;
    const checkout = await engine.checkout(
      { owner: target.owner, repo: target.repo, number: 0, baseRef: branch(group.base_ref), headSha: group.head_sha, headRef: branch(group.head_ref) },
      token,
    );
    const check = await CheckRun.start(octokit, target, group.head_sha, 'Building the databases: fresh, upgraded from the base branch, and the models.', engine.ledger);
    const report = await engine.analyse({ repo: checkout.repoDir, base: { ref: branch(group.base_ref), sha: group.base_sha }, head: checkout.head, scope: 'full', signal });
    if (signal.aborted) return check.supersede();
    const origin = new URL(payload.repository.html_url ?? `https://github.com/${target.owner}/${target.repo}`).origin;
    const links = (path: string, line: number | null) =>
      `${origin}/${target.owner}/${target.repo}/blob/${group.head_sha}/${path.split('/').map(encodeURIComponent).join('/')}${line ? `#L${line}` : ''}`;
    await check.complete(renderCheckRun(summarize(report), { links }));
  });
}
