// Paging for instruction tests: identity-map the InsnRunner's 2 MiB with 4 KiB pages
// (supervisor + user, writable) and turn CR0.PG on, with chosen pages absent or read-only,
// so a test can make an access page-fault mid-instruction and then "handle" the fault.
//
//   const r = identityPaging(run('f3 a5'), { absent: [0x21000] });
//   r.set({ ... }).go().expectFault(14, 2);
//   mapPage(r, 0x21000);           // what a page-fault handler would do
//   r.go().expectNoFault();        // the instruction restarts where it stopped

import type { InsnRunner } from './insn-runner.js';
import { CR0_PG, CR0_WP } from '../../src/cpu/constants.js';
import { PTE_P, PTE_U, PTE_W } from '../../src/mmu/paging.js';

/** Page directory and the one page table, at the top of the runner's RAM. */
export const PAGING_PD = 0x1f0000;
export const PAGING_PT = 0x1f1000;

export interface IdentityPagingOptions {
  /** Page addresses mapped not present. */
  absent?: number[];
  /** Page addresses mapped read-only. */
  readOnly?: number[];
  /** Page addresses mapped supervisor-only (U/S=0). */
  supervisor?: number[];
  /** Set CR0.WP so supervisor writes honour read-only pages. */
  wp?: boolean;
}

export function identityPaging(r: InsnRunner, opts: IdentityPagingOptions = {}): InsnRunner {
  r.mem32(PAGING_PD, PAGING_PT | PTE_P | PTE_W | PTE_U);
  for (let p = 0; p < 512; p++) {
    const a = p << 12;
    let pte = a | PTE_P | PTE_W | PTE_U;
    if (opts.readOnly?.includes(a)) pte &= ~PTE_W;
    if (opts.supervisor?.includes(a)) pte &= ~PTE_U;
    if (opts.absent?.includes(a)) pte = 0;
    r.mem32(PAGING_PT + 4 * p, pte);
  }
  r.cpu.mmu.setCr3(PAGING_PD);
  r.cpu.mmu.setCr0(r.cpu.mmu.cr0 | CR0_PG | (opts.wp ? CR0_WP : 0));
  return r;
}

/** Map `page` present and writable, drop its TLB entry, and clear the recorded fault. */
export function mapPage(r: InsnRunner, page: number): void {
  r.mem32(PAGING_PT + 4 * (page >>> 12), page | PTE_P | PTE_W | PTE_U);
  r.cpu.mmu.invlpg(page);
  r.fault = null;
}
