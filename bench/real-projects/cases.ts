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
  {
    name: 'mealie',
    url: 'https://github.com/mealie-recipes/mealie',
    config: 'mealie.yml',
    cases: [
      { head: '8ca5a9454', expect: 'clean', why: 'dded3119c1fe edited in place: rows deleted before a unique constraint is added (data only; pydantic 1)' },
      { head: '7947aa99a', expect: 'clean', why: 'dded3119c1fe edited in place again: duplicate labels merged (data only; pydantic 1)' },
      {
        head: 'ac3514f4c',
        // Its parent is mid-branch: 74d6f5836 gave the ShoppingList model a column that b04a08da2108's backfill
        // then selected before any revision added it, so fresh installs failed there. Main before the branch ran.
        base: '98c869497',
        expect: 'clean',
        why: 'b04a08da2108 edited in place so that its backfill no longer reads a later model (data only), 2298bb460ffd appended; pydantic 2',
      },
      { head: '0abe8b192', expect: 'clean', why: '2298bb460ffd edited in place: a missing group_id filter in its backfill (data only)' },
      { head: 'f1fbf0d12', expect: 'clean', why: '2298bb460ffd edited in place: shopping lists without users deleted (data only)' },
      { head: '5f6844ece', expect: 'clean', why: 'a new revision appended (the OIDC auth method), with its model and a new lock' },
    ],
  },
  {
    name: 'polar',
    url: 'https://github.com/polarsource/polar',
    config: 'polar.yml',
    cases: [
      { head: 'f367db4b5a', expect: 'drift', why: 'migrate_to_customers edited in place: the unique constraint on customers.stripe_customer_id dropped' },
      { head: '51b02c252c', expect: 'drift', why: 'add_payment_model edited in place: payments.customer_email and its index added' },
      { head: '0949b62ddd', expect: 'drift', why: 'create_payout edited in place: ix_payouts_processor_id made non-unique' },
      {
        head: '1debdddb52',
        expect: 'drift',
        why: 'add_order_from_balance_amount edited in place: a server default added to orders.from_balance_amount (its requires-python is ==3.12.11)',
      },
      { head: '23509d910a', expect: 'clean', why: 'a new revision appended (benefit_grants.error) with its model' },
      { head: 'e0f226735c', expect: 'clean', why: 'a new revision appended (orders.billing_name) with its model' },
    ],
  },
];
