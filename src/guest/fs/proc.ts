// A minimal /proc (fs/proc/base.c): the one entry the C library's start-up reads.
//
// glibc's static start-up (_dl_non_dynamic_init → _dl_get_origin) calls
// readlink("/proc/self/exe") to learn where the program lives ($ORIGIN). forkbox has no
// proc filesystem; readlink and readlinkat answer for "/proc/self/exe" and
// "/proc/<pid>/exe" (a live process) with the path of the program the process is running:
// the path execve was given, made absolute against the cwd of the time and cleaned of
// "." and ".." components — lexically, so a symbolic link on the way is not resolved
// as Linux's d_path would. Every other /proc path is looked up in the in-memory
// filesystem as usual (where /proc does not exist: -ENOENT).

import type { Kernel } from '../kernel.js';
import type { Task } from '../task.js';
import { d_path } from './fs_struct.js';

/** The absolute, lexically normalised form of `path` for t (its cwd for a relative one). */
export function absolute_path(t: Task, path: string): string {
  let base = '';
  if (!path.startsWith('/') && t.fs) base = d_path(t.fs.root, t.fs.pwd) ?? '';
  const out: string[] = [];
  for (const part of `${base}/${path}`.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}

/**
 * proc_pid_readlink: the target of a /proc symlink forkbox knows — the program's path
 * for /proc/self/exe and /proc/<pid>/exe — or null when `path` is not one of them.
 */
export function proc_readlink(k: Kernel, path: string): string | null {
  const m = /^\/proc\/(self|[1-9][0-9]*)\/exe$/.exec(path);
  if (!m) return null;
  const t = m[1] === 'self' ? k.current : k.tasks.get(Number(m[1]));
  if (!t || t.exit_state || !t.mm || !t.exe_path) return null;
  return t.exe_path;
}
