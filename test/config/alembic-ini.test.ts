import { describe, expect, it } from 'vitest';
import { alembicIniSettings, resolveIniFolder } from '../../src/config/alembic-ini.js';

describe('alembicIniSettings', () => {
  it('reads the [alembic] section only, with configparser’s separators, comments and %% escapes', () => {
    const ini = [
      '[DEFAULT]',
      'script_location = not/this',
      '[alembic]',
      '; a comment',
      'Script_Location: %(here)s/100%%/migrations',
      '[post_write_hooks]',
      'script_location = nor/this',
    ].join('\n');
    expect(alembicIniSettings(ini)).toEqual({ scriptLocation: '%(here)s/100%/migrations', versionLocations: [] });
  });

  it('splits version_locations the way Alembic does for each separator setting', () => {
    const settings = (lines: string[]) => alembicIniSettings(['[alembic]', 'script_location = m', ...lines].join('\n')).versionLocations;
    expect(settings(['version_locations = a, b c'])).toEqual(['a', 'b', 'c']);
    expect(settings(['version_path_separator = os', 'version_locations = a:b c'])).toEqual(['a', 'b c']);
    expect(settings(['path_separator = ;', 'version_locations = a;b'])).toEqual(['a', 'b']);
    expect(settings(['version_path_separator = newline', 'version_locations =', '    a b', '    c'])).toEqual(['a b', 'c']);
  });
});

describe('resolveIniFolder', () => {
  const folders = new Set(['svc', 'svc/db', 'svc/db/versions', 'db', 'db/versions', 'other', 'other/db', 'other/db/versions']);

  it('reads %(here)s and relative locations from the ini’s folder first, then from the root', () => {
    expect(resolveIniFolder('%(here)s/db/versions', 'svc', folders)).toEqual({ folder: 'svc/db/versions', matchedByEnding: null });
    expect(resolveIniFolder('db/versions', 'svc', folders)).toEqual({ folder: 'svc/db/versions', matchedByEnding: null });
    expect(resolveIniFolder('db/versions', 'nowhere', folders)).toEqual({ folder: 'db/versions', matchedByEnding: null });
  });

  it('matches absolute paths by their ending, beside the ini first, and never by a lone last segment', () => {
    expect(resolveIniFolder('/app/db/versions', 'other', folders)).toEqual({ folder: 'other/db/versions', matchedByEnding: 'db/versions' });
    expect(resolveIniFolder('/app/db/versions', '.', folders)).toEqual({ folder: 'db/versions', matchedByEnding: 'db/versions' });
    expect(resolveIniFolder('/app/migrations/versions', '.', folders)).toBeNull();
  });
});
