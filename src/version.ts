import { readFileSync } from 'node:fs';
import { packageRoot } from './package-root.js';
import { join } from 'node:path';

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
