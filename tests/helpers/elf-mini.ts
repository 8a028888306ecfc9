// The smallest static ELF32 i386 executable Linux will run: the ELF header, one program
// header, and one PT_LOAD segment mapped read-write-execute at `base` (0x08048000, the
// traditional i386 load address). The segment is the whole file (headers included, as
// ld does for tiny programs), so the payload starts at base + ELF_HEADERS and its memory
// may extend past the file end with zeroes (p_memsz > p_filesz, a bss).
//
// No toolchain is needed: the differential test writes its harness with this and its own
// machine-code emitter (tests/helpers/diff-harness.ts).

export const ELF_BASE = 0x08048000;
/** Bytes of ELF header (52) + one program header (32) before the payload. */
export const ELF_HEADERS = 52 + 32;

export interface ElfOptions {
  /** Machine code and data, loaded at base + ELF_HEADERS. */
  payload: Uint8Array;
  /** Entry point (an absolute address inside the payload). */
  entry: number;
  /** Zeroed memory after the payload (bss), in bytes. */
  bss?: number;
  base?: number;
}

export function buildElf32(o: ElfOptions): Uint8Array {
  const base = o.base ?? ELF_BASE;
  const fileSize = ELF_HEADERS + o.payload.length;
  const out = new Uint8Array(fileSize);
  const v = new DataView(out.buffer);
  // e_ident: magic, ELFCLASS32, ELFDATA2LSB, EV_CURRENT, ELFOSABI_SYSV
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0], 0);
  v.setUint16(16, 2, true); // e_type ET_EXEC
  v.setUint16(18, 3, true); // e_machine EM_386
  v.setUint32(20, 1, true); // e_version
  v.setUint32(24, o.entry >>> 0, true); // e_entry
  v.setUint32(28, 52, true); // e_phoff
  v.setUint32(32, 0, true); // e_shoff: no section headers
  v.setUint32(36, 0, true); // e_flags
  v.setUint16(40, 52, true); // e_ehsize
  v.setUint16(42, 32, true); // e_phentsize
  v.setUint16(44, 1, true); // e_phnum
  v.setUint16(46, 40, true); // e_shentsize
  v.setUint16(48, 0, true); // e_shnum
  v.setUint16(50, 0, true); // e_shstrndx
  // Program header: PT_LOAD of the whole file at `base`, RWX.
  const ph = 52;
  v.setUint32(ph + 0, 1, true); // p_type PT_LOAD
  v.setUint32(ph + 4, 0, true); // p_offset
  v.setUint32(ph + 8, base >>> 0, true); // p_vaddr
  v.setUint32(ph + 12, base >>> 0, true); // p_paddr
  v.setUint32(ph + 16, fileSize, true); // p_filesz
  v.setUint32(ph + 20, fileSize + (o.bss ?? 0), true); // p_memsz
  v.setUint32(ph + 24, 7, true); // p_flags PF_R|PF_W|PF_X
  v.setUint32(ph + 28, 0x1000, true); // p_align
  out.set(o.payload, ELF_HEADERS);
  return out;
}
