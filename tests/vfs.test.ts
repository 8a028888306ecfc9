// The in-memory filesystem (src/guest/fs/inode.ts) and path lookup (namei.ts): the tree
// and its caps, the walk (".", "..", symlinks, errors), and confinement — no path a guest
// can write leaves the tree, and nothing it does changes a host buffer.

import { describe, expect, it } from 'vitest';
import { E } from '../src/guest/abi.js';
import { MAX_FILE_SIZE, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, Vfs } from '../src/guest/fs/inode.js';
import { O_CREAT, O_DIRECTORY, O_NOFOLLOW, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from '../src/guest/fs/file.js';
import { AT_FDCWD } from '../src/guest/fs/namei.js';
import { buf, res, runScript, sc, show, u32 } from './helpers/syscall-script.js';

describe('Vfs: the tree and its caps', () => {
  it('install makes the missing directories and shares the host buffer', () => {
    const vfs = new Vfs();
    const data = Uint8Array.of(1, 2, 3);
    const inode = vfs.install('/a/b/c.bin', data, 0o644);
    expect(vfs.lookup('/a/b/c.bin')).toBe(inode);
    expect(inode.data).toBe(data);
    expect(inode.shared).toBe(true);
    expect(inode.mode).toBe(S_IFREG | 0o644);
    const a = vfs.lookup('/a')!;
    expect(a.mode & S_IFMT).toBe(S_IFDIR);
    expect(a.nlink).toBe(3); // ".", its name, b's ".."
    expect(vfs.root.nlink).toBe(3);
    expect(vfs.lookup('/a/b/../b/./c.bin')).toBe(inode);
    expect(vfs.lookup('/../../a')).toBe(a); // ".." at the root stays there
    expect(() => vfs.install('/a', data)).toThrow(/directory/);
    expect(() => vfs.install('/a/b/c.bin/d', data)).toThrow(/not a directory/);
    expect(() => vfs.install('relative', data)).toThrow();
  });

  it('the first write copies a shared buffer; the host bytes never change', () => {
    const vfs = new Vfs();
    const data = Uint8Array.of(1, 2, 3, 4);
    const inode = vfs.install('/f', data);
    expect(vfs.reserve(inode, 2)).toBe(0);
    expect(inode.shared).toBe(false);
    expect(inode.data).not.toBe(data);
    inode.data[0] = 99;
    expect([...data]).toEqual([1, 2, 3, 4]);
    expect([...inode.data.subarray(0, 4)]).toEqual([99, 2, 3, 4]);
    expect(vfs.bytes).toBe(inode.data.length);
    // truncating a shared buffer keeps it shared (a shorter view), and frees nothing
    const g = vfs.install('/g', data);
    expect(vfs.truncate(g, 2)).toBe(0);
    expect(g.shared).toBe(true);
    expect(g.size).toBe(2);
    expect(vfs.truncate(g, 6)).toBe(0);
    expect([...g.data.subarray(0, 6)]).toEqual([1, 2, 0, 0, 0, 0]);
    expect([...data]).toEqual([1, 2, 3, 4]);
  });

  it('caps: a file at most MAX_FILE_SIZE (EFBIG), the filesystem at most maxBytes (ENOSPC)', () => {
    const vfs = new Vfs();
    vfs.maxBytes = 1 << 20;
    const f = vfs.install('/f', new Uint8Array(0));
    expect(vfs.reserve(f, MAX_FILE_SIZE + 1)).toBe(-E.EFBIG);
    expect(vfs.truncate(f, MAX_FILE_SIZE + 1)).toBe(-E.EFBIG);
    expect(vfs.reserve(f, 1 << 20)).toBe(0);
    const g = vfs.install('/g', new Uint8Array(0));
    expect(vfs.reserve(g, 1)).toBe(-E.ENOSPC);
    // unlinking gives the bytes back
    vfs.unlink(vfs.root, 'f');
    expect(vfs.bytes).toBe(0);
    expect(vfs.reserve(g, 4096)).toBe(0);
  });

  it('an unlinked inode lives while it is open, then is freed', () => {
    const vfs = new Vfs();
    const f = vfs.install('/f', Uint8Array.of(1));
    const before = vfs.inodes;
    f.i_count = 1;
    vfs.unlink(vfs.root, 'f');
    expect(vfs.inodes).toBe(before);
    expect(f.ino).not.toBe(0);
    f.i_count = 0;
    vfs.iput(f);
    expect(vfs.inodes).toBe(before - 1);
    expect(f.ino).toBe(0);
  });
});

describe('path lookup in the guest', () => {
  it('absolute, relative, ".", "..", repeated slashes all name the same file', () => {
    const r = runScript([
      sc('open', '/test', O_RDONLY),
      sc('open', 'test', O_RDONLY),
      sc('open', './/test', O_RDONLY),
      sc('open', '/tmp/../test', O_RDONLY),
      sc('open', '/../../../test', O_RDONLY),
      sc('chdir', '/tmp'),
      sc('open', '../test', O_RDONLY),
      sc('open', 'test', O_RDONLY),
    ]);
    expect(r.results).toEqual([3, 4, 5, 6, 7, 0, 8, -E.ENOENT]);
  });

  it('errors: ENOENT, ENOTDIR (through or trailing "/"), ENAMETOOLONG, empty path', () => {
    const long = 'x'.repeat(256);
    const r = runScript([
      sc('open', '/nope', O_RDONLY),
      sc('open', '/nope/x', O_RDONLY),
      sc('open', '/test/x', O_RDONLY),
      sc('open', '/test/', O_RDONLY),
      sc('open', `/tmp/${long}`, O_RDONLY),
      sc('open', '/' + 'a/'.repeat(2048), O_RDONLY),
      sc('open', '', O_RDONLY),
      sc('open', '/tmp/', O_RDONLY | O_DIRECTORY),
      sc('open', '/test', O_RDONLY | O_DIRECTORY),
      sc('open', 0x10, O_RDONLY), // an unmapped pointer
    ]);
    expect(r.results).toEqual([-E.ENOENT, -E.ENOENT, -E.ENOTDIR, -E.ENOTDIR, -E.ENAMETOOLONG, -E.ENAMETOOLONG, -E.ENOENT, 3, -E.ENOTDIR, -E.EFAULT]);
  });

  it('symlinks: relative and absolute targets, O_NOFOLLOW, lstat, readlink, loops (ELOOP)', () => {
    const r = runScript([
      sc('mkdir', '/tmp/d', 0o755),
      sc('symlink', '../../test', '/tmp/d/rel'), // relative to the link's directory, /tmp/d
      sc('symlink', '/test', '/tmp/abs'),
      sc('open', '/tmp/d/rel', O_RDONLY),
      sc('open', '/tmp/abs', O_RDONLY),
      sc('open', '/tmp/abs', O_RDONLY | O_NOFOLLOW),
      sc('readlink', '/tmp/d/rel', buf(0), 100),
      show(buf(0), 10),
      sc('readlink', '/test', buf(0), 100),
      sc('symlink', '/tmp/b', '/tmp/a'),
      sc('symlink', '/tmp/a', '/tmp/b'),
      sc('open', '/tmp/a', O_RDONLY),
      sc('symlink', '/tmp', '/tmp/dirlink'),
      sc('open', '/tmp/dirlink/dirlink/dirlink/abs', O_RDONLY),
      sc('lstat64', '/tmp/abs', buf(1)),
      u32(buf(1, 16)),
      sc('stat64', '/tmp/abs', buf(1)),
      u32(buf(1, 16)),
      sc('symlink', '/tmp/a', '/tmp/a'),
    ]);
    expect(r.results.slice(0, 8)).toEqual([0, 0, 0, 3, 4, -E.ELOOP, 10, '../../test']);
    expect(r.results[8]).toBe(-E.EINVAL);
    expect(r.results.slice(9, 12)).toEqual([0, 0, -E.ELOOP]);
    expect(r.results.slice(12, 14)).toEqual([0, 5]);
    expect(r.results[15]).toBe(S_IFLNK | 0o777);
    expect(((r.results[17] as number) & S_IFMT) >>> 0).toBe(S_IFREG);
    expect(r.results[18]).toBe(-E.EEXIST);
  });

  it('a chain of 40 symlinks resolves; 41 is ELOOP', () => {
    const steps = [];
    for (let n = 1; n <= 41; n++) steps.push(sc('symlink', n === 1 ? '/test' : `/tmp/l${n - 1}`, `/tmp/l${n}`));
    steps.push(sc('open', '/tmp/l40', O_RDONLY), sc('open', '/tmp/l41', O_RDONLY));
    const r = runScript(steps);
    expect(r.results.slice(41)).toEqual([3, -E.ELOOP]);
  });

  it('confinement: ../../etc/passwd and symlinks to / resolve inside the tree', () => {
    // /etc/passwd exists only as the guest makes it: the host's is never reached.
    const r = runScript([
      sc('open', '../../etc/passwd', O_RDONLY),
      sc('open', '/tmp/../../../../etc/passwd', O_RDONLY),
      sc('mkdir', '/etc', 0o755),
      sc('open', '/etc/passwd', O_CREAT | O_WRONLY, 0o644),
      sc('write', res(3), 'guest passwd', 12),
      sc('chdir', '/tmp'),
      sc('open', '../../../../etc/passwd', O_RDONLY),
      sc('read', res(6), buf(0), 100),
      show(buf(0), 12),
      sc('symlink', '/../../..', '/tmp/up'),
      sc('open', '/tmp/up/tmp/up/etc/passwd', O_RDONLY),
      sc('symlink', '../../../../../../../../etc/passwd', '/tmp/p'),
      sc('open', '/tmp/p', O_RDONLY),
      sc('read', res(12), buf(1), 100),
      sc('getcwd', buf(2), 100),
      sc('chdir', '/tmp/up/../..'),
      sc('getcwd', buf(2), 100),
      show(buf(2), 1),
    ]);
    expect(r.results.slice(0, 2)).toEqual([-E.ENOENT, -E.ENOENT]);
    expect(r.results.slice(6, 9)).toEqual([4, 12, 'guest passwd']);
    expect(r.results[10]).toBeGreaterThan(0);
    expect(r.results.slice(12, 14)).toEqual([r.results[12], 12]);
    expect(r.results[14]).toBe(5); // "/tmp" and its NUL
    expect(r.results.slice(16, 18)).toEqual([2, '/']);
    // the host's /etc/passwd is not in the guest's tree
    expect(r.outcome.kernel.vfs.lookup('/etc/passwd')?.size).toBe(12);
  });

  it('guest writes never reach the host buffer of a boot file', () => {
    const host = new TextEncoder().encode('host bytes, read-only');
    const copy = host.slice();
    const r = runScript([
      sc('open', '/data.txt', O_RDWR),
      sc('write', res(0), 'GUEST', 5),
      sc('lseek', res(0), 0, 0),
      sc('read', res(0), buf(0), 21),
      show(buf(0), 21),
      sc('open', '/data.txt', O_WRONLY | O_TRUNC),
      sc('unlink', '/data.txt'),
      sc('open', '/data.txt', O_CREAT | O_WRONLY, 0o600),
      sc('write', res(7), 'new', 3),
    ], { files: new Map([['/data.txt', host]]) });
    expect(r.results.slice(0, 5)).toEqual([3, 5, 0, 21, 'GUESTbytes, read-only']);
    expect(r.results.slice(5)).toEqual([4, 0, 5, 3]);
    expect(host).toEqual(copy);
  });

  it('*at() calls resolve relative to a directory descriptor', () => {
    const r = runScript([
      sc('mkdir', '/tmp/at', 0o755),
      sc('open', '/tmp/at', O_RDONLY | O_DIRECTORY),
      sc('openat', res(1), 'f', O_CREAT | O_WRONLY, 0o644),
      sc('open', '/tmp/at/f', O_RDONLY),
      sc('openat', AT_FDCWD, 'tmp/at/f', O_RDONLY), // cwd is /
      sc('openat', res(3), 'f', O_RDONLY), // a file, not a directory
      sc('openat', 99, 'f', O_RDONLY),
      sc('mkdirat', res(1), 'sub', 0o700),
      sc('unlinkat', res(1), 'sub', 0),
      sc('unlinkat', res(1), 'sub', 0x200),
      sc('fstatat64', res(1), 'f', buf(0), 0),
      u32(buf(0, 16)),
    ]);
    expect(r.results.slice(0, 10)).toEqual([0, 3, 4, 5, 6, -E.ENOTDIR, -E.EBADF, 0, -E.EISDIR, 0]);
    expect(r.results.slice(10)).toEqual([0, S_IFREG | 0o644]);
  });
});
