// The in-memory filesystem's objects (fs/inode.c, fs/dcache.c, mm/shmem.c reduced): struct
// inode for regular files, directories, symbolic links and character devices, the
// directory entries that name them, and the superblock (Vfs) that owns the tree.
//
// THE TREE. One filesystem, mounted at "/", lives entirely in host memory: every
// directory inode holds its entries (name → dentry) in creation order; a directory also
// knows its parent and its own name, which is what getcwd and ".." use. There is no
// reference to any host file anywhere: the files given on the command line and `--fs DIR`
// are copied in at boot (Vfs.install), read-only from the host's side — the host's bytes
// are shared until the guest first writes to a file, which then gets its own copy
// (inode.shared: copy-on-write, so the host's buffer is never modified). A guest can only
// ever name inodes of this tree (namei.ts), so nothing it does can touch a host file.
//
// BOUNDED HOST MEMORY. A regular file holds at most MAX_FILE_SIZE bytes (-EFBIG past
// it); all guest-written file data together at most MAX_FS_BYTES (-ENOSPC), counted by
// the capacity of the buffers the filesystem owns; at most MAX_INODES inodes (-ENOSPC).
//
// LIFETIME. An inode lives while it has a name (nlink > 0) or an open file (i_count > 0):
// an unlinked file stays readable through its open descriptors, and its bytes are given
// back (iput) when the last one is closed.

import { E } from '../abi.js';

const EMPTY = new Uint8Array(0);

/* i_mode file types and permission bits (include/uapi/linux/stat.h) */
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;
export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;
export const S_IALLUGO = 0o7777;
export const S_IXUGO = 0o111;

export const S_ISREG = (m: number) => (m & S_IFMT) === S_IFREG;
export const S_ISDIR = (m: number) => (m & S_IFMT) === S_IFDIR;
export const S_ISLNK = (m: number) => (m & S_IFMT) === S_IFLNK;
export const S_ISCHR = (m: number) => (m & S_IFMT) === S_IFCHR;
export const S_ISFIFO = (m: number) => (m & S_IFMT) === S_IFIFO;

/* d_type of getdents64 (include/linux/fs_types.h): the file type bits >> 12 */
export const DT_UNKNOWN = 0;
export const DT_FIFO = 1;
export const DT_CHR = 2;
export const DT_DIR = 4;
export const DT_REG = 8;
export const DT_LNK = 10;
export const DT_SOCK = 12;

/** Largest regular file (the filesystem's s_maxbytes): writes past it give -EFBIG. */
export const MAX_FILE_SIZE = 64 << 20;
/** All file data the guest may own at once (its writes; shared boot files don't count). */
export const MAX_FS_BYTES = 256 << 20;
/** Most inodes at once (shmem's max_inodes). */
export const MAX_INODES = 65536;
/** NAME_MAX: the longest file name. */
export const NAME_MAX = 255;
/** The device number of the filesystem (st_dev: an anonymous device 0:16, as tmpfs has). */
export const FS_DEV = 0x10;

/** new_encode_dev: the kernel's 32-bit encoding of a device number (st_dev, st_rdev). */
export function mkdev(major: number, minor: number): number {
  return ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0;
}

/** A directory entry: a name in a directory, the inode it names, and its readdir cookie
 *  (d_off: strictly increasing in creation order, never reused within the directory, so
 *  an entry removed during a getdents walk does not shift the others). */
export interface Dentry {
  name: string;
  inode: Inode;
  off: number;
}

export class Inode {
  readonly ino: number;
  /** File type and permission bits. */
  mode: number;
  nlink = 1;
  uid = 0;
  gid = 0;
  /** st_dev: the filesystem's device (pipes: pipefs's). */
  dev = FS_DEV;
  /** Character devices: the device number (devices.ts chooses the file operations). */
  rdev = 0;
  /** Regular files: the file's length; its bytes are data[0, size). Symlinks: the
   *  target's length. Directories: 0. */
  size = 0;
  /** Regular files: the bytes (data.length is the capacity, >= size). May be replaced by
   *  a larger buffer when the file grows: hold the inode, not the array. */
  data: Uint8Array = EMPTY;
  /** data is the host's buffer (a boot file): copy it before the first write. */
  shared = false;
  /** Symbolic links: the target path (a byte string). */
  target = '';
  /** Directories: the entries in creation order (no "." and ".."). */
  entries: Map<string, Dentry> | null = null;
  /** Directories: the parent directory (the root's is itself) and this directory's name
   *  in it, for ".." and getcwd. */
  parent: Inode | null = null;
  name = '';
  /** Directories: the next readdir cookie (2 and up; 0 is ".", 1 is ".."). */
  nextOff = 2;
  /** Open files referring to the inode (i_count without the dentry's reference). */
  i_count = 0;
  /** Times in ns since 1970 (CLOCK_REALTIME). */
  atime: bigint;
  mtime: bigint;
  ctime: bigint;

  constructor(ino: number, mode: number, now: bigint) {
    this.ino = ino;
    this.mode = mode;
    this.atime = this.mtime = this.ctime = now;
  }

  get isDir(): boolean {
    return S_ISDIR(this.mode);
  }

  get isReg(): boolean {
    return S_ISREG(this.mode);
  }

  get isLnk(): boolean {
    return S_ISLNK(this.mode);
  }

  /** A directory that was removed (rmdir, or renamed over): nothing can be created in it. */
  get dead(): boolean {
    return this.isDir && this.nlink === 0;
  }
}

/** The superblock: the root, inode numbers and the memory caps. */
export class Vfs {
  readonly root: Inode;
  /** Guest-owned bytes of file data (buffer capacities), capped at maxBytes. */
  bytes = 0;
  maxBytes = MAX_FS_BYTES;
  /** Live inodes, capped at MAX_INODES. */
  inodes = 0;
  /** Open struct files (Linux's nr_files): every one is released when its last
   *  descriptor closes, so after every task has exited this is 0 again. */
  nr_files = 0;
  private nextIno = 1;
  /** CLOCK_REALTIME now, in ns (the kernel sets it; time stamps of inodes). */
  now: () => bigint;

  constructor(now: () => bigint = () => 0n) {
    this.now = now;
    const root = this.new_inode(S_IFDIR | 0o755);
    if (!root) throw new Error('vfs: no root inode');
    root.entries = new Map();
    root.parent = root;
    root.nlink = 2;
    this.root = root;
  }

  /** new_inode: a fresh inode with `mode`, not yet linked anywhere; null past MAX_INODES. */
  new_inode(mode: number): Inode | null {
    if (this.inodes >= MAX_INODES) return null;
    this.inodes++;
    const inode = new Inode(this.nextIno++, mode, this.now());
    if (S_ISDIR(mode)) inode.entries = new Map();
    return inode;
  }

  /** iput: an inode that lost its last name or its last open file; free it if it has
   *  neither (its bytes go back to the filesystem's budget). */
  iput(inode: Inode): void {
    if (inode.nlink > 0 || inode.i_count > 0) return;
    if (inode.ino === 0) return; // already freed
    this.inodes--;
    if (!inode.shared) this.bytes -= inode.data.length;
    inode.data = EMPTY;
    inode.shared = false;
    inode.size = 0;
    inode.entries = null;
    (inode as { ino: number }).ino = 0;
  }

  /**
   * Make room for `size` bytes in a regular file (growing its buffer, or taking a private
   * copy of a shared boot buffer). 0, -EFBIG past MAX_FILE_SIZE, or -ENOSPC when the
   * filesystem's budget is spent. Does not change inode.size.
   */
  reserve(inode: Inode, size: number): number {
    if (size > MAX_FILE_SIZE) return -E.EFBIG;
    const have = inode.data.length;
    if (!inode.shared && size <= have) return 0;
    let cap = inode.shared ? Math.max(size, inode.size) : Math.max(size, Math.min(MAX_FILE_SIZE, have + (have >> 1)));
    cap = Math.min(MAX_FILE_SIZE, (cap + 4095) & ~4095);
    const owned = inode.shared ? 0 : have;
    if (this.bytes - owned + cap > this.maxBytes) {
      // Retry without the growth slack: exactly what is needed.
      cap = Math.max(size, inode.size);
      if (this.bytes - owned + cap > this.maxBytes) return -E.ENOSPC;
    }
    const next = new Uint8Array(cap);
    next.set(inode.data.subarray(0, Math.min(inode.size, cap)));
    this.bytes += cap - owned;
    inode.data = next;
    inode.shared = false;
    return 0;
  }

  /** Shrink or extend a regular file to `size` (truncate): 0 or -errno. New bytes read
   *  as zero. */
  truncate(inode: Inode, size: number): number {
    if (size > MAX_FILE_SIZE) return -E.EFBIG;
    const now = this.now();
    if (inode.shared && size <= inode.size) {
      // A shared boot buffer is never written: a shorter view of it will do.
      inode.data = inode.data.subarray(0, size);
    } else if (size > inode.size) {
      const err = this.reserve(inode, size);
      if (err < 0) return err;
      inode.data.fill(0, inode.size, size);
    } else {
      inode.data.fill(0, size, inode.size);
      // Give back a buffer far larger than the file now is.
      if (inode.data.length > 4096 && size < inode.data.length >> 2) {
        const cap = (size + 4095) & ~4095;
        const next = new Uint8Array(cap);
        next.set(inode.data.subarray(0, size));
        this.bytes -= inode.data.length - cap;
        inode.data = next;
      }
    }
    inode.size = size;
    inode.mtime = inode.ctime = now;
    return 0;
  }

  // ---- directories ----------------------------------------------------------------

  /** d_add: link `inode` into directory `dir` as `name` (the caller checked that the name
   *  is free and valid). A directory gets its parent pointer and the link counts. */
  link(dir: Inode, name: string, inode: Inode): void {
    const entries = dir.entries as Map<string, Dentry>;
    entries.set(name, { name, inode, off: dir.nextOff++ });
    if (inode.isDir) {
      inode.parent = dir;
      inode.name = name;
      dir.nlink++; // the child's ".."
    }
    const now = this.now();
    dir.mtime = dir.ctime = now;
  }

  /** d_delete: remove `name` from `dir`; the inode loses a link (and ".." for a
   *  directory) and is freed if nothing else holds it. */
  unlink(dir: Inode, name: string): void {
    const entries = dir.entries as Map<string, Dentry>;
    const d = entries.get(name);
    if (!d) return;
    entries.delete(name);
    const inode = d.inode;
    const now = this.now();
    dir.mtime = dir.ctime = now;
    inode.ctime = now;
    if (inode.isDir) {
      dir.nlink--;
      inode.nlink = 0; // "." and the name: a removed directory is dead
    } else {
      inode.nlink--;
    }
    this.iput(inode);
  }

  /** d_move: move the entry `oldname` of `olddir` to `newname` in `newdir` (the caller
   *  removed any entry there first). The inode keeps its link count; a directory changes
   *  parent (and the parents' counts of "..").*/
  move(olddir: Inode, oldname: string, newdir: Inode, newname: string): void {
    const entries = olddir.entries as Map<string, Dentry>;
    const d = entries.get(oldname);
    if (!d) return;
    entries.delete(oldname);
    if (d.inode.isDir) olddir.nlink--;
    const now = this.now();
    olddir.mtime = olddir.ctime = now;
    d.inode.ctime = now;
    this.link(newdir, newname, d.inode);
  }

  /** Create (or find) the directory at absolute `path` for boot-time installation, making
   *  missing parents; null if a non-directory is in the way. */
  private mkdir_p(path: string): Inode | null {
    let dir = this.root;
    for (const part of path.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        dir = dir.parent as Inode;
        continue;
      }
      const d = dir.entries?.get(part);
      if (d) {
        if (!d.inode.isDir) return null;
        dir = d.inode;
        continue;
      }
      const sub = this.new_inode(S_IFDIR | 0o755);
      if (!sub) return null;
      sub.nlink = 2;
      this.link(dir, part, sub);
      dir = sub;
    }
    return dir;
  }

  /**
   * Install a boot file: the host's `data` at absolute guest path `path` (a host string;
   * stored as its UTF-8 bytes), with missing directories made. The buffer is shared, not
   * copied (the first guest write copies it). Replaces a file already there. Throws if a
   * directory is in the way — a host-side setup error, before the guest runs.
   */
  install(path: string, data: Uint8Array, mode = 0o755): Inode {
    const bytes = Buffer.from(path, 'utf8').toString('latin1');
    const slash = bytes.lastIndexOf('/');
    const name = bytes.slice(slash + 1);
    if (!bytes.startsWith('/') || name === '' || name === '.' || name === '..' || name.length > NAME_MAX) {
      throw new Error(`vfs: cannot install a file at ${JSON.stringify(path)}`);
    }
    const dir = this.mkdir_p(bytes.slice(0, slash));
    if (!dir) throw new Error(`vfs: cannot install ${path}: a parent is not a directory`);
    const old = dir.entries?.get(name);
    if (old?.inode.isDir) throw new Error(`vfs: cannot install ${path}: it is a directory`);
    if (old) this.unlink(dir, name);
    const inode = this.new_inode(S_IFREG | (mode & S_IALLUGO));
    if (!inode) throw new Error(`vfs: cannot install ${path}: too many files`);
    inode.data = data;
    inode.size = data.length;
    inode.shared = true;
    this.link(dir, name, inode);
    return inode;
  }

  /** Make a directory at boot (missing parents too); mode applies to the last one. */
  installDir(path: string, mode = 0o755): Inode {
    const dir = this.mkdir_p(path);
    if (!dir) throw new Error(`vfs: cannot make directory ${path}`);
    dir.mode = S_IFDIR | (mode & S_IALLUGO);
    return dir;
  }

  /** Make a character device node at boot. */
  installChr(path: string, rdev: number, mode = 0o666): Inode {
    const slash = path.lastIndexOf('/');
    const dir = this.installDir(path.slice(0, slash) || '/');
    const name = path.slice(slash + 1);
    const inode = this.new_inode(S_IFCHR | (mode & S_IALLUGO));
    if (!inode) throw new Error(`vfs: cannot make ${path}`);
    inode.rdev = rdev;
    this.link(dir, name, inode);
    return inode;
  }

  /** The inode at absolute `path` (no symlinks followed), or null. For the host side
   *  and tests; guests go through namei.ts. */
  lookup(path: string): Inode | null {
    let node = this.root;
    for (const part of Buffer.from(path, 'utf8').toString('latin1').split('/')) {
      if (part === '' || part === '.') continue;
      if (!node.isDir) return null;
      if (part === '..') {
        node = node.parent as Inode;
        continue;
      }
      const d = node.entries?.get(part);
      if (!d) return null;
      node = d.inode;
    }
    return node;
  }
}
