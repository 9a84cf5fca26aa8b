/** python.env, python.env_file and python.mounts: what a repository may set, and what not. */
import { describe, expect, it } from 'vitest';
import { parseDotenv } from '../../src/config/dotenv.js';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load.js';
import { committedFiles, revisionFile } from './committed.js';

const PATH = '.github/driftbot.yml';
const CHAINS = 'databases:\n  - chains: [{ versions: db/versions }]\n';

function problem(text: string): string {
  try {
    parseConfig(text, PATH);
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
}

describe('python settings in the configuration', () => {
  it('reads env, env_file and mounts', () => {
    const config = parseConfig(`${CHAINS}python:\n  env: { APP_MODE: test, CFG: "{root}/api/alembic.ini" }\n  env_file: [api/.env.testing]\n  mounts: { /app: api/ }\n`, PATH);
    expect(config.python).toMatchObject({ env: { APP_MODE: 'test', CFG: '{root}/api/alembic.ini' }, envFiles: ['api/.env.testing'], mounts: { '/app': 'api' } });
  });

  it('refuses variables that choose what runs or where, naming the key', () => {
    expect(problem(`${CHAINS}python:\n  env: { LD_PRELOAD: /tmp/x.so }\n`)).toMatch(/^\.github\/driftbot\.yml:4:\d+: python\.env\.LD_PRELOAD: .*driftbot's to set/);
    expect(problem(`${CHAINS}python:\n  env: { PYTHONPATH: x }\n`)).toContain("driftbot's to set");
    expect(problem(`${CHAINS}python:\n  env: { 1BAD: x }\n`)).toContain('a variable name is letters');
  });

  it('refuses mount points that would hide system folders or climb out', () => {
    expect(problem(`${CHAINS}python:\n  mounts: { /usr/lib: api }\n`)).toContain('may not hide a system folder');
    expect(problem(`${CHAINS}python:\n  mounts: { /etc: api }\n`)).toContain('may not hide a system folder');
    expect(problem(`${CHAINS}python:\n  mounts: { /app/../etc: api }\n`)).toContain('no "." or ".."');
    expect(problem(`${CHAINS}python:\n  mounts: { app: api }\n`)).toContain('give an absolute folder such as /app');
  });

  it('names an env_file or a mounted folder the commit does not have', async () => {
    const versions = { 'db/versions/0001_init.py': revisionFile('0001', null) };
    const missingFile = await loadConfig(await committedFiles({ ...versions, [PATH]: `${CHAINS}python:\n  env_file: [api/.env.tesst]\n` })).catch((e: unknown) => e);
    expect(missingFile).toBeInstanceOf(ConfigError);
    expect((missingFile as Error).message).toBe('.github/driftbot.yml:4:14: python.env_file[0]: file "api/.env.tesst" does not exist in this commit');
    const missingFolder = await loadConfig(await committedFiles({ ...versions, [PATH]: `${CHAINS}python:\n  mounts: { /app: apii }\n` })).catch((e: unknown) => e);
    expect((missingFolder as Error).message).toContain('python.mounts./app: folder "apii" does not exist in this commit');
  });
});

describe('dotenv files', () => {
  it('reads KEY=value lines as teams write them', () => {
    const text = ['# comment', 'export A=1', 'B = two words # trailing comment', 'C="line\\nbreak \\"quoted\\""', "D='literal \\n $HOME'", 'E=', 'not a line', 'F=x=y'].join('\n');
    expect(parseDotenv(text)).toEqual({ A: '1', B: 'two words', C: 'line\nbreak "quoted"', D: 'literal \\n $HOME', E: '', F: 'x=y' });
  });
});
