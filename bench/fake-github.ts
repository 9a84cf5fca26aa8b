/**
 * GitHub's REST API for `npm run bench:serve`, as a plain local HTTP server that the
 * `driftbot serve` child reaches through GHE_HOST: the few routes an App installation
 * uses (tokens, pull requests, check runs, comments, labels, permissions), over a little
 * state, recording every call. It stands in for GitHub only; the queue, git, Alembic and
 * Postgres behind it are real. (The tests use nock for this; the bench is a separate
 * process tree, and a real socket keeps the measured one honest.)
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface FakePull {
  state: 'open' | 'closed';
  headSha: string;
  headRef: string;
}

export interface FakeCheckRun {
  id: number;
  repo: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  title: string;
}

export interface Call {
  method: string;
  /** The path without GitHub Enterprise's /api/v3 prefix, ids and names kept. */
  path: string;
  status: number;
}

export class FakeGitHub {
  /** Pull requests by `owner/repo#number`; any other pull request is answered 404. */
  readonly pulls = new Map<string, FakePull>();
  readonly checkRuns: FakeCheckRun[] = [];
  readonly comments: { id: number; repo: string; number: number; body: string }[] = [];
  readonly calls: Call[] = [];
  private nextId = 1;
  private server: Server | null = null;

  /** Listens on a free port of 127.0.0.1; returns it. */
  async start(): Promise<number> {
    this.server = createServer((req, res) => {
      void body(req).then((text) => {
        const path = (req.url ?? '').replace(/^\/api\/v3/, '').split('?')[0]!;
        const [status, answer] = this.answer(req.method ?? 'GET', path, text ? JSON.parse(text) : null);
        this.calls.push({ method: req.method ?? 'GET', path, status });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private answer(method: string, path: string, request: Record<string, unknown> | null): [number, unknown] {
    for (const [routeMethod, pattern, handle] of this.routes) {
      const match = routeMethod === method ? pattern.exec(path) : null;
      if (match) return handle(match.slice(1), request ?? {});
    }
    return [404, { message: `Not Found (bench fake: no route for ${method} ${path})` }];
  }

  private readonly routes: [string, RegExp, (groups: string[], request: Record<string, unknown>) => [number, unknown]][] = [
    ['POST', /^\/app\/installations\/\d+\/access_tokens$/, () => [201, { token: 'ghs_bench', expires_at: '2099-01-01T00:00:00Z', permissions: {} }]],
    ['GET', /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/, ([owner, repo, number]) => this.pull(owner!, repo!, number!)],
    ['GET', /^\/repos\/[^/]+\/[^/]+\/pulls\/\d+\/files$/, () => [200, []]],
    [
      'POST',
      /^\/repos\/([^/]+\/[^/]+)\/check-runs$/,
      ([repo], request) => {
        const run: FakeCheckRun = {
          id: this.nextId++,
          repo: repo!,
          headSha: String(request.head_sha),
          status: String(request.status ?? 'queued'),
          conclusion: null,
          title: titleOf(request) ?? '',
        };
        this.checkRuns.push(run);
        return [201, { id: run.id, html_url: `https://github.com/${repo}/runs/${run.id}` }];
      },
    ],
    [
      'PATCH',
      /^\/repos\/[^/]+\/[^/]+\/check-runs\/(\d+)$/,
      ([id], request) => {
        const run = this.checkRuns.find((r) => r.id === Number(id));
        if (!run) return [404, { message: 'Not Found' }];
        if (typeof request.status === 'string') run.status = request.status;
        if (typeof request.conclusion === 'string') run.conclusion = request.conclusion;
        run.title = titleOf(request) ?? run.title;
        return [200, { id: run.id, html_url: `https://github.com/runs/${run.id}` }];
      },
    ],
    [
      'GET',
      /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/,
      ([repo, number]) => [200, this.comments.filter((c) => c.repo === repo && c.number === Number(number)).map(asComment)],
    ],
    [
      'POST',
      /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/,
      ([repo, number], request) => {
        const comment = { id: this.nextId++, repo: repo!, number: Number(number), body: String(request.body ?? '') };
        this.comments.push(comment);
        return [201, asComment(comment)];
      },
    ],
    [
      'PATCH',
      /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/,
      ([id], request) => {
        const comment = this.comments.find((c) => c.id === Number(id));
        if (!comment) return [404, { message: 'Not Found' }];
        comment.body = String(request.body ?? '');
        return [200, asComment(comment)];
      },
    ],
    ['DELETE', /^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/labels\/[^/]+$/, () => [200, []]],
    ['GET', /^\/repos\/[^/]+\/[^/]+\/collaborators\/([^/]+)\/permission$/, ([login]) => [200, { permission: 'write', role_name: 'write', user: { login } }]],
  ];

  private pull(owner: string, repo: string, number: string): [number, unknown] {
    const pull = this.pulls.get(`${owner}/${repo}#${number}`);
    if (!pull) return [404, { message: 'Not Found' }];
    return [
      200,
      {
        number: Number(number),
        state: pull.state,
        draft: false,
        html_url: `https://github.com/${owner}/${repo}/pull/${number}`,
        author_association: 'MEMBER',
        maintainer_can_modify: false,
        head: { sha: pull.headSha, ref: pull.headRef, repo: { full_name: `${owner}/${repo}`, name: repo, owner: { login: owner } } },
        base: { ref: 'main', repo: { full_name: `${owner}/${repo}` } },
      },
    ];
  }
}

function titleOf(request: Record<string, unknown>): string | undefined {
  return (request.output as { title?: string } | undefined)?.title;
}

function asComment(comment: { id: number; body: string }) {
  return { id: comment.id, body: comment.body, user: { login: 'driftbot[bot]', type: 'Bot' } };
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
  });
}
