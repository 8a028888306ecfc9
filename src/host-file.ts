// Reading a file the user names on the host: a program, an assembler source or %include,
// a debugger batch script or stdin file. Only regular files of a bounded size are read —
// a device or a FIFO could be endless or block — and every problem is one message of the
// form "<path>: <problem>", which each command prints in its own way (exit code 2).

import { readFileSync, statSync } from 'node:fs';

/** The largest host file any command reads. */
export const MAX_HOST_FILE = 64 << 20;

/** A host file could not be read; the message is "<path>: <problem>". */
export class HostFileError extends Error {}

/** A Node fs error as the few words a one-line message needs. */
export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ENOTDIR') return 'not a directory';
  return code ?? (e instanceof Error ? e.message : String(e));
}

/** The bytes of the regular file at `path` (at most `limit` bytes), or a HostFileError. */
export function readHostFile(path: string, limit = MAX_HOST_FILE): Buffer {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new HostFileError(`${path}: ${describeFsError(e)}`);
  }
  if (st.isDirectory()) throw new HostFileError(`${path}: is a directory`);
  if (!st.isFile()) throw new HostFileError(`${path}: not a regular file`);
  if (st.size > limit) throw new HostFileError(`${path}: too large (${st.size} bytes; the limit is ${limit >> 20} MiB)`);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new HostFileError(`${path}: ${describeFsError(e)}`);
  }
}
