/** A tiny PNG decoder for tests (8-bit RGB/RGBA/gray, non-interlaced: what Chromium writes). */
import { inflateSync } from "node:zlib";

export interface DecodedPng {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel. */
  pixels: Uint8Array;
}

export function decodePng(buf: Buffer): DecodedPng {
  const sig = buf.subarray(0, 8).toString("hex");
  if (sig !== "89504e470d0a1a0a") throw new Error("not a PNG");
  let pos = 8;
  let width = 0, height = 0, bitDepth = 0, colorType = 0, interlace = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.subarray(pos + 4, pos + 8).toString("ascii");
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      bitDepth = data[8]!;
      colorType = data[9]!;
      interlace = data[12]!;
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    pos += 12 + len;
  }
  if (bitDepth !== 8 || interlace !== 0) throw new Error(`unsupported PNG (depth ${bitDepth}, interlace ${interlace})`);
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (!channels) throw new Error(`unsupported color type ${colorType}`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * channels);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? cur[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      let v = line[i]!;
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      cur[i] = v & 255;
    }
    out.set(cur, y * stride);
    prev = cur;
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = out.subarray(i * channels, (i + 1) * channels);
    if (channels === 1) rgba.set([s[0]!, s[0]!, s[0]!, 255], i * 4);
    else if (channels === 2) rgba.set([s[0]!, s[0]!, s[0]!, s[1]!], i * 4);
    else if (channels === 3) rgba.set([s[0]!, s[1]!, s[2]!, 255], i * 4);
    else rgba.set(s, i * 4);
  }
  return { width, height, pixels: rgba };
}

/** Fraction of pixels in a rectangle that are not (near) white. */
export function nonWhiteFraction(png: DecodedPng, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0, total = 0;
  for (let y = y0; y < y1; y++)
    for (let x = x0; x < x1; x++) {
      const i = (y * png.width + x) * 4;
      const p = png.pixels;
      total++;
      if (p[i + 3]! > 0 && (p[i]! < 235 || p[i + 1]! < 235 || p[i + 2]! < 235)) n++;
    }
  return total ? n / total : 0;
}

/** Count of pixels that are clearly red (the infeasible marker colour). */
export function redPixels(png: DecodedPng): number {
  let n = 0;
  const p = png.pixels;
  for (let i = 0; i < p.length; i += 4) if (p[i]! > 180 && p[i + 1]! < 90 && p[i + 2]! < 90) n++;
  return n;
}
