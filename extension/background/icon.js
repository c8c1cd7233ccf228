// The toolbar icon: an envelope with a dot whose colour follows the badge (the grade's colour, red for a
// problem, grey while nothing is known, none when paused). Drawn at run time on an OffscreenCanvas, so that the
// icon can never say "fine" (green) while the badge says F. iconDot() is pure; paintIcon() needs a browser.

import { kGradeColors, kStateColors } from './badge.js';

/** Sizes drawn for the toolbar (device pixel ratios 1 and 2). */
const kSizes = [16, 32];
const kBackground = '#24292f';

/**
 * The dot's colour for what the badge shows, or null for no dot (protection paused).
 * @param {{text: string, color: string}} badge from badgeFor()
 */
export function iconDot(badge) {
  const text = badge ? badge.text : '';
  if (text === 'off') return null;
  if (Object.prototype.hasOwnProperty.call(kGradeColors, text)) return kGradeColors[text];
  if (text === '!') return kStateColors.error;
  return kStateColors.unknown;
}

/** Draws the icon at `size` pixels on a 2D context (the art is laid out on a 128-unit square). */
export function drawIcon(ctx, size, dot) {
  ctx.save();
  ctx.scale(size / 128, size / 128);
  ctx.clearRect(0, 0, 128, 128);
  ctx.fillStyle = kBackground;
  ctx.beginPath();
  ctx.roundRect(4, 4, 120, 120, 26);
  ctx.fill();
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = 9;
  ctx.lineJoin = 'round';
  ctx.strokeRect(22, 40, 76, 56);
  ctx.beginPath();
  ctx.moveTo(24, 44);
  ctx.lineTo(60, 72);
  ctx.lineTo(96, 44);
  ctx.stroke();
  if (dot) {
    ctx.fillStyle = dot;
    ctx.strokeStyle = kBackground;
    ctx.lineWidth = 8;
    ctx.beginPath();
    ctx.arc(98, 30, 22, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
  ctx.restore();
}

const cache = new Map();
/** ImageData per size for a dot colour (cached: a handful of colours in all). */
function imagesFor(dot) {
  const key = dot || 'none';
  if (!cache.has(key)) {
    const images = {};
    for (const size of kSizes) {
      const canvas = new OffscreenCanvas(size, size);
      const ctx = canvas.getContext('2d');
      drawIcon(ctx, size, dot);
      images[size] = ctx.getImageData(0, 0, size, size);
    }
    cache.set(key, images);
  }
  return cache.get(key);
}

/**
 * Sets the toolbar icon of a tab (or the default, without tabId) for a dot colour. Without OffscreenCanvas the
 * packaged icons stay (their dot is grey).
 */
export async function paintIcon(action, dot, tabId) {
  if (typeof OffscreenCanvas !== 'function') return;
  const imageData = imagesFor(dot);
  await action.setIcon(tabId === undefined ? { imageData } : { tabId, imageData });
}
