// `forkbox run`: through main() of src/cli.ts with captured io — .asm assembled on the
// fly, ELF files, the exit status (code or 128 + signal), --stats, the environment,
// --fs, stdin, ctrl-C, and every error as one line with exit code 2.

import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIO } from '../src/cli.js';
import { NR } from '../src/guest/abi.js';
import { assembleProgram, program } from './helpers/kernel-machine.js';
import { bootProgram, runProgram, runProgramSliced } from '../src/run.js';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], extra: Partial<CliIO> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    env: { HOME: '/home/test', LANG: 'C' },
    ...extra,
  };
  const code = await main(['run', ...argv], io);
  return { code, stdout, stderr };
}

let dir: string;
const p = (name: string) => join(dir, name);

// Programs (NASM source, written to the scratch folder as .asm, and assembled as ELFs).
const HELLO = program(`
        puts    "hello from forkbox run", 10
        sys     ${NR.exit}, 0
`);

const EXIT_ARG = program(`
        ; exit(atoi(argv[1]))
        mov     esi, [esp + 8]
        xor     eax, eax
.next:  movzx   ecx, byte [esi]
        test    ecx, ecx
        jz      .done
        imul    eax, eax, 10
        sub     ecx, '0'
        add     eax, ecx
        inc     esi
        jmp     .next
.done:  mov     ebx, eax
        mov     eax, ${NR.exit}
        int     0x80
`);

const SEGV = program(`
        puts    "about to crash", 10
        mov     dword [0], 1
        sys     ${NR.exit}, 0
`);

/** Prints argc, every argv string and every envp string, one per line. */
const SHOW_ARGS = program(`
        mov     eax, [esp]
        puts    "argc "
        call    print_u32
        call    print_nl
        lea     ebp, [esp + 4]
.argv:  mov     esi, [ebp]
        add     ebp, 4
        test    esi, esi
        jz      .envp
        puts    "arg "
        call    print_str
        jmp     .argv
.envp:  mov     esi, [ebp]
        add     ebp, 4
        test    esi, esi
        jz      .end
        puts    "env "
        call    print_str
        jmp     .envp
.end:   sys     ${NR.exit}, 0

; print the NUL-terminated string at esi and a newline
print_str:
        mov     ecx, esi
        xor     edx, edx
.len:   cmp     byte [esi + edx], 0
        je      .out
        inc     edx
        jmp     .len
.out:   call    write_out
        call    print_nl
        ret
`);

/** cat: copies fd 0 to fd 1 until EOF, then says "eof" on fd 2. */
const CAT = program(`
.loop:  sys     ${NR.read}, 0, buf, 64
        test    eax, eax
        jle     .eof
        mov     edx, eax
        sys     ${NR.write}, 1, buf
        jmp     .loop
.eof:   sys     ${NR.write}, 2, msg, msg_len
        sys     ${NR.exit}, 0
section .rodata
msg:    db "eof", 10
msg_len equ $ - msg
section .bss
buf:    resb 64
`);

/** execve(argv[1], [argv[1]], envp): runs a program of the --fs tree. */
const EXEC_ARG = program(`
        mov     ebx, [esp + 8]
        mov     [argv0], ebx
        mov     ecx, [esp]
        lea     edx, [esp + 4 + ecx * 4 + 4]
        sys     ${NR.execve}, ebx, argv0, edx
        puts    "execve failed "
        call    print_i32
        call    print_nl
        sys     ${NR.exit}, 127
section .bss
argv0:  resd 2
`);

/** Prints the file argv[1] (open + read), then overwrites its start with "XX" and
 *  reads it again: the guest's copy changes, the host's file does not. */
const CAT_FILE = program(`
        mov     ebx, [esp + 8]
        sys     ${NR.open}, ebx, 2              ; O_RDWR
        test    eax, eax
        js      .fail
        mov     ebp, eax
        sys     ${NR.read}, ebp, buf, 100
        mov     edx, eax
        sys     ${NR.write}, 1, buf
        sys     ${NR.lseek}, ebp, 0, 0
        sys     ${NR.write}, ebp, xx, 2
        sys     ${NR.lseek}, ebp, 0, 0
        sys     ${NR.read}, ebp, buf, 100
        mov     edx, eax
        sys     ${NR.write}, 1, buf
        sys     ${NR.exit}, 0
.fail:  call    print_i32
        call    print_nl
        sys     ${NR.exit}, 1
section .rodata
xx:     db "XX"
section .bss
buf:    resb 100
`);

/** Sleeps 1 s in a loop forever (for ctrl-C). */
const SLEEP_FOREVER = program(`
.again: sys     ${NR.nanosleep}, req, 0
        jmp     .again
section .data
req:    dd 1, 0
`);

const TIME = program(`
        sys     ${NR.time}, 0
        puts    "time "
        call    print_u32
        call    print_nl
        sys     ${NR.exit}, 0
`);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'forkbox-run-'));
  const progs: Record<string, string> = { hello: HELLO, exitarg: EXIT_ARG, segv: SEGV, args: SHOW_ARGS, cat: CAT, execarg: EXEC_ARG, catfile: CAT_FILE, sleep: SLEEP_FOREVER, time: TIME };
  for (const [name, src] of Object.entries(progs)) {
    writeFileSync(p(`${name}.asm`), src);
    writeFileSync(p(name), assembleProgram(src, `${name}.asm`));
    chmodSync(p(name), 0o755);
  }
  writeFileSync(p('bad.asm'), 'section .text\nglobal _start\n_start:\n        mov eax, ebx, ecx\n        jmp nowhere_defined\n');
  writeFileSync(p('notelf'), 'just text, not an ELF file\n');
  writeFileSync(p('elf64'), Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...new Array(56).fill(0)));
  mkdirSync(p('root/bin'), { recursive: true });
  mkdirSync(p('root/etc'), { recursive: true });
  writeFileSync(p('root/bin/hello'), assembleProgram(HELLO, 'hello.asm'));
  writeFileSync(p('root/etc/motd'), 'welcome\n');
  symlinkSync('hello', p('root/bin/hi'));
  symlinkSync('/nonexistent', p('root/dangling'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('forkbox run: errors are one line and exit code 2', () => {
  const oneLine = (r: CliRun, re: RegExp) => {
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').length, r.stderr).toBe(2);
    expect(r.stderr).toMatch(re);
  };

  it('no program, a missing file, a directory', async () => {
    oneLine(await run([]), /^forkbox run: no program given/);
    oneLine(await run([p('nope')]), /^forkbox run: .*nope: no such file\n$/);
    oneLine(await run([p('nope.asm')]), /^forkbox run: .*nope\.asm: no such file\n$/);
    oneLine(await run([dir]), /^forkbox run: .*: is a directory\n$/);
  });

  it('a file that is not an ELF32 i386 executable names the problem', async () => {
    oneLine(await run([p('notelf')]), /^forkbox run: .*notelf: not an ELF file \(bad magic/);
    oneLine(await run([p('elf64')]), /^forkbox run: .*elf64: e_ident\[EI_CLASS\] is 2 \(ELFCLASS64, a 64-bit program\)/);
  });

  it("assembler errors are the assembler's file:line:col lines", async () => {
    const r = await run([p('bad.asm')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.length).toBe(2);
    expect(lines[0]).toMatch(/bad\.asm:4:\d+: error: /);
    expect(lines[1]).toMatch(/bad\.asm:5:\d+: error: /);
  });

  it('bad option values', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--mem', '2', 'x'], /--mem must be a whole number of MiB from 4 to 1024, got '2'/],
      [['--mem=lots', 'x'], /--mem must be .* got 'lots'/],
      [['--hz', '0', 'x'], /--hz must be a whole number from 19 to 10000, got '0'/],
      [['--hz', '100.5', 'x'], /--hz must be/],
      [['--cpu-mhz', '0.5', 'x'], /--cpu-mhz must be a number from 1 to 4294, got '0.5'/],
      [['--fork-mode', 'share', 'x'], /--fork-mode must be 'cow' or 'copy', got 'share'/],
      [['--max-cycles', '-1', 'x'], /--max-cycles must be a whole number of cycles above 0/],
      [['--max-tasks', '1', 'x'], /--max-tasks must be a whole number from 2 to 32768/],
      [['--epoch', 'yesterday', 'x'], /--epoch must be seconds since 1970 or an ISO date/],
      [['--env', 'NOEQUALS', 'x'], /--env needs NAME=VALUE, got 'NOEQUALS'/],
      [['--env', '=x', 'x'], /--env needs NAME=VALUE/],
      [['--stats=yes', 'x'], /--stats takes no value/],
      [['--turbo', 'x'], /unknown option --turbo/],
      [['-x', 'x'], /unknown option '-x'/],
      [['--mem'], /--mem needs a value/],
      [['--hz', '10000', '--cpu-mhz', '10', 'x'], /--hz 10000 is too fast for a 10 MHz CPU: a tick must be at least 10000 cycles \(at most 1000 Hz\)/],
      [['--fs', p('nope'), 'x'], /--fs .*nope: no such directory/],
      [['--fs', p('hello'), 'x'], /--fs .*hello: not a directory/],
    ];
    for (const [argv, re] of cases) {
      const r = await run(argv);
      oneLine(r, new RegExp(`^forkbox run: ${re.source}`));
    }
  });

  it('--help prints the usage on stdout', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: forkbox run \[OPTIONS\] PROGRAM \[ARGS\.\.\.\]/);
    for (const o of ['--mem', '--hz', '--cpu-mhz', '--fork-mode', '--fs', '--max-cycles', '--max-tasks', '--stats', '--env', '--clear-env', '--epoch']) {
      expect(r.stdout).toContain(`  ${o} `);
    }
  });
});

describe('forkbox run: running programs', () => {
  it('assembles a .asm on the fly and runs it', async () => {
    const r = await run([p('hello.asm')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hello from forkbox run\n');
    expect(r.code).toBe(0);
  });

  it('runs an ELF file; the exit status is the program\'s', async () => {
    expect(await run([p('hello')])).toEqual({ code: 0, stdout: 'hello from forkbox run\n', stderr: '' });
    for (const n of [0, 1, 42, 255]) expect((await run([p('exitarg'), `${n}`])).code).toBe(n);
    expect((await run([p('exitarg'), '256'])).code).toBe(0);
  });

  it('a program killed by a signal: 128 + the signal', async () => {
    const r = await run([p('segv')]);
    expect(r.stdout).toBe('about to crash\n');
    expect(r.code).toBe(128 + 11);
  });

  it('argv[0] is the path as given, then the arguments; options after PROGRAM are its own', async () => {
    const r = await run(['--clear-env', p('args'), 'one', '--stats', '']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`argc 4\narg ${p('args')}\narg one\narg --stats\narg \n`);
    expect(r.stderr).toBe('');
    const r2 = await run(['--clear-env', '--', p('args')]);
    expect(r2.stdout).toBe(`argc 1\narg ${p('args')}\n`);
  });

  it("the host's environment, --env adding and overriding, --clear-env", async () => {
    const env = (r: CliRun) => r.stdout.split('\n').filter((l) => l.startsWith('env ')).map((l) => l.slice(4));
    expect(env(await run([p('args')]))).toEqual(['HOME=/home/test', 'LANG=C']);
    expect(env(await run(['--env', 'LANG=fr_FR.UTF-8', '--env=EXTRA=a=b', p('args')]))).toEqual(['HOME=/home/test', 'LANG=fr_FR.UTF-8', 'EXTRA=a=b']);
    expect(env(await run(['--clear-env', p('args')]))).toEqual([]);
    expect(env(await run(['--env', 'ONLY=1', '--clear-env', p('args')]))).toEqual(['ONLY=1']);
  });

  it('forwards stdin to fd 0 (EOF at its end) and fds 1 and 2 to stdout and stderr', async () => {
    const text = 'line one\nline two, a bit longer than sixty-four bytes so that it takes two reads\n';
    const r = await run([p('cat')], { stdin: text });
    expect(r.stdout).toBe(text);
    expect(r.stderr).toBe('eof\n');
    expect(r.code).toBe(0);
    const bytes: Uint8Array[] = [];
    const r2 = await run([p('cat')], { stdin: Uint8Array.of(0xff, 0x00, 0x80), writeStdout: (b) => void bytes.push(b) });
    expect(r2.code).toBe(0);
    expect(Buffer.concat(bytes)).toEqual(Buffer.from([0xff, 0x00, 0x80]));
  });

  it('waits for stdin from a stream without running the guest ahead', async () => {
    const { PassThrough } = await import('node:stream');
    const input = new PassThrough();
    const pending = run([p('cat')], { stdin: input });
    setTimeout(() => input.write('first\n'), 20);
    setTimeout(() => input.end('second\n'), 60);
    const r = await pending;
    expect(r.stdout).toBe('first\nsecond\n');
    expect(r.code).toBe(0);
  });

  it('--fs DIR: its files are in the filesystem (execve of /bin/hello, a symlink to it)', async () => {
    const a = await run(['--fs', p('root'), p('execarg'), '/bin/hello']);
    expect(a.stdout).toBe('hello from forkbox run\n');
    expect(a.code).toBe(0);
    const b = await run(['--fs', p('root'), p('execarg'), '/bin/hi']);
    expect(b.stdout).toBe('hello from forkbox run\n');
    const c = await run(['--fs', p('root'), p('execarg'), '/bin/nothing']);
    expect(c.stdout).toBe('execve failed -2\n');
    expect(c.code).toBe(127);
  });

  it('--fs DIR: files are readable and writable in the guest; the host file never changes', async () => {
    const r = await run(['--fs', p('root'), p('catfile'), '/etc/motd']);
    expect(r.stdout).toBe('welcome\nXXlcome\n');
    expect(r.code).toBe(0);
    expect(readFileSync(p('root/etc/motd'), 'utf8')).toBe('welcome\n');
    const e = await run(['--fs', p('root'), p('catfile'), '../../../../etc/nothing']);
    expect(e.stdout).toBe('-2\n');
  });

  it('--stats: the figures after the run, on stderr', async () => {
    const r = await run(['--stats', p('hello')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('hello from forkbox run\n');
    const lines = r.stderr.split('\n');
    expect(lines[0]).toBe('forkbox run --stats:');
    for (const re of [
      /^ {2}program +exited with 0$/,
      /^ {2}cycles +\d+$/,
      /^ {2}instructions +\d+$/,
      /^ {2}guest time +\d+\.\d{3} ms at 100 MHz \(\d+ timer ticks at 100 Hz\)$/,
      /^ {2}kernel cycles +\d+ \(\d+\.\d% of cycles\)$/,
      /^ {2}page faults +\d+: demand zero \d+, file \d+, COW copy \d+, COW reuse \d+, segv 0$/,
      /^ {2}context switches +\d+$/,
      /^ {2}forks +\d+$/,
      /^ {2}execs +\d+$/,
      /^ {2}syscalls +\d+$/,
      /^ {2}frames at peak +\d+ of \d+ \(\d+ KiB\)$/,
    ]) {
      expect(lines.some((l) => re.test(l)), `no line matches ${re}:\n${r.stderr}`).toBe(true);
    }
    const seg = await run(['--stats', p('segv')]);
    expect(seg.stderr).toMatch(/ program +killed by SIGSEGV \(exit status 139\)\n/);
    expect(seg.stderr).toMatch(/segv 1\n/);
  });

  it('--epoch sets the wall clock; runs are deterministic', async () => {
    expect((await run([p('time')])).stdout).toBe('time 1767225600\n');
    expect((await run(['--epoch', '1000', p('time')])).stdout).toBe('time 1000\n');
    expect((await run(['--epoch', '2000-01-01T00:00:00Z', p('time')])).stdout).toBe('time 946684800\n');
    const a = await run(['--stats', p('hello')]);
    const b = await run(['--stats', p('hello')]);
    expect(a).toEqual(b);
  });

  it('--max-cycles stops a program that runs too long: one line, exit code 1', async () => {
    const r = await run(['--max-cycles', '50000000', p('sleep')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('forkbox run: stopped: cycle limit of 50000000 reached (--max-cycles)\n');
  });

  it('ctrl-C stops the machine: exit code 130', async () => {
    let handler: (() => void) | null = null;
    let removed = false;
    const pending = run([p('sleep')], {
      onInterrupt: (h) => {
        handler = h;
        return () => void (removed = true);
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(handler).not.toBeNull();
    handler!();
    const r = await pending;
    expect(r.code).toBe(130);
    expect(r.stderr).toBe('forkbox run: interrupted\n');
    expect(removed).toBe(true);
  });

  it('a broken output pipe (the reader went away) ends the run as SIGPIPE would: 141, silently', async () => {
    const YES = program(`
.again: puts    "yes", 10
        jmp     .again
`);
    writeFileSync(p('yes.asm'), YES);
    let broken: (() => void) | null = null;
    let written = 0;
    const r = await run([p('yes.asm')], {
      writeStdout: (b) => {
        written += b.length;
        if (written >= 40) broken?.();
      },
      onBrokenPipe: (h) => {
        broken = h;
        return () => void (broken = null);
      },
    });
    expect(r.code).toBe(141);
    expect(r.stderr).toBe('');
    expect(broken).toBeNull();
  });

  it('options change the machine: --hz, --cpu-mhz, --mem, --fork-mode, --max-tasks', async () => {
    const r = await run(['--stats', '--hz', '1000', '--cpu-mhz', '250', '--mem', '16', '--fork-mode', 'copy', '--max-tasks', '8', p('hello')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('hello from forkbox run\n');
    expect(r.stderr).toMatch(/guest time .* at 250 MHz \(\d+ timer ticks at 1000 Hz\)/);
    expect(r.stderr).toMatch(/frames at peak +\d+ of 40\d\d /);
  });
});

describe('run.ts: the end of a run when nothing can happen any more', () => {
  const files = () => new Map([['/cat', assembleProgram(CAT, 'cat.asm')]]);

  it('runProgram: a reader of fd 0 with no input ever is a deadlock', () => {
    const r = runProgram({ files: files(), argv: ['/cat'], stdin: () => null });
    expect(r.end).toBe('deadlock');
    expect(r.message).toBe('deadlock: every task sleeps, waiting for input that cannot come');
    expect(r.exitCode).toBe(2);
    // It ended at the first check after the reader slept, not at the cycle limit.
    expect(r.cycles).toBeLessThan(10_000_000);
  });

  it('runProgramSliced waits for input without advancing guest time, then goes on', async () => {
    const queue: Array<Uint8Array | null> = [];
    const out: number[] = [];
    const opts = {
      files: files(),
      argv: ['/cat'],
      stdin: () => (queue.length ? queue.shift()! : null),
      stdout: (b: Uint8Array) => void out.push(...b),
    };
    const booted = bootProgram(opts);
    let waits = 0;
    const cyclesAtWait: number[] = [];
    const r = await runProgramSliced(opts, booted, {
      inputReady: async () => {
        waits++;
        cyclesAtWait.push(booted.machine.cpu.cycles);
        if (waits === 3) queue.push(new TextEncoder().encode('hi\n'));
        if (waits === 5) queue.push(new Uint8Array(0)); // EOF
        if (waits === 3 || waits === 5) booted.kernel.inputArrived();
      },
    });
    expect(r.end).toBe('exit');
    expect(Buffer.from(out).toString()).toBe('hi\n');
    expect(waits).toBe(5);
    // Nothing ran while waiting: the first three waits saw the same cycle count.
    expect(cyclesAtWait[1]).toBe(cyclesAtWait[0]);
    expect(cyclesAtWait[2]).toBe(cyclesAtWait[0]);
    expect(cyclesAtWait[3]).toBeGreaterThan(cyclesAtWait[2]);
  });
});
