/**
 * A project on pydantic 1 (Mealie before 2024-02): its settings class has a `@validator`,
 * and pydantic 1 remembers every validator by "module.Class.method" for the life of the
 * process, refusing a second one of the same name. The runner imports the repository
 * again for each tree it builds (base, then head, in the same process): each tree's
 * settings module must load as if for the first time. Its compiled modules' optional
 * imports are theirs, not the repository's: never stood in.
 */
import { ownProjectEnvironments } from '../support/project-environments.js';
import { describe, expect, it } from 'vitest';
import { check, newRepo } from '../support/analysis.js';
import { revision } from '../support/app-repo.js';

const VERSIONS = 'migrations/versions';

const SETTINGS = `from pydantic import BaseSettings, validator


class Settings(BaseSettings):
    base_url: str = "http://localhost/"

    @validator("base_url")
    def remove_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")


settings = Settings()
`;

const MODELS = `import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from app.settings import settings


class Base(DeclarativeBase):
    pass


class Site(Base):
    __tablename__ = "sites"
    id = sa.Column(sa.Integer, primary_key=True)
    url = sa.Column(sa.Text, server_default=settings.base_url)
`;

const IMPORTS = 'import sqlalchemy as sa\nfrom alembic import op\n\nfrom app.settings import settings\n';

ownProjectEnvironments('pydantic-v1');

describe('a project on pydantic 1', () => {
  it('imports its settings (a @validator) once per tree in the same runner, and finds the in-place edit', async () => {
    const repo = await newRepo('pydantic-v1');
    await repo.commit('base', {
      '.github/driftbot.yml': `databases:\n  - chains: [{ versions: ${VERSIONS} }]\n    models: [app/models.py]\npython:\n  paths: ["."]\n  requirements: [requirements.txt]\n`,
      'requirements.txt': 'pydantic==1.10.21\n',
      'app/__init__.py': '',
      'app/settings.py': SETTINGS,
      'app/models.py': MODELS,
      [`${VERSIONS}/0001_sites.py`]: revision(
        '0001',
        null,
        'sites',
        'op.create_table("sites", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("url", sa.Text()))',
        IMPORTS,
      ),
    });
    await repo.branch('feature');
    // Edited in place: the default the settings give, which upgraded databases never get.
    await repo.commit('default url', {
      [`${VERSIONS}/0001_sites.py`]: revision(
        '0001',
        null,
        'sites',
        'op.create_table("sites", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("url", sa.Text(), server_default=settings.base_url))',
        IMPORTS,
      ),
    });

    // One runner process: base's tree and head's are imported one after the other in it.
    const report = await check(repo, 'main', 'feature', { runners: 1 });
    expect(report.errors).toEqual([]);
    expect(report.status).toBe('drift');
    expect(report.findings.map((f) => [f.table, f.name, f.difference])).toEqual([['sites', 'url', 'differs-on-upgraded']]);
    // The validator ran on head's side too: the trailing slash is gone.
    expect(report.findings[0]?.fresh).toContain("'http://localhost'::text");
    // pydantic 1's compiled modules probe optional modules (backports_abc) at import: that
    // import is pydantic's, not the repository's, so it gets no stand-in.
    expect(report.standIns).toEqual([]);
  }, 300_000);
});
