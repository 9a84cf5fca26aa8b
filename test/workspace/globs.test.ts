import { describe, expect, it } from 'vitest';
import { matchGlobs } from '../../src/workspace/globs.js';

describe('matchGlobs', () => {
  const paths = ['api/oss/src/dbs/postgres/a/dbes.py', 'api/oss/src/dbs/postgres/dbes.py', 'api/oss/src/dbs/dbes.py', 'api/other.py', 'app/models.py'];

  it('lets ** span any number of folders, including none', () => {
    expect(matchGlobs(paths, ['api/oss/src/dbs/postgres/**/dbes.py'])).toEqual(['api/oss/src/dbs/postgres/a/dbes.py', 'api/oss/src/dbs/postgres/dbes.py']);
  });

  it('keeps * within one folder and treats dots literally', () => {
    expect(matchGlobs(paths, ['api/*.py'])).toEqual(['api/other.py']);
    expect(matchGlobs(['app/modelsXpy'], ['app/models.py'])).toEqual([]);
  });

  it('accepts several globs and a leading ./', () => {
    expect(matchGlobs(paths, ['./app/models.py', 'api/oss/src/dbs/dbes.py'])).toEqual(['api/oss/src/dbs/dbes.py', 'app/models.py']);
  });
});
