/**
 * GitHub's HTTP API for the app tests, as nock interceptors over a little state:
 * comments, check runs, reactions, labels, commits. nock stands in for GitHub only;
 * the repository, Alembic and Postgres underneath are real.
 */
import nock from 'nock';

const API = 'https://api.github.com';
/** Sticky comments start so, with their state (or, from older versions, without). */
const STICKY = '<!-- driftbot:sticky ';

export interface CheckRunState {
  id: number;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string;
  output: { title: string; summary: string };
  annotations: { path: string; start_line: number; annotation_level: string }[];
  updates: number;
}

export interface PullState {
  number: number;
  headSha: string;
  headRef: string;
  draft: boolean;
  fork: boolean;
  authorAssociation: string;
  maintainerCanModify: boolean;
  files: string[];
}

export class FakeGitHub {
  comments: { id: number; body: string; user: { login: string; type: string } }[] = [];
  checkRuns: CheckRunState[] = [];
  reactions: { commentId: number; content: string }[] = [];
  removedLabels: string[] = [];
  permissions: Record<string, string> = {};
  /** Commits that reached a branch, each with the files of its tree. */
  commits: { files: { path: string; content: string }[]; ref: string; parent: string; message: string }[] = [];
  /** Git Data API requests, in order: a refused apply must make none. */
  gitRequests: string[] = [];
  /** Head shas that pulls.get returns in turn, after the first (to simulate a push mid-analysis). */
  headShaSequence: string[] = [];
  /** Server errors to answer comment creations with, before succeeding. */
  failCommentsWith: number[] = [];
  commentAttempts = 0;
  filePagesServed = 0;
  /** The branch moved on GitHub: ref updates are refused as not fast-forward. */
  branchMoved = false;
  private nextId = 1000;

  constructor(
    readonly owner: string,
    readonly repo: string,
    readonly pull: PullState,
  ) {}

  install(): void {
    const base = `/repos/${this.owner}/${this.repo}`;
    const scope = nock(API).persist();
    scope.post(/\/app\/installations\/\d+\/access_tokens/).reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z', permissions: {} });
    scope.get(`${base}/pulls/${this.pull.number}`).reply(() => {
      const sha = this.headShaSequence.length > 1 ? this.headShaSequence.shift()! : (this.headShaSequence[0] ?? this.pull.headSha);
      const headRepo = this.pull.fork
        ? { full_name: `stranger/${this.repo}`, name: this.repo, owner: { login: 'stranger' } }
        : { full_name: `${this.owner}/${this.repo}`, name: this.repo, owner: { login: this.owner } };
      return [
        200,
        {
          number: this.pull.number,
          state: 'open',
          draft: this.pull.draft,
          html_url: `https://github.com/${this.owner}/${this.repo}/pull/${this.pull.number}`,
          author_association: this.pull.authorAssociation,
          maintainer_can_modify: this.pull.maintainerCanModify,
          head: { sha, ref: this.pull.headRef, repo: headRepo },
          base: { ref: 'main', repo: { full_name: `${this.owner}/${this.repo}` } },
        },
      ];
    });
    // Paginated like GitHub: per_page (at most 100) and a Link header to the next page.
    scope.get(new RegExp(`^${escapeText(base)}/pulls/${this.pull.number}/files`)).reply((uri: string) => {
      const url = new URL(uri, API);
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), 100);
      const page = Number(url.searchParams.get('page') ?? 1);
      const files = this.pull.files.slice((page - 1) * perPage, page * perPage).map((filename) => ({ filename, status: 'modified' }));
      this.filePagesServed++;
      const more = page * perPage < this.pull.files.length;
      url.searchParams.set('page', String(page + 1));
      return [200, files, more ? { link: `<${url.toString()}>; rel="next"` } : {}];
    });
    scope.post(`${base}/check-runs`).reply((_uri: string, body: unknown) => {
      const request = body as { head_sha: string; status: string; external_id: string; output: CheckRunState['output'] };
      const run: CheckRunState = {
        id: this.nextId++,
        head_sha: request.head_sha,
        status: request.status,
        conclusion: null,
        external_id: request.external_id,
        output: request.output,
        annotations: [],
        updates: 0,
      };
      this.checkRuns.push(run);
      return [201, { id: run.id, html_url: `https://github.com/${this.owner}/${this.repo}/runs/${run.id}` }];
    });
    scope.patch(new RegExp(`^${escapeText(base)}/check-runs/\\d+$`)).reply((uri: string, body: unknown) => {
      const run = this.checkRuns.find((r) => uri.endsWith(`/${r.id}`))!;
      const update = body as { status?: string; conclusion?: string; output?: CheckRunState['output'] & { annotations?: CheckRunState['annotations'] } };
      run.updates++;
      if (update.status) run.status = update.status;
      if (update.conclusion) run.conclusion = update.conclusion;
      if (update.output) {
        run.output = { title: update.output.title, summary: update.output.summary };
        run.annotations.push(...(update.output.annotations ?? []));
      }
      return [200, { id: run.id }];
    });
    scope.get(new RegExp(`^${escapeText(base)}/issues/${this.pull.number}/comments`)).reply(() => [200, this.comments]);
    scope.post(`${base}/issues/${this.pull.number}/comments`).reply((_uri: string, body: unknown) => {
      this.commentAttempts++;
      const status = this.failCommentsWith.shift();
      if (status) return [status, { message: 'Server Error' }];
      const comment = { id: this.nextId++, body: (body as { body: string }).body, user: { login: 'driftbot[bot]', type: 'Bot' } };
      this.comments.push(comment);
      return [201, comment];
    });
    scope.patch(new RegExp(`^${escapeText(base)}/issues/comments/\\d+$`)).reply((uri: string, body: unknown) => {
      const comment = this.comments.find((c) => uri.endsWith(`/${c.id}`))!;
      comment.body = (body as { body: string }).body;
      return [200, comment];
    });
    scope.post(new RegExp(`^${escapeText(base)}/issues/comments/\\d+/reactions$`)).reply((uri: string, body: unknown) => {
      this.reactions.push({ commentId: Number(/comments\/(\d+)/.exec(uri)![1]), content: (body as { content: string }).content });
      return [201, {}];
    });
    scope.delete(new RegExp(`^${escapeText(base)}/issues/${this.pull.number}/labels/`)).reply((uri: string) => {
      this.removedLabels.push(decodeURIComponent(uri.slice(uri.lastIndexOf('/') + 1)));
      return [200, []];
    });
    scope.get(new RegExp(`^${escapeText(base)}/collaborators/[^/]+/permission$`)).reply((uri: string) => {
      const login = /collaborators\/([^/]+)\/permission/.exec(uri)![1]!;
      const role = this.permissions[login] ?? 'read';
      return [200, { permission: role === 'maintain' ? 'write' : role, role_name: role, user: { login } }];
    });
    // The Git Data API, for /driftbot apply: blobs by sha, trees of blobs, commits of trees.
    const blobs = new Map<string, string>();
    const trees = new Map<string, { path: string; content: string }[]>();
    const commits = new Map<string, { tree: string; parent: string; message: string }>();
    scope.post(/^\/repos\/[^/]+\/[^/]+\/git\/blobs$/).reply((_uri: string, body: unknown) => {
      this.gitRequests.push('blob');
      const sha = `blob${blobs.size + 1}`;
      blobs.set(sha, (body as { content: string }).content);
      return [201, { sha }];
    });
    scope.get(/^\/repos\/[^/]+\/[^/]+\/git\/commits\/[0-9a-f]+$/).reply(() => {
      this.gitRequests.push('get commit');
      return [200, { sha: 'parent', tree: { sha: 'tree0' } }];
    });
    scope.post(/^\/repos\/[^/]+\/[^/]+\/git\/trees$/).reply((_uri: string, body: unknown) => {
      this.gitRequests.push('tree');
      const sha = `tree${trees.size + 1}`;
      trees.set(
        sha,
        (body as { tree: { path: string; sha: string }[] }).tree.map((entry) => ({ path: entry.path, content: blobs.get(entry.sha)! })),
      );
      return [201, { sha }];
    });
    scope.post(/^\/repos\/[^/]+\/[^/]+\/git\/commits$/).reply((_uri: string, body: unknown) => {
      this.gitRequests.push('commit');
      const request = body as { tree: string; parents: string[]; message: string };
      const sha = `c0ffee${String(commits.size).padStart(34, '0')}`;
      commits.set(sha, { tree: request.tree, parent: request.parents[0]!, message: request.message });
      return [201, { sha }];
    });
    scope.patch(/^\/repos\/[^/]+\/[^/]+\/git\/refs\/heads(\/|%2F).+$/i).reply((uri: string, body: unknown) => {
      this.gitRequests.push('update ref');
      const request = body as { force: boolean; sha: string };
      if (request.force) return [400, {}];
      if (this.branchMoved) return [422, { message: 'Update is not a fast forward' }];
      const commit = commits.get(request.sha)!;
      this.commits.push({
        files: trees.get(commit.tree)!,
        ref: decodeURIComponent(uri.replace(/^.*\/git\/refs\//, '')).replace(/^heads\//, ''),
        parent: commit.parent,
        message: commit.message,
      });
      return [200, {}];
    });
  }

  stickyComments() {
    return this.comments.filter((c) => c.body.startsWith(STICKY));
  }

  replies() {
    return this.comments.filter((c) => !c.body.startsWith(STICKY));
  }
}

function escapeText(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
