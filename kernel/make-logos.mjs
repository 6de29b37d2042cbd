#!/usr/bin/env node
// Regenerates the kernel logos (logo-32x32.png, logo-64x64.png, logo-svg.svg) that
// `tunebook kernel install` copies into the kernelspec: three rising bars (a sweep) and a
// marker on the best one, on the tunebook blue. No dependencies: PNGs are encoded with zlib.
import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const BG = [31, 95, 168];
const FG = [255, 255, 255];
const ACCENT = [255, 196, 0];
// Shapes in a 64-unit box: [x0, y0, x1, y1, color].
const SHAPES = [
  [12, 38, 22, 54, FG],
  [27, 26, 37, 54, FG],
  [42, 14, 52, 54, FG],
  [42, 6, 52, 11, ACCENT],
];

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function png(size) {
  const s = size / 64;
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = [0];
    for (let x = 0; x < size; x++) {
      // Rounded square: transparent outside a radius-10 corner.
      const u = (x + 0.5) / s, v = (y + 0.5) / s, r = 10;
      const cx = Math.min(Math.max(u, r), 64 - r), cy = Math.min(Math.max(v, r), 64 - r);
      const inside = (u - cx) ** 2 + (v - cy) ** 2 <= r * r;
      let col = BG;
      for (const [x0, y0, x1, y1, c] of SHAPES) if (u >= x0 && u < x1 && v >= y0 && v < y1) col = c;
      row.push(...col, inside ? 255 : 0);
    }
    rows.push(Buffer.from(row));
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(Buffer.concat(rows))), chunk("IEND", Buffer.alloc(0))]);
}

const rgb = (c) => `rgb(${c.join(",")})`;
const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">
<rect width="64" height="64" rx="10" fill="${rgb(BG)}"/>
${SHAPES.map(([x0, y0, x1, y1, c]) => `<rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="${rgb(c)}"/>`).join("\n")}
</svg>
`;

const dir = fileURLToPath(new URL(".", import.meta.url));
writeFileSync(dir + "logo-32x32.png", png(32));
writeFileSync(dir + "logo-64x64.png", png(64));
writeFileSync(dir + "logo-svg.svg", svg);
