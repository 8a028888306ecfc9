// Signal frames of Linux i386 (arch/x86/kernel/signal.c, signal_32.c,
// arch/x86/include/asm/sigframe.h, uapi/asm/sigcontext.h): what a handler finds on its
// stack, and sigreturn / rt_sigreturn, which take it down again.
//
// struct sigcontext (88 bytes) — the user registers at the signal:
//    +0 gs   +4 fs   +8 es  +12 ds  +16 edi +20 esi +24 ebp +28 esp +32 ebx +36 edx
//   +40 ecx +44 eax +48 trapno +52 err +56 eip +60 cs +64 eflags +68 esp_at_signal
//   +72 ss  +76 fpstate +80 oldmask (blocked signals 1-32) +84 cr2
// (segment registers are 16-bit fields, each followed by 16 zero bits)
//
// struct sigframe (no SA_SIGINFO), 732 bytes:
//     +0 pretcode   where the handler returns: sa_restorer, or &retcode
//     +4 sig        the handler's argument
//     +8 sc         struct sigcontext
//    +96 fpstate_unused (struct _fpstate, 624 bytes, kept for the offsets below)
//   +720 extramask  blocked signals 33-64
//   +724 retcode    58 b8 77 00 00 00 cd 80   popl %eax; movl $__NR_sigreturn,%eax; int $0x80
//
// struct rt_sigframe (SA_SIGINFO), 268 bytes:
//     +0 pretcode  +4 sig  +8 pinfo (= &info)  +12 puc (= &uc)
//    +16 info      siginfo_t, 128 bytes
//   +144 uc        struct ucontext: +0 uc_flags +4 uc_link +8 uc_stack {ss_sp, ss_flags,
//                  ss_size} +20 uc_mcontext (struct sigcontext) +108 uc_sigmask (64 bits)
//   +260 retcode   b8 ad 00 00 00 cd 80 00   movl $__NR_rt_sigreturn,%eax; int $0x80
//
// The frame goes below the user's esp (or at the top of the alternate stack with
// SA_ONSTACK), aligned so that esp + 4 is a multiple of 16 at the handler's first
// instruction, as after a call. The handler starts with eax = sig and, for rt frames,
// edx = &info, ecx = &uc; ds/es/ss/cs are the user selectors (fs/gs, the TLS, are kept).
//
// WITHOUT SA_RESTORER: Linux returns through the vDSO's __kernel_sigreturn /
// __kernel_rt_sigreturn; forkbox has no vDSO, so pretcode is &frame->retcode for both
// frames — what Linux i386 does for the classic frame when there is no vDSO (and did for
// both before the vDSO existed). The retcode bytes are written either way.
//
// THE MATH FRAME (fpu.ts): with an x87 FPU, the FPU state at the signal is saved in a
// struct _fpstate_32 of 112 bytes (the FNSAVE image, status, magic 0xffff) placed first,
// just below the stack pointer and aligned down to 64 (fpu__alloc_mathframe); the frame
// goes below it and sigcontext.fpstate points to it. The handler starts with a fresh
// (FNINIT) FPU. Without an FPU there is no math frame and fpstate is 0.
//
// SIGRETURN takes the frame at esp - 8 (sigframe: pretcode and sig were popped) or
// esp - 4 (rt_sigframe), restores the blocked mask (never SIGKILL/SIGSTOP) and the
// registers, validating: only the flags user code may change (FIX_EFLAGS) come from the
// frame, cs and ss are forced to the user selectors, ds/es/fs/gs must be loadable by user
// code (null, the user selectors, or a present TLS descriptor of DPL 3), and orig_eax is
// set to -1 so that nothing takes the restored eax for a syscall to restart; the FPU
// state comes from the math frame sigcontext.fpstate points to (NULL: FNINIT). A frame it
// cannot read (math frame included) or with bad selectors: SIGSEGV.

import { E, SIG } from './abi.js';
import { CYC_SIGFRAME } from './cost.js';
import type { Kernel } from './kernel.js';
import { GDT_ENTRY_TLS_ENTRIES, GDT_ENTRY_TLS_MIN, TASK_SIZE, USER_CS, USER_DS } from './layout.js';
import {
  PT_CS, PT_DS, PT_EAX, PT_EBP, PT_EBX, PT_ECX, PT_EDI, PT_EDX, PT_EFLAGS, PT_EIP, PT_ES, PT_ESI, PT_ESP, PT_FS, PT_GS,
  PT_ORIG_EAX, PT_SS, type PtRegs,
} from './ptregs.js';
import { force_sig, set_current_blocked } from './signal.js';
import type { KSignal } from './get_signal.js';
import { MINSIGSTKSZ, SA_ONSTACK, SA_RESTORER, SigSet, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK, type KernelSiginfo } from './sigset.js';
import type { Syscall } from './syscalls.js';
import type { Task } from './task.js';
import { copy_from_user, copy_to_user } from './uaccess.js';
import { cpu_fpu, fpstate_sigframe_bytes, fpu__clear_user_states, fpu__restore_sig, FREGS_STATE_SIZE } from './fpu.js';

export const SIGCONTEXT_SIZE = 88;
export const SIGFRAME_SIZE = 732;
export const RT_SIGFRAME_SIZE = 268;
export const SIGINFO_SIZE = 128;

/* Offsets in struct sigcontext. */
export const SC_GS = 0, SC_FS = 4, SC_ES = 8, SC_DS = 12, SC_EDI = 16, SC_ESI = 20, SC_EBP = 24, SC_ESP = 28;
export const SC_EBX = 32, SC_EDX = 36, SC_ECX = 40, SC_EAX = 44, SC_TRAPNO = 48, SC_ERR = 52, SC_EIP = 56;
export const SC_CS = 60, SC_EFLAGS = 64, SC_ESP_AT_SIGNAL = 68, SC_SS = 72, SC_FPSTATE = 76, SC_OLDMASK = 80, SC_CR2 = 84;

/* Offsets in the frames. */
export const SF_SC = 8;
export const SF_EXTRAMASK = 720;
export const SF_RETCODE = 724;
export const RT_INFO = 16;
export const RT_UC = 144;
export const UC_STACK = 8;
export const UC_MCONTEXT = 20;
export const UC_SIGMASK = 108;
export const RT_RETCODE = 260;

const NR_sigreturn = 119;
const NR_rt_sigreturn = 173;

/** The eflags bits sigreturn takes from the frame (FIX_EFLAGS): AC OF DF TF SF ZF AF PF
 *  CF RF. IF, IOPL, VM and the rest stay as they are. */
const FIX_EFLAGS = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000;

function put32(b: Uint8Array, off: number, v: number): void {
  b[off] = v;
  b[off + 1] = v >>> 8;
  b[off + 2] = v >>> 16;
  b[off + 3] = v >>> 24;
}

function get32(b: Uint8Array, off: number): number {
  return b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24);
}

// ---------------------------------------------------------------------------------------
// The alternate stack.

/** __on_sig_stack: sp lies in t's alternate stack (it grows down from sp + size). */
function __on_sig_stack(t: Task, sp: number): boolean {
  sp >>>= 0;
  return sp > t.sas_ss_sp >>> 0 && sp - (t.sas_ss_sp >>> 0) <= t.sas_ss_size >>> 0;
}

/** on_sig_stack: as above, but never with SS_AUTODISARM (the stack is disarmed while a
 *  handler runs on it, so it may be re-entered). */
export function on_sig_stack(t: Task, sp: number): boolean {
  if (t.sas_ss_flags & SS_AUTODISARM) return false;
  return __on_sig_stack(t, sp);
}

/** sas_ss_flags: SS_DISABLE without an alternate stack, SS_ONSTACK when sp is on it. */
export function sas_ss_flags(t: Task, sp: number): number {
  if (!t.sas_ss_size) return SS_DISABLE;
  return on_sig_stack(t, sp) ? SS_ONSTACK : 0;
}

/** The stack_t of t as the frame records it (save_altstack); SS_AUTODISARM resets it. */
function save_altstack(t: Task, sp: number, b: Uint8Array, off: number): void {
  put32(b, off, t.sas_ss_sp);
  put32(b, off + 4, sas_ss_flags(t, sp) | (t.sas_ss_flags & SS_AUTODISARM));
  put32(b, off + 8, t.sas_ss_size);
  if (t.sas_ss_flags & SS_AUTODISARM) {
    t.sas_ss_sp = t.sas_ss_size = 0;
    t.sas_ss_flags = SS_DISABLE;
  }
}

/**
 * get_sigframe: where a frame of `size` bytes goes, or -1 (an address no copy accepts:
 * the delivery fails with SIGSEGV) when it would overflow the alternate stack; and where
 * the math frame goes (0: none, the CPU has no FPU).
 */
function get_sigframe(t: Task, ksig: KSignal, regs: PtRegs, size: number, math: boolean): { frame: number; fpstate: number } {
  let sp = regs.get(PT_ESP) >>> 0;
  const nested_altstack = on_sig_stack(t, sp);
  let entering_altstack = false;
  // This is the X/Open sanctioned signal stack switching.
  if (ksig.ka.flags & SA_ONSTACK && sas_ss_flags(t, sp) === 0) {
    sp = (t.sas_ss_sp + t.sas_ss_size) >>> 0;
    entering_altstack = true;
  }
  // fpu__alloc_mathframe: the FPU state first, 64-byte aligned.
  let fpstate = 0;
  if (math) {
    sp = ((sp - FREGS_STATE_SIZE) & -64) >>> 0;
    fpstate = sp;
  }
  // align_sigframe: esp + 4 a multiple of 16 at handler entry.
  sp = ((((sp - size) >>> 0) + 4) & -16) - 4;
  sp >>>= 0;
  if ((nested_altstack || entering_altstack) && !__on_sig_stack(t, sp)) return { frame: -1, fpstate };
  return { frame: sp, fpstate };
}

/** copy_fpstate_to_sigframe: the current FPU state into the math frame at `fpstate`
 *  (nothing without one); 0 or -EFAULT. */
function save_math_frame(k: Kernel, fpstate: number, math: Uint8Array | null): number {
  if (!math || fpstate === 0) return 0;
  return copy_to_user(k, fpstate, math);
}

// ---------------------------------------------------------------------------------------
// Building frames.

/** setup_sigcontext: the user registers into a struct sigcontext at b[off]. */
function setup_sigcontext(t: Task, regs: PtRegs, b: Uint8Array, off: number, mask0: number, fpstate: number): void {
  const seg = (f: number) => regs.get(f) & 0xffff;
  put32(b, off + SC_GS, seg(PT_GS));
  put32(b, off + SC_FS, seg(PT_FS));
  put32(b, off + SC_ES, seg(PT_ES));
  put32(b, off + SC_DS, seg(PT_DS));
  put32(b, off + SC_EDI, regs.get(PT_EDI));
  put32(b, off + SC_ESI, regs.get(PT_ESI));
  put32(b, off + SC_EBP, regs.get(PT_EBP));
  put32(b, off + SC_ESP, regs.get(PT_ESP));
  put32(b, off + SC_EBX, regs.get(PT_EBX));
  put32(b, off + SC_EDX, regs.get(PT_EDX));
  put32(b, off + SC_ECX, regs.get(PT_ECX));
  put32(b, off + SC_EAX, regs.get(PT_EAX));
  put32(b, off + SC_TRAPNO, t.thread.trap_nr);
  put32(b, off + SC_ERR, t.thread.error_code);
  put32(b, off + SC_EIP, regs.get(PT_EIP));
  put32(b, off + SC_CS, seg(PT_CS));
  put32(b, off + SC_EFLAGS, regs.get(PT_EFLAGS));
  put32(b, off + SC_ESP_AT_SIGNAL, regs.get(PT_ESP));
  put32(b, off + SC_SS, seg(PT_SS));
  put32(b, off + SC_FPSTATE, fpstate);
  put32(b, off + SC_OLDMASK, mask0);
  put32(b, off + SC_CR2, t.thread.cr2);
}

/**
 * copy_siginfo_to_user's layout of i386 siginfo_t (128 bytes): si_signo, si_errno,
 * si_code, then the union at +12 — faults: si_addr; SIGCHLD: si_pid, si_uid, si_status,
 * si_utime, si_stime; kill, tkill, sigqueue, timers: si_pid, si_uid, si_value.
 */
export function siginfo_bytes(info: KernelSiginfo, b: Uint8Array = new Uint8Array(SIGINFO_SIZE), off = 0): Uint8Array {
  put32(b, off, info.signo);
  put32(b, off + 4, info.errno);
  put32(b, off + 8, info.code);
  const fault = info.code > 0 && (info.signo === SIG.SIGSEGV || info.signo === SIG.SIGBUS || info.signo === SIG.SIGILL ||
    info.signo === SIG.SIGFPE || info.signo === SIG.SIGTRAP) && info.code !== 0x80;
  if (fault) {
    put32(b, off + 12, info.addr);
  } else if (info.signo === SIG.SIGCHLD && info.code > 0 && info.code !== 0x80) {
    put32(b, off + 12, info.pid);
    put32(b, off + 16, info.uid);
    put32(b, off + 20, info.status);
    put32(b, off + 24, info.utime);
    put32(b, off + 28, info.stime);
  } else {
    put32(b, off + 12, info.pid);
    put32(b, off + 16, info.uid);
    put32(b, off + 20, info.value);
  }
  return b;
}

/** Point the user registers at the handler: esp = frame, eip = handler, eax = sig. */
function enter_handler(regs: PtRegs, frame: number, ksig: KSignal, edx: number, ecx: number): void {
  regs.set(PT_ESP, frame);
  regs.set(PT_EIP, ksig.ka.handler);
  regs.set(PT_EAX, ksig.sig);
  regs.set(PT_EDX, edx);
  regs.set(PT_ECX, ecx);
  regs.set(PT_DS, USER_DS);
  regs.set(PT_ES, USER_DS);
  regs.set(PT_SS, USER_DS);
  regs.set(PT_CS, USER_CS);
}

/** A frame's bytes, `size` of them, starting with pretcode (sa_restorer with
 *  SA_RESTORER, else the frame's own retcode at `retcode`) and sig. */
function frame_head(ksig: KSignal, frame: number, size: number, retcode: number): Uint8Array {
  const b = new Uint8Array(size);
  put32(b, 0, ksig.ka.flags & SA_RESTORER ? ksig.ka.restorer : frame + retcode);
  put32(b, 4, ksig.sig);
  return b;
}

/** setup_frame: a classic frame (handler(sig)) for t; 0 or -EFAULT. */
export function setup_frame(k: Kernel, t: Task, ksig: KSignal, set: SigSet, regs: PtRegs): number {
  k.charge(CYC_SIGFRAME);
  const math = fpstate_sigframe_bytes(k);
  const { frame, fpstate } = get_sigframe(t, ksig, regs, SIGFRAME_SIZE, math !== null);
  if (frame < 0 || save_math_frame(k, fpstate, math) < 0) return -E.EFAULT;
  const b = frame_head(ksig, frame, SIGFRAME_SIZE, SF_RETCODE);
  setup_sigcontext(t, regs, b, SF_SC, set.lo, fpstate);
  put32(b, SF_EXTRAMASK, set.hi);
  // popl %eax ; movl $__NR_sigreturn,%eax ; int $0x80
  b.set([0x58, 0xb8, NR_sigreturn & 0xff, NR_sigreturn >> 8, 0, 0, 0xcd, 0x80], SF_RETCODE);
  if (copy_to_user(k, frame, b) < 0) return -E.EFAULT;
  enter_handler(regs, frame, ksig, 0, 0);
  fpu__clear_user_states(k, t); // the handler starts with a fresh FPU
  return 0;
}

/** setup_rt_frame: an SA_SIGINFO frame (handler(sig, &info, &uc)) for t; 0 or -EFAULT. */
export function setup_rt_frame(k: Kernel, t: Task, ksig: KSignal, set: SigSet, regs: PtRegs): number {
  k.charge(CYC_SIGFRAME);
  const math = fpstate_sigframe_bytes(k);
  const { frame, fpstate } = get_sigframe(t, ksig, regs, RT_SIGFRAME_SIZE, math !== null);
  if (frame < 0 || save_math_frame(k, fpstate, math) < 0) return -E.EFAULT;
  const b = frame_head(ksig, frame, RT_SIGFRAME_SIZE, RT_RETCODE);
  put32(b, 8, frame + RT_INFO);
  put32(b, 12, frame + RT_UC);
  siginfo_bytes(ksig.info, b, RT_INFO);
  put32(b, RT_UC, 0); // uc_flags: no extended FPU state
  put32(b, RT_UC + 4, 0); // uc_link
  save_altstack(t, regs.get(PT_ESP), b, RT_UC + UC_STACK);
  setup_sigcontext(t, regs, b, RT_UC + UC_MCONTEXT, set.lo, fpstate);
  put32(b, RT_UC + UC_SIGMASK, set.lo);
  put32(b, RT_UC + UC_SIGMASK + 4, set.hi);
  // movl $__NR_rt_sigreturn,%eax ; int $0x80
  b.set([0xb8, NR_rt_sigreturn & 0xff, NR_rt_sigreturn >> 8, 0, 0, 0xcd, 0x80, 0], RT_RETCODE);
  if (copy_to_user(k, frame, b) < 0) return -E.EFAULT;
  enter_handler(regs, frame, ksig, frame + RT_INFO, frame + RT_UC);
  fpu__clear_user_states(k, t); // the handler starts with a fresh FPU
  return 0;
}

// ---------------------------------------------------------------------------------------
// sigreturn.

/**
 * A data-segment selector user code may load: null, the user code/data selectors, or a
 * TLS entry (RPL 3) whose descriptor is present, DPL 3, and data or readable code.
 */
function user_data_selector(t: Task, sel: number): boolean {
  sel &= 0xffff;
  if (sel < 4) return true; // a null selector
  if (sel === USER_DS || sel === USER_CS) return true;
  if ((sel & 7) !== 3) return false; // GDT, RPL 3
  const idx = sel >> 3;
  if (idx < GDT_ENTRY_TLS_MIN || idx >= GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_ENTRIES) return false;
  const hi = t.thread.tls[(idx - GDT_ENTRY_TLS_MIN) * 2 + 1];
  const present = (hi & 0x8000) !== 0;
  const dpl3 = ((hi >> 13) & 3) === 3;
  const codeOrData = (hi & 0x1000) !== 0;
  const code = (hi & 0x800) !== 0;
  const readable = (hi & 0x200) !== 0;
  return present && dpl3 && codeOrData && (!code || readable);
}

/** restore_sigcontext: the registers from a struct sigcontext at b[off], and the FPU
 *  state from its math frame; false for a selector user code could not load or a math
 *  frame that cannot be read. */
function restore_sigcontext(k: Kernel, t: Task, regs: PtRegs, b: Uint8Array, off: number): boolean {
  // fpu__restore_sig: NULL resets the FPU; an unreadable frame is a bad frame.
  const fpstate = get32(b, off + SC_FPSTATE) >>> 0;
  let math: Uint8Array | null = null;
  if (fpstate !== 0 && cpu_fpu(k)) {
    math = copy_from_user(k, fpstate, FREGS_STATE_SIZE);
    if (!math) return false;
  }
  const gs = get32(b, off + SC_GS) & 0xffff;
  const fs = get32(b, off + SC_FS) & 0xffff;
  const es = get32(b, off + SC_ES) & 0xffff;
  const ds = get32(b, off + SC_DS) & 0xffff;
  for (const s of [gs, fs, es, ds]) if (!user_data_selector(t, s)) return false;
  regs.set(PT_GS, gs);
  regs.set(PT_FS, fs);
  regs.set(PT_ES, es);
  regs.set(PT_DS, ds);
  regs.set(PT_EDI, get32(b, off + SC_EDI));
  regs.set(PT_ESI, get32(b, off + SC_ESI));
  regs.set(PT_EBP, get32(b, off + SC_EBP));
  regs.set(PT_ESP, get32(b, off + SC_ESP));
  regs.set(PT_EBX, get32(b, off + SC_EBX));
  regs.set(PT_EDX, get32(b, off + SC_EDX));
  regs.set(PT_ECX, get32(b, off + SC_ECX));
  regs.set(PT_EAX, get32(b, off + SC_EAX));
  regs.set(PT_EIP, get32(b, off + SC_EIP));
  regs.set(PT_CS, USER_CS);
  regs.set(PT_SS, USER_DS);
  regs.set(PT_EFLAGS, (regs.get(PT_EFLAGS) & ~FIX_EFLAGS) | (get32(b, off + SC_EFLAGS) & FIX_EFLAGS));
  // Disable syscall checks: the restored eax is not a syscall's result.
  regs.set(PT_ORIG_EAX, -1);
  fpu__restore_sig(k, math);
  return true;
}

/** badframe: a frame sigreturn cannot use — SIGSEGV (signal_fault). */
function badframe(k: Kernel, what: string, frame: number): number {
  const t = k.current;
  k.log(`forkbox: ${t.comm}[${t.pid}] bad frame in ${what} frame:${(frame >>> 0).toString(16)} ip:${(k.ptRegsOf(t).get(PT_EIP) >>> 0).toString(16)}`);
  force_sig(k, SIG.SIGSEGV);
  return 0;
}

/**
 * What sigreturn and rt_sigreturn (`what`) share: read the frame of `size` bytes at
 * esp - `popped` (what the handler's return took off the stack), restore the blocked mask
 * from the words at `mask_lo`, `mask_hi` and the registers from the sigcontext at `sc`.
 * The frame's bytes, or null after badframe.
 */
function restore_frame(k: Kernel, what: string, popped: number, size: number, mask_lo: number, mask_hi: number, sc: number): Uint8Array | null {
  const t = k.current;
  const regs = k.ptRegsOf(t);
  k.charge(CYC_SIGFRAME);
  const frame = ((regs.get(PT_ESP) >>> 0) - popped) >>> 0;
  const b = frame + size > TASK_SIZE ? null : copy_from_user(k, frame, size);
  if (b) {
    set_current_blocked(k, t, new SigSet(get32(b, mask_lo), get32(b, mask_hi)));
    if (restore_sigcontext(k, t, regs, b, sc)) return b;
  }
  badframe(k, what, frame);
  return null;
}

/** sigreturn(): back from a classic frame (at esp - 8). Returns the restored eax. */
const sys_sigreturn: Syscall = (k) => {
  if (!restore_frame(k, 'sigreturn', 8, SIGFRAME_SIZE, SF_SC + SC_OLDMASK, SF_EXTRAMASK, SF_SC)) return 0;
  return k.ptRegsOf(k.current).get(PT_EAX);
};

/** rt_sigreturn(): back from an rt frame (at esp - 4); the alternate stack recorded in
 *  uc_stack is set again. Returns the restored eax. */
const sys_rt_sigreturn: Syscall = (k) => {
  const b = restore_frame(k, 'rt_sigreturn', 4, RT_SIGFRAME_SIZE, RT_UC + UC_SIGMASK, RT_UC + UC_SIGMASK + 4, RT_UC + UC_MCONTEXT);
  if (!b) return 0;
  const regs = k.ptRegsOf(k.current);
  // restore_altstack: do_sigaltstack with the saved stack_t (errors ignored).
  do_sigaltstack(k.current, b.subarray(RT_UC + UC_STACK, RT_UC + UC_STACK + 12), regs.get(PT_ESP));
  return regs.get(PT_EAX);
};

/**
 * do_sigaltstack's setting half: install the stack_t in `ss` (12 bytes: ss_sp,
 * ss_flags, ss_size) for t whose user esp is `sp`. 0, -EPERM (t runs on the alternate
 * stack now), -EINVAL (bad flags) or -ENOMEM (smaller than MINSIGSTKSZ).
 */
export function do_sigaltstack(t: Task, ss: Uint8Array, sp: number): number {
  const ss_sp = get32(ss, 0) >>> 0;
  const ss_flags = get32(ss, 4);
  let ss_size = get32(ss, 8) >>> 0;
  if (on_sig_stack(t, sp)) return -E.EPERM;
  const ss_mode = ss_flags & ~SS_AUTODISARM;
  if (ss_mode !== SS_DISABLE && ss_mode !== SS_ONSTACK && ss_mode !== 0) return -E.EINVAL;
  if (t.sas_ss_sp === ss_sp && t.sas_ss_size === ss_size && t.sas_ss_flags === ss_flags) return 0;
  let sp_new = ss_sp;
  if (ss_mode === SS_DISABLE) {
    ss_size = 0;
    sp_new = 0;
  } else if (ss_size < MINSIGSTKSZ) {
    return -E.ENOMEM;
  }
  t.sas_ss_sp = sp_new;
  t.sas_ss_size = ss_size;
  t.sas_ss_flags = ss_flags;
  return 0;
}

/** The current stack_t of t (sigaltstack's old value) as 12 bytes. */
export function altstack_bytes(t: Task, sp: number): Uint8Array {
  const b = new Uint8Array(12);
  put32(b, 0, t.sas_ss_sp);
  put32(b, 4, sas_ss_flags(t, sp) | (t.sas_ss_flags & SS_AUTODISARM));
  put32(b, 8, t.sas_ss_size);
  return b;
}

export const SIGFRAME_SYSCALLS: Record<string, Syscall> = {
  sigreturn: sys_sigreturn,
  rt_sigreturn: sys_rt_sigreturn,
};
