// The `forkbox` command. (Set-up stub: the commands arrive with the machine issue.)
export async function main(argv: string[]): Promise<number> {
  process.stderr.write(`forkbox: no commands yet (${argv.join(' ')})\n`);
  return 2;
}
