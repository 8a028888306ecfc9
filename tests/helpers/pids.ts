// Process ids differ from one system (and one run) to the next: normalizePids makes the
// outputs of forkbox, native Linux and qemu-i386 comparable. Guest programs print pids as
// `pid=N` (also `ppid=N`, `tid=N`) so that they can be recognised.

/**
 * Replace every pid (the number after `pid=`, `ppid=`, `tid=`) by P1, P2 … in order of
 * first appearance, the same number by the same name throughout.
 */
export function normalizePids(text: string): string {
  const names = new Map<string, string>();
  return text.replace(/\b(p?pid|tid)=(\d+)/g, (_, key: string, n: string) => {
    let name = names.get(n);
    if (!name) names.set(n, (name = `P${names.size + 1}`));
    return `${key}=${name}`;
  });
}
