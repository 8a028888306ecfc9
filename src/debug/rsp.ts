// The GDB Remote Serial Protocol's framing layer: packets, checksums, acknowledgments,
// binary escaping, run-length encoding and hex helpers. No I/O, no debugger: gdbstub.ts
// feeds the bytes a TCP socket received into a PacketReader and writes what frame()
// returns.
//
// THE WIRE (gdb manual, "Remote Protocol › Overview"):
//   $packet-data#cc     cc: two hex digits, the sum of the data bytes modulo 256
//   +  -                acknowledgment of a good / bad packet (until QStartNoAckMode)
//   0x03                outside a packet: an interrupt request (the user typed ctrl-C)
//   %notification#cc    notifications (non-stop mode; not used here, read and dropped)
// Inside packet data, `}` escapes the next byte (sent XORed with 0x20); binary data (the X
// packet, qXfer replies) must escape `$`, `#`, `}` and `*`. Replies may be run-length
// encoded: `X*n` means n - 29 more copies of X, where the count character is printable and
// is neither `#` nor `$` (so runs of 7 and 8 are sent shorter).
//
// Packet data is handled as "binary strings": one JavaScript char per byte (latin1), so
// text commands can be parsed with string methods and X packets keep their raw bytes.
//
// ROBUSTNESS. Whatever arrives — garbage, a packet with a bad checksum, a `$` in the
// middle of a packet, a packet too long to buffer — the reader never throws: garbage
// between packets is skipped, a bad packet is reported as 'bad' (the stub answers `-`),
// an overlong one is dropped.

/** The largest packet we accept and announce (qSupported PacketSize, in bytes of data). */
export const MAX_PACKET = 0x4000;

/** What the reader found in the byte stream, in order. */
export type RspEvent =
  | { kind: 'packet'; data: string }
  | { kind: 'ack' }
  | { kind: 'nack' }
  | { kind: 'interrupt' }
  /** A packet whose checksum did not match (or an unparsable checksum). */
  | { kind: 'bad'; reason: string };

/** Sum of the bytes of a binary string, modulo 256. */
export function checksum(data: string): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum = (sum + (data.charCodeAt(i) & 0xff)) & 0xff;
  return sum;
}

/** A whole packet on the wire: `$data#cc` (data must already be escaped where needed). */
export function frame(data: string): string {
  return `$${data}#${hex8(checksum(data))}`;
}

/** A notification on the wire: `%data#cc`. */
export function frameNotification(data: string): string {
  return `%${data}#${hex8(checksum(data))}`;
}

/**
 * Incremental packet parser. feed() takes the bytes as they arrive (any split) and returns
 * the events they complete.
 */
export class PacketReader {
  private state: 'idle' | 'data' | 'escape' | 'sum1' | 'sum2' = 'idle';
  private buf: string[] = [];
  private len = 0;
  private sumText = '';
  private notification = false;
  private overflow = false;

  constructor(private readonly maxPacket = MAX_PACKET) {}

  feed(bytes: Uint8Array | string): RspEvent[] {
    const out: RspEvent[] = [];
    const n = bytes.length;
    for (let i = 0; i < n; i++) {
      const c = typeof bytes === 'string' ? bytes.charCodeAt(i) & 0xff : bytes[i];
      this.byte(c, out);
    }
    return out;
  }

  private byte(c: number, out: RspEvent[]): void {
    switch (this.state) {
      case 'idle':
        if (c === 0x24 /* $ */ || c === 0x25 /* % */) this.start(c === 0x25);
        else if (c === 0x2b /* + */) out.push({ kind: 'ack' });
        else if (c === 0x2d /* - */) out.push({ kind: 'nack' });
        else if (c === 0x03) out.push({ kind: 'interrupt' });
        // anything else between packets is noise: skipped
        return;
      case 'data':
      case 'escape':
        if (c === 0x23 /* # */ && this.state === 'data') {
          this.state = 'sum1';
          return;
        }
        if (c === 0x24 /* $ */ && this.state === 'data') {
          // A new packet began before this one ended: the old one is lost.
          out.push({ kind: 'bad', reason: 'packet interrupted by a new $' });
          this.start(false);
          return;
        }
        // The checksum covers the bytes as sent, escapes included.
        this.push(String.fromCharCode(c));
        this.state = this.state === 'data' && c === 0x7d /* } */ ? 'escape' : 'data';
        return;
      case 'sum1':
        this.sumText = String.fromCharCode(c);
        this.state = 'sum2';
        return;
      case 'sum2': {
        this.sumText += String.fromCharCode(c);
        this.state = 'idle';
        const raw = this.buf.join('');
        this.buf = [];
        this.len = 0;
        if (this.notification) return; // notifications are not ours to receive
        if (this.overflow) {
          out.push({ kind: 'bad', reason: `packet longer than ${this.maxPacket} bytes` });
          return;
        }
        if (!/^[0-9a-fA-F]{2}$/.test(this.sumText)) {
          out.push({ kind: 'bad', reason: `bad checksum characters '${printable(this.sumText)}'` });
          return;
        }
        const want = parseInt(this.sumText, 16);
        const got = checksum(raw);
        if (want !== got) {
          out.push({ kind: 'bad', reason: `checksum ${hex8(got)} != ${this.sumText}` });
          return;
        }
        out.push({ kind: 'packet', data: unescape(raw) });
        return;
      }
    }
  }

  private start(notification: boolean): void {
    this.state = 'data';
    this.buf = [];
    this.len = 0;
    this.sumText = '';
    this.notification = notification;
    this.overflow = false;
  }

  private push(ch: string): void {
    if (this.len >= this.maxPacket * 2) {
      this.overflow = true; // keep scanning for the end, but keep nothing
      return;
    }
    this.buf.push(ch);
    this.len++;
  }
}

/** Undo `}` escapes (a trailing lone `}` is kept as it is). */
export function unescape(data: string): string {
  if (data.indexOf('}') < 0) return data;
  let out = '';
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c === 0x7d && i + 1 < data.length) out += String.fromCharCode((data.charCodeAt(++i) ^ 0x20) & 0xff);
    else out += data[i];
  }
  return out;
}

/** Escape binary data for a packet: `$ # } *` become `}` + (byte ^ 0x20). */
export function escapeBinary(data: string | Uint8Array): string {
  let out = '';
  for (let i = 0; i < data.length; i++) {
    const c = typeof data === 'string' ? data.charCodeAt(i) & 0xff : data[i];
    if (c === 0x24 || c === 0x23 || c === 0x7d || c === 0x2a) out += '}' + String.fromCharCode(c ^ 0x20);
    else out += String.fromCharCode(c);
  }
  return out;
}

/**
 * Run-length encode a reply (text replies only: hex register dumps and the like; never
 * data that already holds `*` or escapes). A run of n + 1 equal characters becomes
 * `c*` + chr(n + 29) for 3 <= n <= 97, avoiding the counts that would give `#` (6) or
 * `$` (7): those runs are sent one shorter and the rest follows plainly.
 */
export function encodeRle(data: string): string {
  let out = '';
  let i = 0;
  while (i < data.length) {
    const ch = data[i];
    let run = 1;
    while (i + run < data.length && data[i + run] === ch && run < 98) run++;
    let extra = run - 1;
    if (extra === 6 || extra === 7) extra = 5;
    if (extra >= 3 && ch !== '*' && ch !== '#' && ch !== '$' && ch !== '}') {
      out += ch + '*' + String.fromCharCode(extra + 29);
      i += extra + 1;
    } else {
      out += ch;
      i += 1;
    }
  }
  return out;
}

/** Expand run-length encoding (as gdb does when it reads our replies; for tests). */
export function decodeRle(data: string): string {
  let out = '';
  for (let i = 0; i < data.length; i++) {
    if (data[i] === '*' && out.length > 0 && i + 1 < data.length) {
      const n = data.charCodeAt(++i) - 29;
      out += out[out.length - 1].repeat(Math.max(0, n));
    } else {
      out += data[i];
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Hex.

export function hex8(v: number): string {
  return (v & 0xff).toString(16).padStart(2, '0');
}

/** Bytes → lowercase hex. */
export function toHex(bytes: Uint8Array | string): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += hex8(typeof bytes === 'string' ? bytes.charCodeAt(i) : bytes[i]);
  return out;
}

/** Hex → bytes, or null if `s` is not an even number of hex digits. */
export function fromHex(s: string): Uint8Array | null {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

/** A 32-bit value as 8 hex digits in target (little-endian) byte order. */
export function le32(v: number): string {
  return hex8(v) + hex8(v >>> 8) + hex8(v >>> 16) + hex8(v >>> 24);
}

/** Parse little-endian hex of `bytes` bytes (2 * bytes digits) → unsigned value, or null. */
export function parseLe(s: string, bytes = 4): number | null {
  if (s.length !== bytes * 2 || !/^[0-9a-fA-F]+$/.test(s)) return null;
  let v = 0;
  for (let i = bytes - 1; i >= 0; i--) v = v * 256 + parseInt(s.substr(i * 2, 2), 16);
  return v >>> 0;
}

/** A plain hex number (addresses, lengths, thread ids): unsigned, or null if malformed
 *  or above 2^32 - 1. */
export function parseHexNum(s: string): number | null {
  if (!/^[0-9a-fA-F]{1,16}$/.test(s)) return null;
  const v = parseInt(s, 16);
  return v <= 0xffffffff ? v : null;
}

/** Text → hex of its UTF-8 bytes (qRcmd output, O packets). */
export function textToHex(text: string): string {
  return toHex(new TextEncoder().encode(text));
}

/** Hex of UTF-8 bytes → text, or null. */
export function hexToText(s: string): string | null {
  const b = fromHex(s);
  return b === null ? null : new TextDecoder().decode(b);
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\x${hex8(c.charCodeAt(0))}`);
}
