// Path lookup (fs/namei.c, reduced): from a path (a byte string) to an inode of the
// in-memory tree.
//
//   path_lookupat(k, dfd, path, flags)   the inode a path names (LOOKUP_FOLLOW: follow a
//                                         symlink in the last component too);
//   path_parentat(k, dfd, path)          the directory that would hold the last component,
//                                         and that component (create, unlink, rename …).
//
// A relative path starts at the directory of descriptor dfd, or the cwd for AT_FDCWD; an
// absolute one at the task's root. Components are walked one by one: "." stays, ".."
// goes to the parent — and at the root stays at the root, so no path, however many ".."
// it has, leaves the tree — and a symbolic link is replaced by its target, walked from
// the link's directory (an absolute target from the root: the tree's root, never the
// host's). At most MAXSYMLINKS links are followed per lookup (-ELOOP past it, which also
// ends link cycles). The errors are Linux's: -ENOENT for a missing component or an empty
// path, -ENOTDIR when a non-directory is walked through (or a trailing "/" names one),
// -ENAMETOOLONG for a component longer than NAME_MAX.
//
// forkbox's processes run as root, so no permission is checked on the way (root
// searches every directory); execve still needs an execute bit (exec.ts).

import { E } from '../abi.js';
import { CYC_LOOKUP_COMPONENT } from '../cost.js';
import type { Kernel } from '../kernel.js';
import { fget } from './file.js';
import { NAME_MAX, type Inode } from './inode.js';

/** The *at() calls' "relative to the current directory" descriptor. */
export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_REMOVEDIR = 0x200;
export const AT_SYMLINK_FOLLOW = 0x400;
export const AT_NO_AUTOMOUNT = 0x800;
export const AT_EMPTY_PATH = 0x1000;
export const AT_EACCESS = 0x200;

/** Follow a symbolic link in the last component. */
export const LOOKUP_FOLLOW = 0x1;
/** The last component must be a directory. */
export const LOOKUP_DIRECTORY = 0x2;

/** Most symbolic links one lookup follows (include/linux/namei.h MAXSYMLINKS). */
export const MAXSYMLINKS = 40;

/** struct nameidata, reduced: the root, and the symlink budget of the lookup. */
interface NameiData {
  root: Inode;
  links: number;
}

/** The result of walking all but the last component. */
export interface ParentResult {
  dir: Inode;
  /** The last component ("" when the path is "/" or only slashes). */
  last: string;
  /** The path ended with "/" (the last component must be a directory). */
  slash: boolean;
}

/** The directory a relative path starts from: dfd's (AT_FDCWD: the cwd). */
function start_dir(k: Kernel, dfd: number, path: string): Inode | number {
  const fs = k.current.fs;
  if (!fs) return -E.ENOENT;
  if (path.startsWith('/')) return fs.root;
  if (dfd === AT_FDCWD) return fs.pwd;
  const f = fget(k, k.current, dfd);
  if (!f) return -E.EBADF;
  if (!f.inode.isDir) return -E.ENOTDIR;
  return f.inode;
}

/** link_path_walk: every component of `path` but the last, from `start`. */
function link_path_walk(k: Kernel, nd: NameiData, start: Inode, path: string): ParentResult | number {
  let dir = path.startsWith('/') ? nd.root : start;
  const parts = path.split('/');
  let end = parts.length - 1;
  const slash = end > 0 && parts[end] === '';
  while (end > 0 && parts[end] === '') end--;
  for (let n = 0; n < end; n++) {
    const name = parts[n];
    if (name === '') continue;
    const next = walk_component(k, nd, dir, name, true);
    if (typeof next === 'number') return next;
    if (!next.isDir) return -E.ENOTDIR;
    dir = next;
  }
  const last = parts[end];
  if (last.length > NAME_MAX) return -E.ENAMETOOLONG;
  if (!dir.isDir) return -E.ENOTDIR;
  return { dir, last, slash };
}

/** walk_component: `name` in directory `dir`; a symlink is followed if `follow`. */
function walk_component(k: Kernel, nd: NameiData, dir: Inode, name: string, follow: boolean): Inode | number {
  k.charge(CYC_LOOKUP_COMPONENT);
  if (!dir.isDir) return -E.ENOTDIR;
  if (name.length > NAME_MAX) return -E.ENAMETOOLONG;
  if (name === '.') return dir;
  if (name === '..') return dir === nd.root ? dir : (dir.parent ?? nd.root);
  if (dir.dead) return -E.ENOENT;
  const d = dir.entries?.get(name);
  if (!d) return -E.ENOENT;
  const inode = d.inode;
  if (inode.isLnk && follow) return follow_link(k, nd, dir, inode);
  return inode;
}

/** Replace a symlink found in `dir` by what its target names (walked from `dir`). */
function follow_link(k: Kernel, nd: NameiData, dir: Inode, link: Inode): Inode | number {
  if (++nd.links > MAXSYMLINKS) return -E.ELOOP;
  return resolve(k, nd, dir, link.target, true);
}

/** The inode `path` names, walked from `start`. */
function resolve(k: Kernel, nd: NameiData, start: Inode, path: string, follow: boolean): Inode | number {
  if (path === '') return -E.ENOENT;
  const p = link_path_walk(k, nd, start, path);
  if (typeof p === 'number') return p;
  if (p.last === '') return p.dir; // "/", "//"
  const inode = walk_component(k, nd, p.dir, p.last, follow || p.slash);
  if (typeof inode === 'number') return inode;
  if (p.slash && !inode.isDir) return -E.ENOTDIR;
  return inode;
}

/** path_lookupat: the inode `path` names, relative to dfd; flags LOOKUP_*. */
export function path_lookupat(k: Kernel, dfd: number, path: string, flags: number): Inode | number {
  if (path === '') return -E.ENOENT;
  const start = start_dir(k, dfd, path);
  if (typeof start === 'number') return start;
  const nd: NameiData = { root: (k.current.fs as { root: Inode }).root, links: 0 };
  const inode = resolve(k, nd, start, path, (flags & LOOKUP_FOLLOW) !== 0);
  if (typeof inode === 'number') return inode;
  if (flags & LOOKUP_DIRECTORY && !inode.isDir) return -E.ENOTDIR;
  return inode;
}

/**
 * path_parentat: the directory holding the last component of `path`, and the component.
 * The component may be "", "." or ".." (the caller decides: EEXIST, EBUSY, EINVAL …)
 * and need not exist.
 */
export function path_parentat(k: Kernel, dfd: number, path: string): ParentResult | number {
  if (path === '') return -E.ENOENT;
  const start = start_dir(k, dfd, path);
  if (typeof start === 'number') return start;
  const nd: NameiData = { root: (k.current.fs as { root: Inode }).root, links: 0 };
  return link_path_walk(k, nd, start, path);
}

/**
 * The last component of a parent lookup followed as an open with O_CREAT would: the
 * inode it names with symlinks followed (or null when nothing is there yet — then
 * `parent`/`name` say where to create it; a dangling symlink gives the place its target
 * names, as Linux creates the target). -errno for a broken path.
 */
export function lookup_create(k: Kernel, p: ParentResult, follow: boolean): { inode: Inode | null; dir: Inode; name: string } | number {
  const nd: NameiData = { root: (k.current.fs as { root: Inode }).root, links: 0 };
  let dir = p.dir;
  let name = p.last;
  for (;;) {
    if (name === '' || name === '.' || name === '..') {
      const inode = walk_component(k, nd, dir, name === '' ? '.' : name, true);
      if (typeof inode === 'number') return inode;
      return { inode, dir, name };
    }
    if (dir.dead) return -E.ENOENT;
    const d = dir.entries?.get(name);
    if (!d) return { inode: null, dir, name };
    if (!d.inode.isLnk || !follow) return { inode: d.inode, dir, name };
    if (++nd.links > MAXSYMLINKS) return -E.ELOOP;
    if (d.inode.target === '') return -E.ENOENT;
    const q = link_path_walk(k, nd, dir, d.inode.target);
    if (typeof q === 'number') return q;
    dir = q.dir;
    name = q.last;
  }
}
