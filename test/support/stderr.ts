/** Hands what the code under test writes to stderr to `onWrite`, until `vi.restoreAllMocks()`. */
import { vi } from 'vitest';

export function onStderr(onWrite: (text: string) => void): void {
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    onWrite(String(chunk));
    return true;
  });
}
