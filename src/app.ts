/**
 * The Probot app: routes each event to its handler, nothing else. The same handlers are
 * plain functions of (client, payload, log) and the app's dependencies.
 */
import type { ApplicationFunction, Context } from 'probot';
import { onCheckRunRerequested, onComment, onLabel, onMergeGroup, onPullRequest, type AppDependencies } from './github/handlers.js';

export function driftbotApp(deps: AppDependencies): ApplicationFunction {
  return (app) => {
    const seen = new DeliveryLog();
    const event = <P>(context: Context) => ({ octokit: context.octokit, payload: context.payload as P, log: context.log, delivery: { id: context.id, receivedAt: Date.now() } });
    // GitHub redelivers (and users replay) webhooks: the same delivery runs once.
    const once =
      <C extends Context>(handler: (context: C) => Promise<void>) =>
      (context: C) =>
        seen.first(context.id) ? handler(context) : Promise.resolve();
    app.on(
      ['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'],
      once((context) => onPullRequest(event(context), deps)),
    );
    app.on(
      'pull_request.labeled',
      once((context) => onLabel(event(context), deps)),
    );
    app.on(
      'check_run.rerequested',
      once((context) => onCheckRunRerequested(event(context), deps)),
    );
    app.on(
      'issue_comment.created',
      once((context) => onComment(event(context), deps)),
    );
    app.on(
      'merge_group.checks_requested',
      once((context) => onMergeGroup(event(context), deps)),
    );
  };
}

/** The last few thousand delivery ids. */
class DeliveryLog {
  private readonly ids = new Set<string>();

  first(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > 5000) this.ids.delete(this.ids.values().next().value!);
    return true;
  }
}
