// File descriptors and files (src/guest/fs/): the descriptor table (dup, dup2, dup3,
// fcntl, close, RLIMIT_NOFILE), open flags, read/write/readv/writev/pread/pwrite/lseek,
// struct stat64 and linux_dirent64 byte for byte, directories, rename/link/unlink, the
// console and /dev files, execve through the filesystem (FD_CLOEXEC, CLONE_FILES
// unshared at exec), and the caps that bound host memory.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { E, NR } from '../src/guest/abi.js';
import {
  O_APPEND, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_NONBLOCK, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY,
} from '../src/guest/fs/file.js';
import { MAX_FILE_SIZE, S_IFCHR, S_IFDIR, S_IFIFO, S_IFREG } from '../src/guest/fs/inode.js';
import { check_fs_invariants } from '../src/guest/fs/invariants.js';
import { assembleProgram, GUEST_PROGRAMS, program, runKernel } from './helpers/kernel-machine.js';
import { buf, res, runScript, sc, show, u32 } from './helpers/syscall-script.js';

const F_DUPFD = 0;
const F_GETFD = 1;
const F_SETFD = 2;
const F_GETFL = 3;
const F_SETFL = 4;
const F_DUPFD_CLOEXEC = 1030;
const TCGETS = 0x5401;
const FIONREAD = 0x541b;

describe('the descriptor table', () => {
  it('dup takes the lowest free fd; dup2/dup3/F_DUPFD as POSIX says', () => {
    const r = runScript([
      sc('open', '/dev/null', O_RDWR), // 3
      sc('dup', 3), // 4
      sc('close', 3),
      sc('dup', 4), // 3 again: the lowest
      sc('dup2', 4, 4), // same fd, open: returns it
      sc('dup2', 9, 9), // same fd, closed: EBADF
      sc('dup2', 4, 20), // 20
      sc('fcntl64', 20, F_GETFD),
      sc('dup3', 4, 4, O_CLOEXEC), // EINVAL for the same fd
      sc('dup3', 4, 21, 0x4000), // only O_CLOEXEC: EINVAL
      sc('dup3', 4, 21, O_CLOEXEC),
      sc('fcntl64', 21, F_GETFD),
      sc('fcntl64', 4, F_DUPFD, 10), // lowest >= 10
      sc('fcntl64', 4, F_DUPFD_CLOEXEC, 10), // 11
      sc('fcntl64', 11, F_GETFD),
      sc('dup2', 4, 1024), // past RLIMIT_NOFILE: EBADF
      sc('fcntl64', 4, F_DUPFD, 1024), // EINVAL
      sc('close', 20),
      sc('close', 20), // twice: EBADF
      sc('close', -1),
      sc('dup', 77),
    ]);
    expect(r.results).toEqual([3, 4, 0, 3, 4, -E.EBADF, 20, 0, -E.EINVAL, -E.EINVAL, 21, 1, 10, 11, 1, -E.EBADF, -E.EINVAL, 0, -E.EBADF, -E.EBADF, -E.EBADF]);
  });

  it('dup2 onto an open fd closes it first; the copies share one file position', () => {
    const r = runScript([
      sc('open', '/tmp/f', O_CREAT | O_RDWR, 0o644),
      sc('open', '/dev/zero', O_RDONLY),
      sc('dup2', 3, 4), // closes /dev/zero
      sc('write', 4, 'abcdef', 6),
      sc('lseek', 3, 0, 1), // SEEK_CUR through the other fd: 6
      sc('lseek', 3, 2, 0),
      sc('read', 4, buf(0), 3),
      show(buf(0), 3),
    ]);
    expect(r.results).toEqual([3, 4, 4, 6, 6, 2, 3, 'cde']);
  });

  it('F_GETFD/F_SETFD and F_GETFL/F_SETFL (O_APPEND, O_NONBLOCK; the access mode stays)', () => {
    const r = runScript([
      sc('open', '/tmp/f', O_CREAT | O_RDWR | O_CLOEXEC | O_TRUNC, 0o600),
      sc('fcntl64', 3, F_GETFD),
      sc('fcntl64', 3, F_SETFD, 0),
      sc('fcntl64', 3, F_GETFD),
      sc('fcntl64', 3, F_GETFL), // creation flags and O_CLOEXEC are not kept
      sc('fcntl64', 3, F_SETFL, O_APPEND | O_NONBLOCK | O_WRONLY),
      sc('fcntl64', 3, F_GETFL),
      sc('write', 3, 'xy', 2),
      sc('lseek', 3, 0, 0),
      sc('write', 3, 'z', 1), // O_APPEND: at the end anyway
      sc('pread64', 3, buf(0), 10, 0, 0),
      show(buf(0), 3),
      sc('fcntl64', 3, 999),
      sc('fcntl64', 99, F_GETFD),
    ]);
    expect(r.results).toEqual([3, 1, 0, 0, O_RDWR, 0, O_RDWR | O_APPEND | O_NONBLOCK, 2, 0, 1, 3, 'xyz', -E.EINVAL, -E.EBADF]);
  });

  it('RLIMIT_NOFILE: descriptors 0-1023, then EMFILE; closing one frees it', () => {
    const src = program(`
        mov     esi, 0                  ; opens that succeeded
.open:  sys     5, path, 0, 0
        test    eax, eax
        js      .full
        inc     esi
        jmp     .open
.full:  push    eax
        mov     eax, esi
        call    print_u32
        call    print_nl
        pop     eax
        call    print_i32
        call    print_nl
        sys     6, 500                  ; close(500)
        sys     5, path, 0, 0           ; gets 500
        call    print_i32
        call    print_nl
        sys     1, 0
section .rodata
path:   db "/dev/null", 0
section .text`);
    const r = runKernel(src);
    expect(r.stdout).toBe(`1021\n${-E.EMFILE}\n500\n`);
    expect(check_fs_invariants(r.outcome.kernel)).toEqual([]);
  });

  it('read and write check the open mode: EBADF', () => {
    const r = runScript([
      sc('write', 0, 'x', 1),
      sc('read', 1, buf(0), 1),
      sc('open', '/tmp/ro', O_CREAT | O_RDONLY, 0o644),
      sc('write', 3, 'x', 1),
      sc('read', 42, buf(0), 1),
      sc('write', 1, 0xc0000000, 4), // a kernel address: EFAULT
    ]);
    expect(r.results).toEqual([-E.EBADF, -E.EBADF, 3, -E.EBADF, -E.EBADF, -E.EFAULT]);
  });
});

describe('reading and writing', () => {
  it('readv and writev gather and scatter through one file position', () => {
    // two iovecs at buf(1): {buf(0)+0, 3} {buf(0)+100, 4}
    /** Stores the segments (base, length) as struct iovecs at iov. */
    const iovecs = (...segs: Array<[string, number]>) =>
      segs.map(([base, len], n) => `        mov     dword [iov + ${8 * n}], ${base}\n        mov     dword [iov + ${8 * n + 4}], ${len}`).join('\n');
    const src = program(`
        sys     5, path, ${O_CREAT | O_RDWR}, 0o644
        mov     ebp, eax
${iovecs(['s1', 3], ['s2', 4])}
        sys     146, ebp, iov, 2        ; writev → 7
        call    print_i32
        call    print_nl
        sys     19, ebp, 0, 0
${iovecs(['b1', 2], ['b2', 10])}
        sys     145, ebp, iov, 2        ; readv → 7
        call    print_i32
        call    print_nl
        mov     ecx, b1
        mov     edx, 2
        call    write_out
        call    print_nl
        mov     ecx, b2
        mov     edx, 5
        call    write_out
        call    print_nl
        sys     146, 1, iov, 1025       ; more than UIO_MAXIOV
        call    print_i32
        call    print_nl
        mov     dword [iov + 4], -1     ; a negative length
        sys     146, 1, iov, 1
        call    print_i32
        call    print_nl
        sys     1, 0
section .rodata
path:   db "/tmp/v", 0
s1:     db "abc"
s2:     db "defg"
section .bss
iov:    resd 8
b1:     resb 16
b2:     resb 16
section .text`);
    const r = runKernel(src);
    expect(r.stdout).toBe(`7\n7\nab\ncdefg\n${-E.EINVAL}\n${-E.EINVAL}\n`);
  });

  it('pread64/pwrite64 leave the position alone; lseek and _llseek; ESPIPE on pipes', () => {
    const r = runScript([
      sc('open', '/tmp/p', O_CREAT | O_RDWR, 0o644),
      sc('write', 3, '0123456789', 10),
      sc('pwrite64', 3, 'AB', 2, 4, 0),
      sc('lseek', 3, 0, 1), // still 10
      sc('pread64', 3, buf(0), 4, 3, 0),
      show(buf(0), 4),
      sc('pread64', 3, buf(0), 4, -1, -1), // a negative position
      sc('lseek', 3, -3, 2), // SEEK_END - 3
      sc('lseek', 3, -100, 1), // before the start: EINVAL
      sc('lseek', 3, 0, 7), // no such whence
      sc('_llseek', 3, 1, 5, buf(1), 0), // 2^32 + 5: beyond lseek's reach
      u32(buf(1)),
      u32(buf(1, 4)),
      sc('lseek', 3, 0, 1), // the position does not fit 31 bits
      sc('pipe', buf(2)),
      sc('lseek', 4, 0, 0),
      sc('pread64', 4, buf(0), 1, 0, 0),
    ]);
    expect(r.results).toEqual([3, 10, 2, 10, 4, '3AB6', -E.EINVAL, 7, -E.EINVAL, -E.EINVAL, 0, 5, 1, -E.EOVERFLOW, 0, -E.ESPIPE, -E.ESPIPE]);
  });

  it('a write past the end leaves a hole of zeros; O_TRUNC empties; O_APPEND appends', () => {
    const r = runScript([
      sc('open', '/tmp/h', O_CREAT | O_RDWR, 0o644),
      sc('lseek', 3, 5000, 0),
      sc('write', 3, 'Z', 1),
      sc('fstat64', 3, buf(1)),
      u32(buf(1, 44)),
      sc('pread64', 3, buf(0), 8, 4996, 0),
      show(buf(0), 5),
      sc('open', '/tmp/h', O_WRONLY | O_TRUNC),
      sc('fstat64', 3, buf(1)),
      u32(buf(1, 44)),
      sc('open', '/tmp/h', O_WRONLY | O_APPEND),
      sc('write', res(10), 'one', 3),
      sc('write', res(10), 'two', 3),
      sc('pread64', 3, buf(0), 8, 0, 0),
    ]);
    expect(r.results.slice(0, 6)).toEqual([3, 5000, 1, 0, 5001, 5]);
    expect(r.results[6]).toBe('\0\0\0\0Z');
    expect(r.results.slice(7)).toEqual([4, 0, 0, 5, 3, 3, 6]);
  });

  it('the file size cap: EFBIG at MAX_FILE_SIZE; the filesystem cap: ENOSPC', () => {
    const r = runScript([
      sc('open', '/tmp/big', O_CREAT | O_RDWR, 0o644),
      sc('_llseek', 3, 0, MAX_FILE_SIZE, buf(1), 0),
      sc('write', 3, 'x', 1),
      sc('ftruncate', 3, MAX_FILE_SIZE + 1),
      sc('lseek', 3, 0, 0),
      sc('write', 3, buf(0), 4096), // the filesystem allows 8 KiB here
      sc('write', 3, buf(0), 4096),
      sc('write', 3, buf(0), 4096),
    ], { setup: ({ kernel }) => void (kernel.vfs.maxBytes = 8192) });
    expect(r.results).toEqual([3, 0, -E.EFBIG, -E.EFBIG, 0, 4096, 4096, -E.ENOSPC]);
  });
});

describe('stat and directories', () => {
  it('struct stat64 has the i386 layout', () => {
    const r = runScript([
      sc('open', '/tmp/s', O_CREAT | O_WRONLY, 0o640),
      sc('write', 3, 'hello', 5),
      sc('fstat64', 3, buf(0)),
      u32(buf(0, 0)), // st_dev (low)
      u32(buf(0, 12)), // __st_ino
      u32(buf(0, 16)), // st_mode
      u32(buf(0, 20)), // st_nlink
      u32(buf(0, 24)), // st_uid
      u32(buf(0, 44)), // st_size (low)
      u32(buf(0, 48)), // st_size (high)
      u32(buf(0, 52)), // st_blksize
      u32(buf(0, 56)), // st_blocks (low)
      u32(buf(0, 88)), // st_ino (low)
      u32(buf(0, 64)), // st_atime
      sc('stat64', '/tmp', buf(1)),
      u32(buf(1, 16)),
      u32(buf(1, 20)),
      sc('stat64', '/dev/null', buf(1)),
      u32(buf(1, 16)),
      u32(buf(1, 32)), // st_rdev 1:3
      sc('fstat', 3, buf(2)), // the old struct stat: 64 bytes
      u32(buf(2, 20)), // st_size
      sc('statx', -100, '/tmp/s', 0, 0x7ff, buf(3)),
      u32(buf(3, 0)), // stx_mask
      u32(buf(3, 40)), // stx_size
      sc('fstat64', 99, buf(0)),
    ], { epoch: 1767225600 });
    const [, , , dev, ino, mode, nlink, uid, size, sizeHi, blksize, blocks, ino64, atime] = r.results as number[];
    expect(dev).toBe(0x10);
    expect(ino).toBeGreaterThan(0);
    expect(ino64).toBe(ino);
    expect(mode).toBe(S_IFREG | 0o640);
    expect([nlink, uid, size, sizeHi, blksize, blocks]).toEqual([1, 0, 5, 0, 4096, 8]);
    expect(atime).toBe(1767225600);
    expect(r.results.slice(14, 17)).toEqual([0, S_IFDIR | 0o1777, 2]);
    expect(r.results.slice(17, 20)).toEqual([0, S_IFCHR | 0o666, 0x103]);
    expect(r.results.slice(20, 22)).toEqual([0, 5]);
    expect(r.results.slice(22)).toEqual([0, 0x7ff, 5, -E.EBADF]);
  });

  it('getdents64 returns linux_dirent64 records: ".", "..", then entries in creation order', () => {
    const src = program(`
        sys     39, d, 0o755
        sys     5, f1, ${O_CREAT | O_WRONLY}, 0o644
        sys     39, f2, 0o755
        sys     5, d, ${O_RDONLY | O_DIRECTORY}, 0
        mov     ebp, eax
        sys     220, ebp, dents, 4096
        mov     edi, eax                ; bytes
        call    print_i32
        call    print_nl
        xor     esi, esi
.rec:   cmp     esi, edi
        jae     .done
        movzx   eax, word [dents + esi + 16]    ; d_reclen
        call    print_u32
        mov     ecx, sp_
        mov     edx, 1
        call    write_out
        movzx   eax, byte [dents + esi + 18]    ; d_type
        call    print_u32
        call    write_out
        mov     eax, [dents + esi + 8]          ; d_off
        call    print_u32
        call    write_out
        lea     ecx, [dents + esi + 19]         ; d_name
        xor     edx, edx
.len:   cmp     byte [ecx + edx], 0
        je      .name
        inc     edx
        jmp     .len
.name:  call    write_out
        call    print_nl
        movzx   eax, word [dents + esi + 16]
        add     esi, eax
        jmp     .rec
.done:  sys     220, ebp, dents, 4096   ; the end: 0
        call    print_i32
        call    print_nl
        sys     19, ebp, 0, 0           ; rewind
        sys     220, ebp, dents, 20     ; too small for one record
        call    print_i32
        call    print_nl
        sys     220, 1, dents, 4096     ; not a directory
        call    print_i32
        call    print_nl
        sys     1, 0
section .rodata
d:      db "/tmp/dd", 0
f1:     db "/tmp/dd/file", 0
f2:     db "/tmp/dd/subdir", 0
sp_:    db " "
section .bss
dents:  resb 4096
section .text`);
    const r = runKernel(src);
    // reclen = ALIGN(19 + namelen + 1, 8): "." 24, ".." 24, "file" 24, "subdir" 32
    expect(r.stdout).toBe(`104\n24 4 1 .\n24 4 2 ..\n24 8 3 file\n32 4 4 subdir\n0\n${-E.EINVAL}\n${-E.ENOTDIR}\n`);
  });

  it('mkdir, rmdir, unlink, rename, link: the errors Linux gives', () => {
    const r = runScript([
      sc('mkdir', '/tmp/a', 0o755),
      sc('mkdir', '/tmp/a', 0o755), // EEXIST
      sc('mkdir', '/test', 0o755), // EEXIST for a file too
      sc('mkdir', '/nope/a', 0o755), // ENOENT
      sc('mkdir', '/test/a', 0o755), // ENOTDIR
      sc('open', '/tmp/a/f', O_CREAT | O_WRONLY, 0o644),
      sc('rmdir', '/tmp/a'), // ENOTEMPTY
      sc('rmdir', '/tmp/a/f'), // ENOTDIR
      sc('unlink', '/tmp/a'), // EISDIR
      sc('rmdir', '/tmp/a/.'), // EINVAL
      sc('rename', '/tmp/a', '/tmp/a/sub'), // into itself: EINVAL
      sc('rename', '/tmp/a/f', '/tmp/g'),
      sc('link', '/tmp/g', '/tmp/h'),
      sc('stat64', '/tmp/g', buf(0)),
      u32(buf(0, 20)), // two links
      sc('rename', '/tmp/g', '/tmp/h'), // the same file: nothing happens
      sc('mkdir', '/tmp/e', 0o755),
      sc('rename', '/tmp/h', '/tmp/e'), // a file over a directory: EISDIR
      sc('rename', '/tmp/a', '/tmp/e'), // an empty directory may be replaced
      sc('stat64', '/tmp/a', buf(0)),
      sc('rename', '/tmp/e', '/tmp/g'), // a directory over a file: ENOTDIR
      sc('link', '/tmp', '/tmp/x'), // EPERM for directories
      sc('unlink', '/tmp/g'),
      sc('unlink', '/tmp/h'),
      sc('rmdir', '/tmp/e'),
      sc('stat64', '/tmp', buf(0)),
      u32(buf(0, 20)), // back to 2 links
      sc('mkdir', '/tmp/m', 0o777),
      sc('stat64', '/tmp/m', buf(0)),
      u32(buf(0, 16)), // umask 022
    ]);
    expect(r.results).toEqual([
      0, -E.EEXIST, -E.EEXIST, -E.ENOENT, -E.ENOTDIR, 3, -E.ENOTEMPTY, -E.ENOTDIR, -E.EISDIR, -E.EINVAL, -E.EINVAL,
      0, 0, 0, 2, 0, 0, -E.EISDIR, 0, -E.ENOENT, -E.ENOTDIR, -E.EPERM, 0, 0, 0, 0, 2, 0, 0, S_IFDIR | 0o755,
    ]);
  });

  it('getcwd, chdir, fchdir, and a removed cwd', () => {
    const r = runScript([
      sc('getcwd', buf(0), 100),
      show(buf(0), 1),
      sc('mkdir', '/tmp/w', 0o755),
      sc('chdir', '/tmp/w'),
      sc('getcwd', buf(0), 100),
      show(buf(0), 6),
      sc('getcwd', buf(0), 6), // too small for the NUL: ERANGE
      sc('chdir', '/test'),
      sc('open', '/tmp', O_RDONLY | O_DIRECTORY),
      sc('fchdir', res(8)),
      sc('getcwd', buf(0), 100),
      sc('rmdir', '/tmp/w'),
      sc('chdir', '/tmp/w'),
      sc('open', '/tmp/w2', O_CREAT, 0o644),
      sc('fchdir', res(13)), // a file
    ]);
    expect(r.results).toEqual([2, '/', 0, 0, 7, '/tmp/w', -E.ERANGE, -E.ENOTDIR, 3, 0, 5, 0, -E.ENOENT, 4, -E.ENOTDIR]);
  });

  it('opening directories and O_EXCL / O_DIRECTORY / O_CREAT rules', () => {
    const r = runScript([
      sc('open', '/tmp', O_WRONLY), // EISDIR
      sc('open', '/tmp', O_RDONLY),
      sc('read', 3, buf(0), 10), // EISDIR
      sc('open', '/tmp/', O_CREAT | O_RDWR, 0o644), // EISDIR
      sc('open', '/tmp/n', O_CREAT | O_EXCL | O_RDWR, 0o644),
      sc('open', '/tmp/n', O_CREAT | O_EXCL | O_RDWR, 0o644), // EEXIST
      sc('symlink', '/tmp/target', '/tmp/dangling'),
      sc('open', '/tmp/dangling', O_CREAT | O_EXCL | O_RDWR, 0o644), // EEXIST: not followed
      sc('open', '/tmp/dangling', O_CREAT | O_RDWR, 0o644), // creates the target
      sc('access', '/tmp/target', 0),
      sc('access', '/test', 1),
      sc('access', '/tmp/target', 1), // 0644: no x bit
      sc('access', '/tmp/target', 8), // EINVAL
      sc('access', '/nope', 0),
    ]);
    expect(r.results).toEqual([-E.EISDIR, 3, -E.EISDIR, -E.EISDIR, 4, -E.EEXIST, 0, -E.EEXIST, 5, 0, 0, -E.EACCES, -E.EINVAL, -E.ENOENT]);
  });
});

describe('the console and /dev', () => {
  it('fds 0-2 are the console: real files in the table (dup, close, fstat)', () => {
    const r = runScript([
      sc('fstat64', 1, buf(0)),
      u32(buf(0, 16)),
      sc('dup', 2),
      sc('write', res(2), 'via dup\n', 8),
      sc('fcntl64', 0, F_GETFL),
      sc('fcntl64', 2, F_GETFL),
      sc('write', 2, 'to stderr\n', 10),
      sc('read', 0, buf(1), 100),
      show(buf(1), 6),
      sc('lseek', 1, 0, 0), // ESPIPE
      sc('ioctl', 1, TCGETS, buf(2)), // not a terminal
      sc('open', '/dev/tty', O_RDWR), // no controlling terminal
      sc('close', 1),
      sc('write', 1, 'lost', 4),
    ], { input: 'input\n' });
    expect(r.results.slice(0, 2)).toEqual([0, S_IFCHR | 0o620]);
    expect(r.results.slice(2, 4)).toEqual([3, 8]);
    expect(r.results.slice(4, 7)).toEqual([O_RDONLY, O_WRONLY, 10]);
    expect(r.results.slice(7, 9)).toEqual([6, 'input\n']);
    expect(r.results.slice(9, 12)).toEqual([-E.ESPIPE, -E.ENOTTY, -E.ENXIO]);
    expect(r.stderr).toBe('via dup\nto stderr\n');
    expect(r.stdout).not.toContain('lost');
  });

  it('a console that is a terminal answers TCGETS and opens as /dev/tty', () => {
    const r = runScript([sc('ioctl', 1, TCGETS, buf(0)), u32(buf(0, 12)), sc('open', '/dev/tty', O_RDWR)], { tty: true });
    expect(r.results).toEqual([0, 0x8a3b, 3]);
  });

  it('/dev/null, /dev/zero, /dev/full', () => {
    const r = runScript([
      sc('open', '/dev/null', O_RDWR),
      sc('read', 3, buf(0), 10),
      sc('write', 3, buf(0), 1000),
      sc('open', '/dev/zero', O_RDONLY),
      sc('write', 1, 'x', 0),
      sc('read', 4, buf(0), 4),
      u32(buf(0)),
      sc('open', '/dev/full', O_WRONLY),
      sc('write', 5, 'x', 1),
      sc('lseek', 3, 100, 0),
    ]);
    expect(r.results).toEqual([3, 0, 1000, 4, 0, 4, 0, 5, -E.ENOSPC, 0]);
  });
});

describe('execve through the filesystem', () => {
  const hello = assembleProgram(readFileSync(join(GUEST_PROGRAMS, 'hello.asm'), 'utf8'), 'hello.asm');

  it('finds the program by path: relative to the cwd, through symlinks; EACCES without an x bit', () => {
    const src = (path: string, pre = '') => program(`
        ${pre}
        mov     dword [argv0], path
        sys     11, path, argv0, 0
        call    print_i32
        call    print_nl
        sys     1, 0
section .rodata
path:   db "${path}", 0
d:      db "/bin", 0
lnk:    db "/tmp/link", 0
tgt:    db "/bin/hello", 0
section .bss
argv0:  resd 2
section .text`);
    const files = new Map([['/bin/hello', hello]]);
    expect(runKernel(src('/bin/hello'), { files }).stdout).toBe('Hello from forkbox!\n');
    expect(runKernel(src('hello', 'sys 12, d'), { files }).stdout).toBe('Hello from forkbox!\n');
    expect(runKernel(src('/tmp/link', 'sys 83, tgt, lnk'), { files }).stdout).toBe('Hello from forkbox!\n');
    expect(runKernel(src('/bin', ''), { files }).stdout).toBe(`${-E.EACCES}\n`);
    expect(runKernel(src('/bin/nope', ''), { files }).stdout).toBe(`${-E.ENOENT}\n`);
    expect(runKernel(src('/bin/hello', 'sys 15, tgt, 0o644'), { files }).stdout).toBe(`${-E.EACCES}\n`);
  });

  it('keeps descriptors open across execve, closes FD_CLOEXEC ones, unshares a CLONE_FILES table', () => {
    // The parent opens A (plain) and B (O_CLOEXEC); a CLONE_FILES child execs /bin/check,
    // which reports whether A and B are open in its table; afterwards the parent still
    // has both: the child's exec unshared the table before closing B.
    const getfdAB = `
        sys     55, 3, ${F_GETFD}, 0
        call    print_i32
        call    print_nl
        sys     55, 4, ${F_GETFD}, 0
        call    print_i32
        call    print_nl`; // fcntl(A, F_GETFD), fcntl(B, F_GETFD), each printed
    const check = assembleProgram(program(`${getfdAB}
        sys     1, 0`));
    const src = program(`
        sys     5, null, 0, 0                         ; A = 3
        sys     5, null, ${O_CLOEXEC}, 0              ; B = 4
        sys     120, ${0x400 | 17}, stack_top, 0, 0   ; clone(CLONE_FILES | SIGCHLD), own stack copy
        test    eax, eax
        jz      .child
        sys     114, -1, 0, 0${getfdAB}
        sys     1, 0
.child: mov     dword [argv0], path
        sys     11, path, argv0, 0
        sys     1, 99
section .rodata
null:   db "/dev/null", 0
path:   db "/bin/check", 0
section .bss
argv0:  resd 2
        resb 4096
stack_top:
section .text`);
    const r = runKernel(src, { files: new Map([['/bin/check', check]]) });
    expect(r.stdout).toBe(`0\n${-E.EBADF}\n0\n1\n`);
    expect(check_fs_invariants(r.outcome.kernel)).toEqual([]);
  });
});

describe('exit closes everything', () => {
  it('no open file survives the program (nr_files is 0 again)', () => {
    const r = runScript([
      sc('open', '/dev/null', O_RDONLY),
      sc('pipe', buf(0)),
      sc('open', '/tmp/x', O_CREAT | O_RDWR, 0o644),
      sc('unlink', '/tmp/x'), // open and unlinked: freed at exit
      sc('dup2', 3, 100),
    ]);
    expect(r.results).toEqual([3, 0, 6, 0, 100]);
    const k = r.outcome.kernel;
    expect(k.vfs.nr_files).toBe(0);
    expect(k.vfs.lookup('/tmp/x')).toBeNull();
    expect(check_fs_invariants(k)).toEqual([]);
  });

  it('FIONREAD on a file counts the bytes after the position', () => {
    const r = runScript([
      sc('open', '/test', O_RDONLY),
      sc('lseek', 3, 10, 0),
      sc('ioctl', 3, FIONREAD, buf(0)),
      u32(buf(0)),
    ]);
    expect(r.results[3]).toBe((r.outcome.kernel.vfs.lookup('/test')?.size ?? 0) - 10);
  });

  it('NR numbers used here are the ABI table\'s', () => {
    expect([NR.open, NR.close, NR.getdents64, NR.fstat64, NR.pipe2, NR.dup3]).toEqual([5, 6, 220, 197, 331, 330]);
    expect([S_IFIFO, O_NONBLOCK]).toEqual([0o010000, 0o4000]);
  });
});
