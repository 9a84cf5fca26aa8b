/**
 * The real commits `bench/real-projects.ts` runs driftbot on, and what a maintainer of
 * each project would want to hear. Configs are ours (`<project>.yml` beside this file);
 * the projects' code is never copied here, only their commit ids.
 */
export interface Case {
  /** First-parent range: base is `<head>~1` unless given. */
  head: string;
  base?: string;
  expect: 'drift' | 'clean' | 'no-error';
  why: string;
}

export interface Project {
  name: string;
  url: string;
  /** The config file beside this one. */
  config: string;
  cases: Case[];
}

export const PROJECTS: Project[] = [
  {
    name: 'agenta',
    url: 'https://github.com/Agenta-AI/agenta',
    config: 'agenta.yml',
    cases: [
      { head: 'f14787478d', expect: 'drift', why: 'span_id changed from uuid to varchar in place in oss000000014 (core) and oss000000004 (tracing)' },
      { head: '0c568921a3', expect: 'drift', why: 'turn_id added in place to oss000000014' },
      { head: '22d843c0ae', expect: 'drift', why: 'oss000000006-9 and tracing oss000000002 edited in place' },
      { head: 'a9dcfac55c', expect: 'drift', why: 'the seed incident: oss000000008_add_session_streams edited in place' },
      { head: 'c11b7e4cfa', expect: 'clean', why: 'a new revision appended (an index on session_streams), nothing edited' },
      { head: '05c3f38e9c', expect: 'clean', why: 'a new revision appended (an expression index), nothing edited' },
    ],
  },
];
