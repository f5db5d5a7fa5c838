/** A mono 16-bit PCM WAV of a sine tone at 8 kHz: 44-byte RIFF header + 16000 bytes per second (rounded to a sample). */
export function wavTone(seconds: number, hz: number): Buffer {
  const rate = 8000;
  const samples = Math.round(rate * seconds);
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + samples * 2, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(samples * 2, 40);
  for (let n = 0; n < samples; n++) buf.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * n) / rate)), 44 + n * 2);
  return buf;
}
