// The file system calls, one record for the syscall table (syscalls.ts): descriptors and
// I/O (read_write.ts, sys_fd.ts), paths (sys_namei.ts), stat and readdir (stat.ts), poll
// and select (select.ts).

import type { Syscall } from '../syscalls.js';
import { READ_WRITE_SYSCALLS } from './read_write.js';
import { FD_SYSCALLS } from './sys_fd.js';
import { NAMEI_SYSCALLS } from './sys_namei.js';
import { STAT_SYSCALLS } from './stat.js';
import { SELECT_SYSCALLS } from './select.js';

export const FS_SYSCALLS: Record<string, Syscall> = {
  ...READ_WRITE_SYSCALLS,
  ...FD_SYSCALLS,
  ...NAMEI_SYSCALLS,
  ...STAT_SYSCALLS,
  ...SELECT_SYSCALLS,
};
