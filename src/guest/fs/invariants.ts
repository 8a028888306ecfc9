// Invariants of the file layer, checked after every end-to-end program (tests/helpers/
// guest-e2e.ts) once every task has exited:
//   - no open file is left (nr_files == 0): every struct file was fput as often as it was
//     referenced — by descriptor tables (fork, dup, CLONE_FILES, exec, exit) and pipes;
//   - no pipe capacity is left accounted (every pipe was freed with its last end);
//   - every inode still counted is reachable from the root (or is the console's): an
//     unlinked file was freed with its last open file;
//   - the filesystem's byte count equals the buffers its reachable files own, and every
//     directory's link count is 2 + its subdirectories.
// Returns the violations found (empty when all is well).

import type { Kernel } from '../kernel.js';
import type { Inode } from './inode.js';
import { pipe_pages } from './pipe.js';

export function check_fs_invariants(k: Kernel): string[] {
  const out: string[] = [];
  const vfs = k.vfs;
  if (vfs.nr_files !== 0) out.push(`fs: ${vfs.nr_files} open files left after every task exited`);
  if (pipe_pages(k) !== 0) out.push(`fs: ${pipe_pages(k)} pipe pages still accounted`);
  const seen = new Set<Inode>();
  let bytes = 0;
  const walk = (dir: Inode): void => {
    seen.add(dir);
    let subdirs = 0;
    for (const d of dir.entries?.values() ?? []) {
      const inode = d.inode;
      if (inode.isDir) {
        subdirs++;
        if (inode.parent !== dir) out.push(`fs: directory ${d.name} (ino ${inode.ino}) has a wrong parent`);
        walk(inode);
      } else if (!seen.has(inode)) {
        seen.add(inode);
        if (inode.isReg && !inode.shared) bytes += inode.data.length;
      }
    }
    if (dir.nlink !== 2 + subdirs) out.push(`fs: directory ino ${dir.ino} has nlink ${dir.nlink}, expected ${2 + subdirs}`);
  };
  walk(vfs.root);
  // The console's inode lives outside the tree (fs/devices.ts).
  const extra = vfs.inodes - seen.size;
  if (extra !== 0 && extra !== 1) out.push(`fs: ${vfs.inodes} inodes counted, ${seen.size} reachable: unlinked inodes leaked`);
  if (bytes !== vfs.bytes) out.push(`fs: ${vfs.bytes} bytes accounted, ${bytes} owned by reachable files`);
  return out;
}
