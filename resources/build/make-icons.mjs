// Regenerates the app and tray icons (PNG) from the same simple geometry as src-renderer's
// favicon.svg: a rounded dark tile, a sky-blue "A" peak and an amber dot. Run from the repo root:
//   node resources/build/make-icons.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};

function png(size, pixel) {
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      // 4×4 supersampling keeps the edges smooth at tray sizes.
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < 4; sy++)
        for (let sx = 0; sx < 4; sx++) {
          const [pr, pg, pb, pa] = pixel(
            ((x + (sx + 0.5) / 4) / size) * 64,
            ((y + (sy + 0.5) / 4) / size) * 64,
          );
          r += pr * pa;
          g += pg * pa;
          b += pb * pa;
          a += pa;
        }
      const o = 1 + x * 4;
      row[o] = a ? Math.round(r / a) : 0;
      row[o + 1] = a ? Math.round(g / a) : 0;
      row[o + 2] = a ? Math.round(b / a) : 0;
      row[o + 3] = Math.round((a / 16) * 255);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// Geometry in a 64×64 box, as in favicon.svg.
const inTile = (x, y) => {
  const r = 14,
    cx = Math.min(Math.max(x, r), 64 - r),
    cy = Math.min(Math.max(y, r), 64 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const inPeak = (x, y) => {
  const outer = y >= 12 && y <= 50 && Math.abs(x - 32) <= ((y - 12) / 38) * 20;
  const inner = y > 30 && Math.abs(x - 32) < ((y - 30) / 20) * 10;
  return outer && !inner;
};
const inDot = (x, y) => (x - 32) ** 2 + (y - 44) ** 2 <= 16;

const TILE = [15, 23, 42, 1],
  PEAK = [56, 189, 248, 1],
  DOT = [245, 158, 11, 1],
  NONE = [0, 0, 0, 0];
const colour = (x, y) => (inDot(x, y) ? DOT : inPeak(x, y) ? PEAK : inTile(x, y) ? TILE : NONE);
// Tray: the mark alone; macOS template images are black with alpha (the system tints them).
const tray = (x, y) => (inDot(x, y) ? DOT : inPeak(x, y) ? PEAK : NONE);
const template = (x, y) => (inPeak(x, y) || inDot(x, y) ? [0, 0, 0, 1] : NONE);

// Fleet-state badges in the lower right corner: amber while something loads, red on an error or
// a critical node. Template images get a ring (busy) or a filled disc (error), as macOS tints them.
const BADGE = { busy: [245, 158, 11, 1], error: [239, 68, 68, 1] };
const badgeDist = (x, y) => Math.sqrt((x - 52) ** 2 + (y - 52) ** 2);
const withBadge = (base, state) => (x, y) => (badgeDist(x, y) <= 12 ? BADGE[state] : base(x, y));
const templateBadge = (state) => (x, y) => {
  const d = badgeDist(x, y);
  if (d <= 12 && (state === 'error' || d >= 7)) return [0, 0, 0, 1];
  // A clear gap keeps the badge apart from the mark.
  return d <= 15 ? NONE : template(x, y);
};

writeFileSync('resources/icon.png', png(512, colour));
for (const state of ['busy', 'error']) {
  writeFileSync(`resources/tray-${state}.png`, png(32, withBadge(tray, state)));
  writeFileSync(`resources/tray-${state}@2x.png`, png(64, withBadge(tray, state)));
  writeFileSync(`resources/trayTemplate-${state}.png`, png(16, templateBadge(state)));
  writeFileSync(`resources/trayTemplate-${state}@2x.png`, png(32, templateBadge(state)));
}
writeFileSync('resources/tray.png', png(32, tray));
writeFileSync('resources/tray@2x.png', png(64, tray));
writeFileSync('resources/trayTemplate.png', png(16, template));
writeFileSync('resources/trayTemplate@2x.png', png(32, template));
