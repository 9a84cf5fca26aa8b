/** The job's interpreter: found on PATH and passed on as an absolute path, or a clear error. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPython } from '../../src/action/python.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'driftbot-test-action-python-'));
  for (const [dir, name, mode] of [
    ['first', 'python', 0o755],
    ['second', 'python3', 0o755],
    ['second', 'python', 0o755],
    ['plain', 'python3', 0o644],
  ] as const) {
    await mkdir(join(root, dir), { recursive: true });
    await writeFile(join(root, dir, name), '#!/bin/sh\n');
    await chmod(join(root, dir, name), mode);
  }
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('findPython', () => {
  it('by default python3 on PATH before python, skipping files that are not executable', () => {
    expect(findPython(null, [join(root, 'plain'), join(root, 'first'), join(root, 'second')].join(':'), root)).toBe(join(root, 'second', 'python3'));
    expect(findPython(null, join(root, 'first'), root)).toBe(join(root, 'first', 'python'));
  });

  it('a name is looked up on PATH, a path taken relative to the workspace', () => {
    expect(findPython('python', [join(root, 'first'), join(root, 'second')].join(':'), root)).toBe(join(root, 'first', 'python'));
    expect(findPython('second/python3', '', root)).toBe(join(root, 'second', 'python3'));
  });

  it('none found, or not executable: the input named, and what to add', () => {
    expect(() => findPython(null, join(root, 'plain'), root)).toThrow('input "python": no python3 or python on PATH; add actions/setup-python');
    expect(() => findPython('plain/python3', '', root)).toThrow(`input "python": plain/python3 is not an executable file`);
  });
});
