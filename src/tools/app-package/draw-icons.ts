/**
 * Draws the two Teams app icons (a shield carrying a bell) so that they are reproducible from code instead of being
 * opaque binaries nobody can edit. Run after a build to refresh the committed PNGs:
 *
 *   npx tsc -p tsconfig.build.json && node dist/src/tools/app-package/draw-icons.js
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { packageRoot } from '../../package-root';

type Rgba = readonly [r: number, g: number, b: number, a: number];

/** The manifest's accentColor: Teams shows it behind the icon, so the colour icon's background must be this exact colour. */
export const ACCENT_COLOR = '#1A4C8B';

const ACCENT: Rgba = [0x1a, 0x4c, 0x8b, 255];
const SHIELD_LIGHT: Rgba = [255, 255, 255, 255];
// The shield's right half is tinted so it reads as a raised emblem rather than a flat white cut-out.
const SHIELD_SHADE: Rgba = [0xd6, 0xe3, 0xf3, 255];
const ALERT: Rgba = [0xf5, 0x8a, 0x1f, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const CLEAR: Rgba = [0, 0, 0, 0];


/** A shield in the unit square (y grows downwards), shrunk by `inset` on every side to draw its inner edge. */
function inShield(x: number, y: number, inset: number): boolean {
  // 11/32 and 5/32 put the outline icon's vertical edges and shoulders on whole pixels at 32 px, so they stay crisp.
  const halfWidth = 11 / 32 - inset;
  const shoulder = 5 / 32 + inset;
  const waist = 0.5;
  const tip = 0.9 - inset * 1.7;
  const dx = Math.abs(x - 0.5);
  if (dx > halfWidth || y > tip) return false;
  // The top edge dips towards the middle, the classic heater-shield silhouette.
  const top = shoulder + 0.045 * (1 - (dx / halfWidth) ** 2);
  if (y < top) return false;
  if (y <= waist) return true;
  const t = (y - waist) / (tip - waist);
  return dx <= halfWidth * (1 - t ** 1.7);
}

/** A hand bell centred on (cx, cy) and `size` tall: knob, dome, flared body, rim and clapper. */
function inBell(x: number, y: number, cx: number, cy: number, size: number): boolean {
  const u = (x - cx) / size;
  const v = (y - cy) / size;
  if (u * u + (v + 0.42) ** 2 <= 0.075 ** 2) return true;
  if (v >= -0.36 && v <= 0.22) {
    const halfWidth = v < -0.08 ? Math.sqrt(Math.max(0, 0.28 ** 2 - (v + 0.08) ** 2)) : 0.28 + 0.15 * ((v + 0.08) / 0.3) ** 2;
    if (Math.abs(u) <= halfWidth) return true;
  }
  // The rim is a capsule so its ends stay round at small sizes.
  const rimHalf = 0.47;
  const rimRadius = 0.06;
  if (Math.abs(v - 0.25) <= rimRadius && Math.abs(u) <= rimHalf - rimRadius) return true;
  if ((Math.abs(u) - (rimHalf - rimRadius)) ** 2 + (v - 0.25) ** 2 <= rimRadius ** 2) return true;
  return v > 0.31 && u * u + (v - 0.31) ** 2 <= 0.12 ** 2;
}

const BELL_X = 0.5;
const BELL_Y = 0.51;

function colorScene(x: number, y: number): Rgba {
  const dotX = 0.625;
  const dotY = 0.365;
  const dot = (x - dotX) ** 2 + (y - dotY) ** 2;
  if (dot <= 0.05 ** 2) return ALERT;
  // A shield-coloured ring around the dot keeps it from merging into the bell.
  if (dot <= 0.07 ** 2 && inShield(x, y, 0)) return x < 0.5 ? SHIELD_LIGHT : SHIELD_SHADE;
  if (inBell(x, y, BELL_X, BELL_Y, 0.38)) return ACCENT;
  if (inShield(x, y, 0)) return x < 0.5 ? SHIELD_LIGHT : SHIELD_SHADE;
  return ACCENT;
}

function outlineScene(x: number, y: number): Rgba {
  const ring = inShield(x, y, 0) && !inShield(x, y, 2 / 32);
  return ring || inBell(x, y, BELL_X, BELL_Y, 0.37) ? WHITE : CLEAR;
}

/**
 * Renders `scene` (unit-square coordinates) to an RGBA PNG, averaging premultiplied colour over an n x n grid of
 * samples per pixel: 8x8 keeps curves smooth at 32 px; at 192 px 4x4 looks the same and is four times faster.
 */
function render(size: number, samplesPerSide: number, scene: (x: number, y: number) => Rgba): Buffer {
  const png = new PNG({ width: size, height: size });
  const n = samplesPerSide;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          // Indexing rather than destructuring: test transpilers turn tuple destructuring into slow helper calls.
          const c = scene((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size);
          r += c[0] * c[3];
          g += c[1] * c[3];
          b += c[2] * c[3];
          a += c[3];
        }
      }
      const i = (py * size + px) * 4;
      // Fully transparent pixels get white colour too, so the outline icon holds no other colour anywhere.
      png.data[i] = a === 0 ? 255 : Math.round(r / a);
      png.data[i + 1] = a === 0 ? 255 : Math.round(g / a);
      png.data[i + 2] = a === 0 ? 255 : Math.round(b / a);
      png.data[i + 3] = Math.round(a / (n * n));
    }
  }
  return PNG.sync.write(png);
}

/** The 192x192 full-colour icon: a white shield with an accent bell and an orange alert dot on the accent colour. */
export function drawColorIcon(): Buffer {
  return render(192, 4, colorScene);
}

/** The 32x32 outline icon: the shield's edge and the bell in white on a transparent background. */
export function drawOutlineIcon(): Buffer {
  return render(32, 8, outlineScene);
}

if (require.main === module) {
  const dir = join(packageRoot(), 'manifest');
  writeFileSync(join(dir, 'color.png'), drawColorIcon());
  writeFileSync(join(dir, 'outline.png'), drawOutlineIcon());
  process.stdout.write(`wrote color.png and outline.png to ${dir}\n`);
}
