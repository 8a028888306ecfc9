// How hardware aborts an instruction.
//
// An instruction that faults (a #PF from the MMU, a #GP from a segment check, a #DE
// from div, …) must leave the machine as it was before the instruction so that it can
// restart. Handlers write architectural state only after every access that can fault,
// and a fault is signalled by throwing the single preallocated FAULT object: no Error
// is built, no stack trace captured. The CPU's run loop catches it, rewinds EIP to the
// faulting instruction and delivers the vector through the IDT.
//
// A throw is still not cheap: V8 creates a message object (with the throw's source
// location) for every throw, and unwinding costs about 0.5-0.8 µs. The hottest fault, a
// #PF of an inlined memory access in compiled code (every COW and demand-paging fault of
// a hot loop), is therefore reported without a throw: the MMU's non-throwing accessors
// (mmu.ts walk/tryWrite32/read32NF…) set FAULT and return, and the compiled block returns
// JIT_FAULT to the run loop (jit.ts, cpu.ts step). Same FAULT fields, same restart.

export interface PendingFault {
  vector: number;
  /** Error code to push, or -1 for exceptions that push none. */
  error: number;
}

/** The one object ever thrown for a guest exception. */
export const FAULT: PendingFault = { vector: 0, error: -1 };

/** Raise `vector` with error code `error` (-1: none). Never returns. */
export function raise(vector: number, error: number): never {
  FAULT.vector = vector;
  FAULT.error = error;
  throw FAULT;
}
