// struct fs_struct (fs/fs_struct.c): a task's root directory, current working directory
// and umask. The seeds' CLONE_FS: "共享根目录和当前工作目录所在的表，以及用于屏蔽新文件初始
// 许可权的位掩码值" — share the table of the root and working directories and the mask
// applied to new files' permissions. With CLONE_FS a chdir or umask of one task is seen
// by the other; without it (fork) the child gets a copy.
//
// The root is always the filesystem's root (forkbox has no chroot): ".." there stays
// there, so no path can climb out of the in-memory tree (namei.ts).

import { CLONE_FS } from '../abi.js';
import type { Task } from '../task.js';
import type { Inode } from './inode.js';

export class FsStruct {
  /** users: tasks sharing it (CLONE_FS). */
  users = 1;
  root: Inode;
  pwd: Inode;
  umask = 0o022;

  constructor(root: Inode, pwd: Inode = root) {
    this.root = root;
    this.pwd = pwd;
  }
}

/** copy_fs (kernel/fork.c): share with CLONE_FS, else a copy (copy_fs_struct). */
export function copy_fs(flags: number, parent: Task, p: Task): void {
  const fs = parent.fs;
  if (!fs) {
    p.fs = null;
    return;
  }
  if (flags & CLONE_FS) {
    fs.users++;
    p.fs = fs;
  } else {
    const copy = new FsStruct(fs.root, fs.pwd);
    copy.umask = fs.umask;
    p.fs = copy;
  }
}

/** exit_fs: the task gives up its fs_struct (do_exit, a failed fork's unwinding). */
export function exit_fs(t: Task): void {
  const fs = t.fs;
  if (!fs) return;
  t.fs = null;
  fs.users--;
}

// execve leaves the fs_struct alone: a CLONE_FS sharer keeps sharing after exec, as in
// Linux (only the files table is unshared, fdtable.ts).

/**
 * d_path of a directory: its absolute path from the root (a byte string), walking the
 * parent links; null when the directory has been removed (getcwd: -ENOENT).
 */
export function d_path(root: Inode, dir: Inode): string | null {
  if (dir.dead) return null;
  const parts: string[] = [];
  let d = dir;
  for (let depth = 0; d !== root; depth++) {
    if (d.dead || !d.parent || d.parent === d || depth > 4096) return null;
    parts.push(d.name);
    d = d.parent;
  }
  return '/' + parts.reverse().join('/');
}
