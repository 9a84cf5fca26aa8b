import { describe, expect, it } from 'vitest';
import { environmentAdvice } from '../../src/analysis/environment-advice.js';

/** Errors as the runner reports them, from the real projects driftbot was run on. */
describe('what to change when base fails as head does', () => {
  it('a settings class that wants a value (Polar): python.env or python.env_file, not another Python', () => {
    const polar = 'ValidationError: 1 validation error for Settings\nJWKS\n  Value error, The provided JWKS path ./.jwks.json is not a valid file path or does not exist.';
    expect(environmentAdvice(polar)).toMatch(/python\.env, or name a dotenv file of the repository in python\.env_file/);
    expect(environmentAdvice(polar)).not.toContain('--python');
    expect(environmentAdvice("KeyError: 'ACCOUNTS_TABLE'")).toContain('python.env');
  });

  it('a missing module: the dependency files or the import roots', () => {
    const advice = environmentAdvice("ModuleNotFoundError: No module named 'pycountry'");
    expect(advice).toContain('the code imports pycountry');
    expect(advice).toContain('python.requirements');
    expect(advice).toContain('python.paths');
  });

  it('a missing extension: a server that has it', () => {
    expect(environmentAdvice('type "citext" does not exist')).toContain('DRIFTBOT_DATABASE_URL');
    expect(environmentAdvice('extension "timescaledb" is not available')).toContain('DRIFTBOT_DATABASE_URL');
  });

  it('a file where the container has it: python.mounts', () => {
    expect(environmentAdvice("FileNotFoundError: [Errno 2] No such file or directory: '/app/oss/alembic.ini'")).toContain('python.mounts');
  });

  it('anything else: every setting that gives the code what it needs', () => {
    expect(environmentAdvice('ZeroDivisionError: division by zero')).toMatch(/python\.requirements.*python\.env.*python\.mounts.*DRIFTBOT_DATABASE_URL/);
  });
});
