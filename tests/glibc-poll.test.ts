// poll, ppoll, select, pselect6 (src/guest/fs/select.ts) at the syscall level: readiness
// of pipe ends and of the console, POLLNVAL and POLLHUP, -EBADF from select, timeouts
// (guest time), a sleeping poll woken by another process's write, and a signal ending
// the wait.

import { describe, expect, it } from 'vitest';
import { E, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLRDNORM, POLLWRNORM } from '../src/guest/abi.js';
import { program, runKernel } from './helpers/kernel-machine.js';
import { buf, runScript, sc, u32 } from './helpers/syscall-script.js';

/** A struct pollfd (fd, events) as the bytes of a file the script reads into a buffer. */
function pollfds(...entries: Array<[number, number]>): Uint8Array {
  const b = new Uint8Array(entries.length * 8);
  const dv = new DataView(b.buffer);
  entries.forEach(([fd, events], n) => {
    dv.setInt32(n * 8, fd, true);
    dv.setUint16(n * 8 + 4, events, true);
  });
  return b;
}

describe('poll', () => {
  it('pipe ends: empty (timeout 0), writable, readable after a write, POLLHUP and POLLERR after closes, POLLNVAL', () => {
    const fds = pollfds([3, POLLIN], [4, POLLOUT], [9, POLLIN], [-1, POLLIN]);
    const r = runScript([
      sc('open', '/fds', 0), sc('read', 3, buf(1), 32), sc('close', 3), // pollfds in buf(1)
      sc('pipe', buf(0)), // 3, 4
      sc('poll', buf(1), 1, 0), u32(buf(1, 4)), // empty: 0, revents 0
      sc('poll', buf(1), 4, 0), u32(buf(1, 4)), u32(buf(1, 12)), u32(buf(1, 20)), u32(buf(1, 28)),
      sc('write', 4, 'x', 1),
      sc('poll', buf(1), 1, 0), u32(buf(1, 4)),
      sc('close', 4),
      sc('poll', buf(1), 1, 0), u32(buf(1, 4)), // data and no writer: POLLIN | POLLHUP
    ], { files: new Map([['/fds', fds]]) });
    const hi = (v: number | string) => (v as number) >>> 16; // revents is the high half
    expect(r.results[3]).toBe(0); // pipe
    expect(r.results[4]).toBe(0);
    expect(hi(r.results[5])).toBe(0);
    expect(r.results[6]).toBe(2); // the write end, and the bad descriptor
    expect([r.results[7], r.results[8], r.results[9], r.results[10]].map(hi)).toEqual([0, POLLOUT, POLLNVAL, 0]);
    expect(r.results[11]).toBe(1);
    expect(r.results[12]).toBe(1);
    expect(hi(r.results[13])).toBe(POLLIN);
    expect(r.results[15]).toBe(1);
    expect(hi(r.results[16])).toBe(POLLIN | POLLHUP);
    void POLLRDNORM;
    void POLLWRNORM;
  });

  it('the write end of a pipe without readers is POLLERR; nfds beyond RLIMIT_NOFILE is EINVAL; a bad array EFAULT', () => {
    const r = runScript([
      sc('open', '/fds', 0), sc('read', 3, buf(1), 8), sc('close', 3),
      sc('pipe', buf(0)), sc('close', 3),
      sc('poll', buf(1), 1, 0), u32(buf(1, 4)),
      sc('poll', buf(1), 5000, 0),
      sc('poll', 0x10, 1, 0),
    ], { files: new Map([['/fds', pollfds([4, POLLOUT])]]) });
    expect(r.results.slice(5, 7)).toEqual([1, ((POLLOUT | POLLERR) << 16) | POLLOUT]);
    expect(r.results.slice(7)).toEqual([-E.EINVAL, -E.EFAULT]);
  });

  it('sleeps until another process writes, then returns at once; a timeout in guest time', () => {
    const body = `
        sys     42, fds                         ; pipe
        mov     eax, [fds]
        mov     [pfd], eax
        mov     word [pfd + 4], 1               ; POLLIN
        fork_child .child
        sys     13, 0                           ; time(NULL)
        sys     168, pfd, 1, -1                 ; poll, no timeout
        call    print_i32
        call    print_nl
        movzx   eax, word [pfd + 6]
        call    print_u32
        call    print_nl
        sys     3, [fds], rbuf, 8
        ; a 50 ms timeout on the drained pipe: 0, and the clock moved by >= 50 ms
        sys     265, 1, t0
        sys     168, pfd, 1, 50
        call    print_i32
        call    print_nl
        sys     265, 1, t1
        mov     eax, [t1]
        sub     eax, [t0]
        imul    eax, 1000
        mov     ecx, [t1 + 4]
        sub     ecx, [t0 + 4]
        mov     [dns], ecx
        mov     ecx, 1000000
        push    eax
        mov     eax, [dns]
        cdq
        idiv    ecx
        mov     ecx, eax
        pop     eax
        add     eax, ecx                        ; elapsed ms
        cmp     eax, 50
        setge   al
        movzx   eax, al
        call    print_u32
        call    print_nl
        sys     114, -1, 0, 0, 0
        sys     1, 0
.child:
        sys     162, ts, 0                      ; nanosleep 30 ms
        sys     4, [fds + 4], msg, 4
        sys     1, 0
section .data
ts:     dd 0, 30000000
msg:    db 'late'
section .bss
fds:    resd 2
pfd:    resd 2
rbuf:   resb 8
t0:     resd 2
t1:     resd 2
dns:    resd 1
`;
    const r = runKernel(program(body));
    expect(r.stdout).toBe(`1\n${POLLIN}\n0\n1\n`);
  });

  it('a signal with a handler ends the wait with EINTR', () => {
    const body = `
        mov     dword [act], handler
        sys     174, 14, act, 0, 8              ; rt_sigaction(SIGALRM)
        sys     42, fds
        mov     eax, [fds]
        mov     [pfd], eax
        mov     word [pfd + 4], 1
        sys     27, 1                           ; alarm(1)
        sys     168, pfd, 1, -1
        call    print_i32
        call    print_nl
        sys     1, 0
handler:
        ret
section .bss
act:    resd 5
fds:    resd 2
pfd:    resd 2
`;
    expect(runKernel(program(body)).stdout).toBe(`${-E.EINTR}\n`);
  });

  it('the console: fd 0 is readable when there is input and at its end; fds 1 and 2 are writable', () => {
    const steps = [
      sc('open', '/fds', 0), sc('read', 3, buf(1), 24), sc('close', 3),
      sc('poll', buf(1), 3, 0), u32(buf(1, 4)), u32(buf(1, 12)), u32(buf(1, 20)),
      sc('read', 0, buf(2), 100),
    ];
    const files = new Map([['/fds', pollfds([0, POLLIN], [1, POLLOUT], [2, POLLOUT])]]);
    const r = runScript(steps, { files, input: 'abc' });
    expect(r.results.slice(3, 7).map((v, n) => (n === 0 ? v : (v as number) >>> 16))).toEqual([3, POLLIN, POLLOUT, POLLOUT]);
    expect(r.results[7]).toBe(3); // the input taken ahead by poll is read
  });
});

describe('select and pselect6', () => {
  it('readable and writable sets, a 0 timeout, EBADF for a descriptor that is not open', () => {
    const r = runScript([
      sc('pipe', buf(0)), // 3, 4
      sc('open', '/sets', 0), sc('read', 5, buf(1), 8), sc('close', 5), // buf(1): rd = {3, 4}, buf(1,4): wr = {3, 4}
      sc('_newselect', 5, buf(1), buf(1, 4), 0, buf(2)), u32(buf(1)), u32(buf(1, 4)),
      sc('write', 4, 'x', 1),
      sc('open', '/sets', 0), sc('read', 5, buf(1), 8), sc('close', 5),
      sc('_newselect', 5, buf(1), 0, 0, buf(2)), u32(buf(1)),
      sc('open', '/sets', 0), sc('read', 5, buf(3), 8), sc('close', 5),
      sc('_newselect', 10, buf(3, 4), 0, 0, buf(2)), // {3, 4} for reading: only the read end
      sc('_newselect', 1024, buf(4), 0, 0, buf(2)), // empty sets: 0
    ], { files: new Map([['/sets', Uint8Array.of(0x18, 0, 0, 0, 0x18, 0, 0, 0)]]) });
    // buf(2) is a zero timeval: no waiting
    expect(r.results[0]).toBe(0);
    expect(r.results.slice(4, 7)).toEqual([1, 0, 0x10]); // only the write end is ready (writable)
    expect(r.results.slice(11, 13)).toEqual([1, 0x08]); // the read end has data
    expect(r.results.slice(16)).toEqual([1, 0]);
  });

  it('EBADF for a descriptor in a set that is not open; pselect6 waits its timeout', () => {
    const r = runScript([
      sc('open', '/sets', 0), sc('read', 3, buf(1), 4), sc('close', 3),
      sc('_newselect', 10, buf(1), 0, 0, buf(2)),
      sc('pipe', buf(0)),
      sc('pselect6', 4, buf(5), 0, 0, buf(6), 0), // rd = {3}? buf(5) is empty: 0 after the timeout
    ], { files: new Map([['/sets', Uint8Array.of(0x00, 0x02, 0, 0)]]) }); // fd 9
    expect(r.results.slice(3)).toEqual([-E.EBADF, 0, 0]);
  });
});
