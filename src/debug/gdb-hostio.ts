// Host I/O for the gdb stub (the gdb manual's "Host I/O Packets", vFile:…): gdb reads the
// program's ELF from the target — with `target remote` and no local file, which is the
// only way for a program given as .asm, whose ELF exists only in memory. qXfer:exec-file
// names the file (execPath); vFile:open/pread/fstat/close read it. The files are the
// run's: the program, the --fs files, /sbin/init. Read-only: any open for writing fails
// with EACCES. Replies are `F RESULT[,ERRNO][;DATA]` with gdb's File-I/O errno values.

import { posix } from 'node:path';
import type { Debugger } from './debugger.js';
import { escapeBinary, hexToText, MAX_PACKET, parseHexNum } from './rsp.js';
import { INIT_ELF, INIT_PATH } from '../guest/init_task.js';

/** Most files open at once. */
const MAX_OPEN = 64;

export class HostIo {
  private readonly files: Array<Uint8Array | null> = [];

  constructor(private readonly dbg: Debugger) {}

  /** The ELF path of task pid's image: the file its code VMA maps, else the program. */
  execPath(pid: number): string | null {
    const t = this.dbg.task(pid);
    if (!t) return null;
    const mm = t.mm;
    const v = mm ? mm.findVma(mm.start_code) : null;
    if (v && v.name.startsWith('/')) return v.name;
    const argv0 = this.dbg.options.argv[0];
    return argv0 === undefined ? null : posix.resolve('/', argv0);
  }

  private file(path: string): Uint8Array | null {
    const f = this.dbg.options.files.get(path);
    if (f) return f;
    if (path === INIT_PATH) return INIT_ELF;
    return null;
  }

  /** One vFile:OPERATION:ARGS packet (without `vFile:`) → its F reply ('' if unknown). */
  handle(s: string): string {
    const colon = s.indexOf(':');
    const op = colon < 0 ? s : s.slice(0, colon);
    const args = colon < 0 ? [] : s.slice(colon + 1).split(',');
    const num = (i: number) => (args[i] === undefined ? null : parseHexNum(args[i]));
    const fail = (errno: number) => `F-1,${errno.toString(16)}`;
    const EBADF = 9, ENOENT = 2, EACCES = 13, EINVAL = 22, EMFILE = 24;
    switch (op) {
      case 'setfs':
        return 'F0';
      case 'open': {
        const path = args[0] === undefined ? null : hexToText(args[0]);
        const flags = num(1);
        if (path === null || flags === null) return fail(EINVAL);
        if ((flags & 3) !== 0) return fail(EACCES); // read-only
        const data = this.file(path);
        if (!data) return fail(ENOENT);
        if (this.files.filter((f) => f !== null).length >= MAX_OPEN) return fail(EMFILE);
        let fd = this.files.indexOf(null);
        if (fd < 0) fd = this.files.push(null) - 1;
        this.files[fd] = data;
        return `F${fd.toString(16)}`;
      }
      case 'pread': {
        const fd = num(0);
        const count = num(1);
        const off = num(2);
        const data = fd === null ? null : this.files[fd] ?? null;
        if (!data) return fail(EBADF);
        if (count === null || off === null) return fail(EINVAL);
        const n = Math.max(0, Math.min(count, (MAX_PACKET >> 1) - 32, data.length - off));
        const chunk = data.subarray(off, off + n);
        return `F${n.toString(16)};${escapeBinary(chunk)}`;
      }
      case 'close': {
        const fd = num(0);
        if (fd === null || !this.files[fd]) return fail(EBADF);
        this.files[fd] = null;
        return 'F0';
      }
      case 'fstat': {
        const fd = num(0);
        const data = fd === null ? null : this.files[fd] ?? null;
        if (!data) return fail(EBADF);
        // struct fio_stat: big-endian; st_mode, st_nlink, st_size, st_blksize, st_blocks.
        const st = new DataView(new ArrayBuffer(64));
        st.setUint32(8, 0o100555);
        st.setUint32(12, 1);
        st.setUint32(28 + 4, data.length);
        st.setUint32(36 + 4, 4096);
        st.setUint32(44 + 4, Math.ceil(data.length / 512));
        return `F40;${escapeBinary(new Uint8Array(st.buffer))}`;
      }
      default:
        return '';
    }
  }
}
