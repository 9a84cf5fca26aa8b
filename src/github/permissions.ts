/**
 * Who may drive driftbot: users with write, maintain or admin permission, as GitHub
 * says (never read from the webhook payload, which only tells how the user relates).
 */
import type { GitHubClient } from './client.js';

const ALLOWED_ROLES = new Set(['admin', 'maintain', 'write']);

export async function canRunCommands(octokit: GitHubClient, owner: string, repo: string, username: string): Promise<boolean> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username });
    // `permission` is the legacy level (maintain reads as write); `role_name` is exact.
    return ALLOWED_ROLES.has(data.role_name ?? '') || data.permission === 'admin' || data.permission === 'write';
  } catch (error) {
    if ((error as { status?: number }).status === 404) return false;
    throw error;
  }
}
