import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadBackbone } from '../../src/ml/components/backbone.js';
import { decodeRgb, toUnitFloat } from '../../src/ml/components/image.js';
import { chooseResolution, extractTiled, TILE_MARGIN, TILE_MAX, tileLayout } from '../../src/ml/features.js';
import { BOARDS } from '../helpers/datasets.js';

// A real circuit-board photo (1000×667; CC BY-SA 4.0, see test/fixtures/README.md).
const board = (): Uint8Array => new Uint8Array(readFileSync(join(BOARDS, 'normal', readdirSync(join(BOARDS, 'normal')).sort()[0]!)));

describe('tiles for large working images', () => {
  it('lays out tiles that cover the image with overlaps of at least two margins', () => {
    for (const [w, h, max, margin] of [
      [1008, 672, 768, 48],
      [1344, 896, 768, 48],
      [2000, 1328, 768, 48],
      [800, 320, 768, 32],
      [384, 256, 256, 48],
      [1600, 160, 400, 32],
    ] as const) {
      const t = tileLayout(w, h, 16, max, margin)!;
      assert.ok(t, `${w}×${h} needs tiles`);
      for (const [starts, size, length] of [
        [t.xs, t.tileWidth, w],
        [t.ys, t.tileHeight, h],
      ] as const) {
        assert.ok((size <= Math.max(max, 16) && size % 16 === 0) || size === length, `tile side ${size}`);
        assert.equal(starts[0], 0);
        assert.equal(starts.at(-1)! + size, length, 'the last tile ends at the edge');
        for (let i = 1; i < starts.length; i++) {
          assert.equal(starts[i]! % 16, 0);
          assert.ok(starts[i - 1]! + size - starts[i]! >= 2 * margin, `overlap of tiles ${i - 1} and ${i} in ${w}×${h}`);
        }
      }
    }
    assert.equal(tileLayout(768, 512, 16), undefined);
    assert.equal(tileLayout(TILE_MAX, TILE_MAX, 16), undefined);
  });

  it('uses tiles only when the working resolution exceeds the single-pass limit', () => {
    assert.equal(chooseResolution(768, 576, { sizeMultiple: 16 }).tiles, undefined);
    const large = chooseResolution(2000, 1334, { longSide: 1344, sizeMultiple: 16 });
    assert.deepEqual([large.width, large.height], [1344, 896]);
    assert.ok(large.tiles && large.tiles.xs.length * large.tiles.ys.length > 1);
  });

  it('stitches tile features into the layout of a whole-image pass, close to its values', async () => {
    const backbone = await loadBackbone({ threads: 2 });
    const [w, h] = [384, 256];
    const rgb = toUnitFloat(await decodeRgb(board(), { width: w, height: h }));
    const whole = await backbone.extract(rgb, h, w);
    // No layout (or one tile) is exactly the whole-image pass.
    assert.deepEqual((await extractTiled(backbone, rgb, h, w, undefined)).data, whole.data);
    const layout = tileLayout(w, h, 16, 224, TILE_MARGIN)!;
    assert.ok(layout.xs.length > 1 && layout.ys.length > 1);
    const tiled = await extractTiled(backbone, rgb, h, w, layout);
    assert.deepEqual([tiled.width, tiled.height, tiled.channels], [whole.width, whole.height, whole.channels]);
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < whole.data.length; i++) {
      diff += (whole.data[i]! - tiled.data[i]!) ** 2;
      norm += whole.data[i]! ** 2;
    }
    const relative = Math.sqrt(diff / norm);
    assert.ok(relative > 0 && relative < 0.05, `tiled features differ from the whole-image pass by ${relative} (RMS, relative)`);
    // With no margin the seams are visibly worse: the margin is what keeps tiles equal to the whole.
    const seams = await extractTiled(backbone, rgb, h, w, tileLayout(w, h, 16, 224, 0)!);
    let bare = 0;
    for (let i = 0; i < whole.data.length; i++) bare += (whole.data[i]! - seams.data[i]!) ** 2;
    assert.ok(Math.sqrt(bare / norm) > relative);
  });
});
