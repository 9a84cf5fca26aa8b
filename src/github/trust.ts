/**
 * Running migrations runs the pull request author's code. It happens automatically only
 * when the branch lives in the repository itself (its authors can push there anyway) or
 * the author is an owner, member or collaborator; anyone else gets the static part, and
 * a maintainer can ask for the rest.
 */
const TRUSTED_ASSOCIATIONS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);

export interface PullRequestOrigin {
  headRepoFullName: string | null;
  baseRepoFullName: string;
  authorAssociation: string;
}

export function mayRunAutomatically(origin: PullRequestOrigin): boolean {
  return origin.headRepoFullName === origin.baseRepoFullName || TRUSTED_ASSOCIATIONS.has(origin.authorAssociation);
}
