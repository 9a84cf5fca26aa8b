/**
 * What the App may run, given whether the sandbox works on its machine. The App runs
 * strangers' code, so without the sandbox it runs none: every pull request gets the
 * static check (git, and revision files parsed, never imported) until the operator
 * fixes the machine — or, running only their own repositories, opts out loudly with
 * DRIFTBOT_ALLOW_UNSANDBOXED=1. The CLI runs the user's own code and only warns.
 */
import type { AnalysisScope } from '../report/report.js';
import type { SandboxStatus } from './sandbox.js';

export interface AppSandboxPolicy {
  /** The widest scope any analysis may have: `static` when repository code may not run. */
  maxScope: AnalysisScope;
  /** Whether analyses use the sandbox. */
  sandbox: boolean;
  /** Said once at start-up, on stderr. */
  startup: string;
  /** Added to every report's warnings, when there is something to say. */
  warning: string | null;
}

export const ALLOW_UNSANDBOXED = 'DRIFTBOT_ALLOW_UNSANDBOXED';

export function appSandboxPolicy(status: SandboxStatus, env: NodeJS.ProcessEnv): AppSandboxPolicy {
  if (status.available) {
    return { maxScope: 'full', sandbox: true, startup: `driftbot: repository code runs in the sandbox (bubblewrap ${status.version})`, warning: null };
  }
  if (env[ALLOW_UNSANDBOXED] === '1') {
    return {
      maxScope: 'full',
      sandbox: false,
      startup: `driftbot: WARNING: ${ALLOW_UNSANDBOXED}=1: pull requests' migrations run WITHOUT a sandbox and can read this server's private key, tokens and files. Only do this for repositories whose every author you trust. (${status.reason})`,
      warning: `driftbot ran this repository's code without a sandbox (the operator set ${ALLOW_UNSANDBOXED}=1)`,
    };
  }
  return {
    maxScope: 'static',
    sandbox: true,
    startup: `driftbot: the sandbox does not work on this machine, so no pull request's code will run: only the static check (git and the revision files). ${status.reason}. To run repository code anyway (your own repositories only), set ${ALLOW_UNSANDBOXED}=1.`,
    warning: `only the static check ran: the sandbox driftbot runs pull requests' code in is not available on its server (${status.reason}); its operator can fix that`,
  };
}
