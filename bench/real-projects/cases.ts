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
  {
    name: 'dispatch',
    url: 'https://github.com/Netflix/dispatch',
    config: 'dispatch.yml',
    cases: [
      { head: 'dd2837e82', expect: 'clean', why: 'a tenant revision appended (Slack canvases), matching the models' },
      {
        head: '0b99a2216',
        expect: 'drift',
        why: 'a tenant revision appended with server_default "t" on project.suggest_security_event_over_incident, while the model says "f" (fixed in place four days later)',
      },
      {
        head: '11a85ecdc',
        expect: 'no-error',
        why: 'that revision edited in place ("t" to "f"): reported as edited; the default its old version left on older databases is not rebuilt (install: models)',
      },
      {
        head: '39ea20f35',
        expect: 'drift',
        why: 'a tenant revision appended that names its foreign key fk_case_resolved_by_id; new installs (create_all) get case_resolved_by_id_fkey',
      },
    ],
  },
];
