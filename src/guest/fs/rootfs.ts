// The filesystem's initial tree (init/initramfs.c, devtmpfs, reduced), made at boot
// before init runs: /dev with the memory devices and the terminal, a world-writable
// /tmp (mode 1777, as on Linux), and whatever the host installed (the program, --fs
// files; run.ts) and init (init_task.ts).
//
//     /dev/null   1:3     reads EOF, swallows writes
//     /dev/zero   1:5     reads zeros
//     /dev/full   1:7     reads zeros, writes fail with -ENOSPC
//     /dev/random 1:8     the kernel's random pool (random.ts: deterministic)
//     /dev/urandom 1:9    the same
//     /dev/tty    5:0     the console, when it is a terminal (devices.ts)
//     /tmp        drwxrwxrwt

import type { Kernel } from '../kernel.js';
import { DEV_FULL, DEV_NULL, DEV_RANDOM, DEV_TTY, DEV_URANDOM, DEV_ZERO } from './devices.js';
import { S_ISVTX } from './inode.js';

/** populate_rootfs: the standard directories and device nodes (existing ones are kept). */
export function populate_rootfs(k: Kernel): void {
  const vfs = k.vfs;
  vfs.installDir('/dev', 0o755);
  const nodes: Array<[string, number, number]> = [
    ['null', DEV_NULL, 0o666],
    ['zero', DEV_ZERO, 0o666],
    ['full', DEV_FULL, 0o666],
    ['random', DEV_RANDOM, 0o666],
    ['urandom', DEV_URANDOM, 0o666],
    ['tty', DEV_TTY, 0o666],
  ];
  const dev = vfs.lookup('/dev');
  for (const [name, rdev, mode] of nodes) {
    if (!dev?.entries?.has(name)) vfs.installChr(`/dev/${name}`, rdev, mode);
  }
  if (!vfs.lookup('/tmp')) vfs.installDir('/tmp', 0o777 | S_ISVTX);
}
