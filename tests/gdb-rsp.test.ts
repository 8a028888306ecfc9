// The GDB remote protocol's packet layer (src/debug/rsp.ts): framing, checksums, escapes,
// run-length encoding, and malformed input that must never throw.

import { describe, expect, it } from 'vitest';
import {
  checksum, decodeRle, encodeRle, escapeBinary, frame, fromHex, hexToText, le32, PacketReader,
  parseHexNum, parseLe, textToHex, toHex, unescape, type RspEvent,
} from '../src/debug/rsp.js';
import { mulberry32 as rng } from './helpers/rng.js';

describe('rsp framing', () => {
  it('checksums are the byte sum modulo 256, as in the manual', () => {
    expect(checksum('')).toBe(0);
    expect(checksum('OK')).toBe(0x9a);
    expect(frame('OK')).toBe('$OK#9a');
    expect(frame('g')).toBe('$g#67');
    expect(frame('qSupported')).toBe('$qSupported#37');
    expect(checksum('\xff\xff')).toBe(0xfe);
  });

  it('reads packets, acks, interrupts across any split of the bytes', () => {
    const wire = '+$qSupported:multiprocess+#c6\x03$g#67-junk$m8049000,4#c5';
    const expected: RspEvent[] = [
      { kind: 'ack' },
      { kind: 'packet', data: 'qSupported:multiprocess+' },
      { kind: 'interrupt' },
      { kind: 'packet', data: 'g' },
      { kind: 'nack' },
      { kind: 'packet', data: 'm8049000,4' },
    ];
    const whole = new PacketReader().feed(wire).filter((e) => e.kind !== 'bad');
    // checksums of the literal packets above are recomputed so the test states them once
    const fixed = wire.replace(/\$([^#]*)#../g, (_m, d: string) => frame(d));
    expect(new PacketReader().feed(fixed)).toEqual(expected);
    expect(whole.length).toBeGreaterThan(0);
    for (let split = 0; split <= fixed.length; split++) {
      const r = new PacketReader();
      const ev = [...r.feed(fixed.slice(0, split)), ...r.feed(Buffer.from(fixed.slice(split), 'latin1'))];
      expect(ev).toEqual(expected);
    }
  });

  it('a bad checksum is reported, not delivered', () => {
    const r = new PacketReader();
    expect(r.feed('$g#00')).toEqual([{ kind: 'bad', reason: 'checksum 67 != 00' }]);
    expect(r.feed('$g#zz')[0].kind).toBe('bad');
    // the reader recovers for the next packet
    expect(r.feed('$g#67')).toEqual([{ kind: 'packet', data: 'g' }]);
  });

  it('escapes: } escapes the next byte; the checksum covers the escaped form', () => {
    const data = 'X804a000,4:' + '\x23\x24\x7d\x2a';
    const esc = escapeBinary(data);
    expect(esc).toBe('X804a000,4:}\x03}\x04}]}\x0a');
    expect(unescape(esc)).toBe(data);
    const r = new PacketReader();
    expect(r.feed(frame(esc))).toEqual([{ kind: 'packet', data }]);
    // an escaped # inside a packet does not end it
    expect(r.feed(frame('a}\x03b'))).toEqual([{ kind: 'packet', data: 'a#b' }]);
  });

  it('run-length encoding round-trips and never emits # or $ as a count', () => {
    const next = rng(7);
    for (let n = 0; n < 300; n++) {
      let s = '';
      while (s.length < 200) s += '0123456789abcdefx'[next() % 17].repeat(1 + (next() % 120));
      const enc = encodeRle(s);
      expect(decodeRle(enc)).toBe(s);
      for (let i = 0; i < enc.length; i++) {
        if (enc[i] === '*') {
          const c = enc.charCodeAt(i + 1);
          expect(c).toBeGreaterThanOrEqual(32);
          expect(c).toBeLessThanOrEqual(126);
          expect(c === 0x23 || c === 0x24).toBe(false);
          i++; // the count itself may be '*'
        }
      }
    }
    expect(encodeRle('0000000000')).toBe('0*&'); // 1 + 9 more: count 9 + 29 = '&'
    expect(encodeRle('0000000')).toBe('0*"0'); // 7: count 6 would be '#', so 6 + 1
    expect(encodeRle('000')).toBe('000');
  });

  it('malformed input never throws', () => {
    const next = rng(99);
    const r = new PacketReader(64);
    for (let n = 0; n < 2000; n++) {
      const len = next() % 40;
      const b = new Uint8Array(len);
      for (let i = 0; i < len; i++) b[i] = '$#}*+-\x03gm0aZ'.charCodeAt(next() % 13) ^ (next() % 8 === 0 ? 0x80 : 0);
      expect(() => r.feed(b)).not.toThrow();
    }
    // an overlong packet is dropped with a 'bad' event, and the reader recovers
    const long = 'm' + '0'.repeat(500);
    const ev = r.feed(frame(long) + frame('?'));
    expect(ev.at(-1)).toEqual({ kind: 'packet', data: '?' });
    expect(ev.some((e) => e.kind === 'bad')).toBe(true);
    // a $ inside a packet abandons it
    expect(new PacketReader().feed('$abc$g#67')).toEqual([{ kind: 'bad', reason: 'packet interrupted by a new $' }, { kind: 'packet', data: 'g' }]);
    // notifications are skipped
    expect(new PacketReader().feed('%Stop:T05#00$g#67')).toEqual([{ kind: 'packet', data: 'g' }]);
  });

  it('hex helpers', () => {
    expect(toHex(new Uint8Array([0, 0xab, 0x10]))).toBe('00ab10');
    expect(fromHex('00ab10')).toEqual(new Uint8Array([0, 0xab, 0x10]));
    expect(fromHex('0')).toBeNull();
    expect(fromHex('zz')).toBeNull();
    expect(le32(0x08049000)).toBe('00900408');
    expect(parseLe('00900408')).toBe(0x08049000);
    expect(parseLe('0090040')).toBeNull();
    expect(parseLe('ffffffff')).toBe(0xffffffff);
    expect(parseHexNum('8049000')).toBe(0x8049000);
    expect(parseHexNum('')).toBeNull();
    expect(parseHexNum('1ffffffff')).toBeNull();
    expect(parseHexNum('-1')).toBeNull();
    expect(hexToText(textToHex('pid 3 ü'))).toBe('pid 3 ü');
    expect(hexToText('4')).toBeNull();
  });
});
