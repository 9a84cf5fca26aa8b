/**
 * The Probot app: routes each event to its handler, nothing else. The same handlers are
 * plain functions of (client, payload, log) and the app's dependencies.
 */
import type { ApplicationFunction, Context } from 'probot';
import { onCheckRunRerequested, onComment, onLabel, onPullRequest, type AppDependencies } from './github/handlers.js';

export function driftbotApp(deps: AppDependencies): ApplicationFunction {
  return (app) => {
    const event = <P>(context: Context) => ({ octokit: context.octokit, payload: context.payload as P, log: context.log });
    app.on(['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened', 'pull_request.ready_for_review'], (context) => onPullRequest(event(context), deps));
    app.on('pull_request.labeled', (context) => onLabel(event(context), deps));
    app.on('check_run.rerequested', (context) => onCheckRunRerequested(event(context), deps));
    app.on('issue_comment.created', (context) => onComment(event(context), deps));
  };
}
