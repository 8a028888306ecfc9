// The kernel's side of the x87 FPU (arch/x86/kernel/fpu/: init.c, core.c, signal.c;
// arch/x86/kernel/traps.c math_error): per-task FPU state, its copy at fork, its reset at
// execve and at signal delivery, the math frame of a signal frame, and #MF → SIGFPE.
//
// EAGER FPU. The kernel keeps CR0.EM = 0 and CR0.TS = 0 (fpu__init_cpu at boot; MP and
// NE set, so an unmasked x87 exception raises #MF, vector 16, at the next waiting x87
// instruction — SDM vol. 1 §8.7, vol. 3 §2.5). There is no lazy switching: #NM never
// happens from user mode (a CPU that raised it anyway finds no math emulator: SIGFPE,
// what Linux without CONFIG_MATH_EMULATION does for a missing coprocessor; traps.ts).
//
// PER-TASK STATE. The FPU registers (cpu.fpu) hold the state of one task, their owner
// (Kernel.fpregs_owner); every other task keeps its state in thread.fpstate, a 108-byte
// FNSAVE image (SDM vol. 1 fig. 8-9 and §8.1.10), or null when it is the FNINIT state.
// switch_to makes the next user task the owner: the old owner's state is saved (a few
// comparisons, fpu_is_init, when it never touched the FPU) and the next one's restored
// (or the registers reset, if the old owner had dirtied them). The idle task never owns
// them: a task that sleeps and wakes with only idle in between keeps its registers,
// nothing saved (Linux's fpregs_state_valid). A switch between two tasks that both use
// the FPU costs one save() and one restore() (CYC_FPU_SAVE each; measured on the host:
// ~0.7 µs per switch). The image round-trips exactly (fpu.ts: registers are doubles
// written exactly in 80-bit form).
//   fork/clone   the child starts with a copy of the parent's state (fpu_clone: Linux
//                copies it for every child, threads included);
//   execve       FNINIT state (fpu__clear_user_states): FCW 0x037F, all empty;
//   signal       the state at the signal is saved in the frame (below), and the handler
//                starts with the FNINIT state, as in Linux;
//   sigreturn    the state comes back from the frame (fpu__restore_sig).
//
// THE MATH FRAME of a signal frame, for a CPU without FXSR (CPUID.FXSR clear: forkbox's
// i686 has no SSE): struct _fpstate_32's first 112 bytes (struct fregs_state) — the
// 108-byte FNSAVE image (cw, sw, tag, ipoff, cssel, dataoff, datasel as 32-bit words,
// then ST(0)..ST(7), 10 bytes each), then `status` (u16: a copy of the status word) and
// `magic` (u16: 0xffff, "regular FPU data only") — what Linux's save_fsave_header writes
// (the status dword of the FNSAVE image, upper half 0xffff, copied to fp->status). The
// math frame sits just below the point where the frame would start, aligned down to 64
// bytes (fpu__alloc_mathframe); the frame goes below it, and sigcontext.fpstate points to
// it. sigreturn with fpstate = NULL resets the FPU; an unreadable math frame is a bad
// frame (SIGSEGV).
//
// #MF (math_error): the exception is the unmasked one in the status word, si_code from
// the first of IE, ZE, OE, UE/DE, PE that is set and unmasked (fpu__exception_code):
// FPE_FLTINV, FPE_FLTDIV, FPE_FLTOVF, FPE_FLTUND, FPE_FLTRES; si_addr the faulting EIP.
// None: a spurious #MF, ignored as Linux does.

import type { FPU } from '../cpu/fpu.js';
import { CR0_EM, CR0_MP, CR0_NE, CR0_TS } from '../cpu/constants.js';
import { CYC_FPU_SAVE } from './cost.js';
import type { Kernel } from './kernel.js';
import { FPE_FLTDIV, FPE_FLTINV, FPE_FLTOVF, FPE_FLTRES, FPE_FLTUND } from './signal.js';
import type { Task } from './task.js';

/** The FNSAVE image (32-bit protected mode). */
export const FNSAVE_IMAGE_SIZE = 108;
/** struct fregs_state / the part of struct _fpstate_32 a non-FXSR frame holds. */
export const FREGS_STATE_SIZE = 112;
/** _fpstate_32.magic for "regular FPU data only". */
export const X86_FPSTATE_MAGIC_FSAVE = 0xffff;
const FCW_INIT = 0x037f;


/** The CPU's FPU, if the CPU has one. */
export function cpu_fpu(k: Kernel): FPU | undefined {
  return (k.cpu as { fpu?: FPU }).fpu;
}

/**
 * fpu__init_cpu (fpu__init_cpu_generic; CR0.NE as head_32.S sets it): no emulation, no
 * task-switched trap, #MF reporting of x87 errors. Called once at boot. A CPU without
 * an FPU keeps CR0.EM set (x87 instructions raise #NM: SIGFPE, traps.ts).
 */
export function fpu__init_cpu(k: Kernel): void {
  const f = cpu_fpu(k);
  if (!f) return; // no coprocessor: CR0.EM stays set, x87 instructions raise #NM
  const mmu = k.mmu;
  mmu.setCr0((mmu.cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
  f.reset();
}

/** Is the FPU in its FNINIT state (nothing a task would need saved)? */
function fpu_is_init(f: FPU): boolean {
  if (f.empty !== 0xff || f.fcw !== FCW_INIT || f.fsw !== 0 || f.top !== 0 ||
    f.fip !== 0 || f.fcs !== 0 || f.fop !== 0 || f.fdp !== 0 || f.fds !== 0) return false;
  // Empty registers keep their last values (FNSAVE stores them): those must be FNINIT's
  // zeros too, or another task could read them.
  const r = f.regs;
  return r[0] === 0 && r[1] === 0 && r[2] === 0 && r[3] === 0 && r[4] === 0 && r[5] === 0 && r[6] === 0 && r[7] === 0;
}

/** The FPU's state as a thread keeps it: null for the FNINIT state, else an image
 *  (into `into` if given). */
function save_fpstate(f: FPU, into: Uint8Array | null): Uint8Array | null {
  if (fpu_is_init(f)) return null;
  const img = into ?? new Uint8Array(FNSAVE_IMAGE_SIZE);
  f.save(img);
  return img;
}

/** Save the owner's FPU state into its thread (fpstate: null for FNINIT's). */
function save_owner(k: Kernel, f: FPU, owner: Task): boolean {
  const th = owner.thread;
  const saved = save_fpstate(f, th.fpbuf);
  th.fpstate = saved;
  if (saved) {
    th.fpbuf = saved;
    k.charge(CYC_FPU_SAVE);
  }
  return saved !== null;
}

/** Make `next`'s state the one in the registers (saving the present owner's first). */
function fpregs_load(k: Kernel, f: FPU, next: Task): void {
  const owner = k.fpregs_owner;
  if (owner === next) return;
  const dirty = owner ? save_owner(k, f, owner) : false;
  const img = next.thread.fpstate;
  if (img) {
    f.restore(img);
    k.charge(CYC_FPU_SAVE);
  } else if (dirty) {
    f.reset(); // the owner had dirtied it; next starts clean
  }
  k.fpregs_owner = next;
}

/**
 * switch_fpu (switch_fpu_prepare + switch_fpu_finish, with Linux's "fpregs still valid"
 * shortcut): the registers hold the state of their owner (Kernel.fpregs_owner); switching
 * to another user task saves the owner's and loads the next one's, switching to the idle
 * task (which never uses the FPU) or back to the owner costs nothing — a task that
 * sleeps and wakes with nothing else running meanwhile keeps its registers.
 */
export function switch_fpu(k: Kernel, _prev: Task, next: Task): void {
  const f = cpu_fpu(k);
  if (!f || next === k.idle) return;
  fpregs_load(k, f, next);
}

/** The current task's state in the registers (a kernel path that reads or writes it). */
function fpregs_current(k: Kernel): FPU | undefined {
  const f = cpu_fpu(k);
  if (f && k.fpregs_owner !== k.current && k.current !== k.idle) fpregs_load(k, f, k.current);
  return f;
}

/** fpu_clone: the child of the current task gets a copy of its FPU state. */
export function fpu_clone(k: Kernel, child: Task): void {
  const f = fpregs_current(k);
  const img = f ? save_fpstate(f, null) : null;
  child.thread.fpstate = img;
  child.thread.fpbuf = img;
}

/** fpu__clear_user_states: the current task's FPU back to FNINIT (execve, a handler). */
export function fpu__clear_user_states(k: Kernel, t: Task): void {
  if (t === k.current) fpregs_current(k)?.reset();
  t.thread.fpstate = null;
}

/** The math frame of the current task's FPU state (copy_fpstate_to_sigframe), or null
 *  for a CPU without an FPU. */
export function fpstate_sigframe_bytes(k: Kernel): Uint8Array | null {
  const f = fpregs_current(k);
  if (!f) return null;
  const b = new Uint8Array(FREGS_STATE_SIZE);
  f.save(b.subarray(0, FNSAVE_IMAGE_SIZE));
  // save_fsave_header: fp->status = the image's status dword (status, then 0xffff: magic).
  b[108] = b[4];
  b[109] = b[5];
  b[110] = X86_FPSTATE_MAGIC_FSAVE & 0xff;
  b[111] = X86_FPSTATE_MAGIC_FSAVE >> 8;
  return b;
}

/** fpu__restore_sig: the current task's FPU from a math frame's bytes (null: FNINIT). */
export function fpu__restore_sig(k: Kernel, frame: Uint8Array | null): void {
  const f = fpregs_current(k);
  if (!f) return;
  if (frame === null) f.reset();
  else f.restore(frame.subarray(0, FNSAVE_IMAGE_SIZE));
}

/**
 * fpu__exception_code: the SIGFPE si_code of the x87 exception pending in the current
 * FPU (the first unmasked exception set in FSW), or 0 when none is (spurious #MF).
 */
export function fpu__exception_code(k: Kernel): number {
  const f = fpregs_current(k);
  if (!f) return 0;
  const err = f.status & ~f.fcw & 0x3f;
  if (err & 0x001) return FPE_FLTINV; // invalid operation (stack fault included)
  if (err & 0x004) return FPE_FLTDIV; // divide by zero
  if (err & 0x008) return FPE_FLTOVF; // overflow
  if (err & 0x012) return FPE_FLTUND; // denormal, underflow
  if (err & 0x020) return FPE_FLTRES; // precision
  return 0;
}
