// CONTRACT STUB — replaced by the init implementation.
import type { Kernel } from './kernel.js';
/** Create init (pid 1) running the built-in init program, which runs argv; switch to it. */
export function start_init(k: Kernel, argv: string[], envp: string[]): void {
  void argv; void envp;
  k.panic('start_init not implemented');
}
