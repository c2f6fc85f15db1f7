/**
 * Hostile uploaded files on the built site: what the user sees for a CSV, a card and a picture
 * that are too big, broken or claim too much (the parsers' properties are test/ui/upload-fuzz.test.ts).
 */
import { encodePng } from '../../src/cli/png';
import { expect, test, waitForFirstFrame } from './fixtures';

/** A PNG's signature and IHDR chunk claiming width × height pixels, and nothing after. */
function pngClaiming(width: number, height: number): Buffer {
  const bytes = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]).copy(bytes);
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  return bytes;
}

test('a CSV or card that is too big or broken is refused with a message naming it', async ({
  page,
  site,
}) => {
  await page.goto(`${site.url}#model=drawing`);
  const panel = page.getByTestId('drawing-panel');
  await expect(panel).toBeVisible();
  const csvInput = panel.locator('input[type="file"][accept*="csv"]');
  const cardInput = panel.locator('input[type="file"][accept*="json"]');
  const alert = panel.getByRole('alert');

  await csvInput.setInputFiles({
    name: 'big.csv',
    mimeType: 'text/csv',
    buffer: Buffer.alloc(3 * 2 ** 20, '0.1,0.2\n'),
  });
  await expect(alert).toHaveText(
    'big.csv is 3.0 MB, over the 2.0 MB this input reads: a drawing keeps at most 3000 points, which fit in far less: upload fewer rows.',
  );
  await csvInput.setInputFiles({
    name: 'bad.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('x,y\n1,2\n3,oops\n'),
  });
  await expect(alert).toContainText('bad.csv row 3 ("3,oops") is not two numbers x,y');
  await csvInput.setInputFiles({
    name: 'ok.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('1,2\n-1,0.5\n'),
  });
  await expect(alert).toHaveCount(0);
  await expect(page.getByTestId('drawing-count')).toContainText('2 points');
  await waitForFirstFrame(page);

  await cardInput.setInputFiles({
    name: 'card.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"id": '),
  });
  await expect(alert).toContainText('card.json is not JSON');
  const claim = { shape: [1e9], range: [0, 1] };
  await cardInput.setInputFiles({
    name: 'huge.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(claim)),
  });
  await expect(alert).toContainText('Model card huge.json: field "shape" has 1000000000 values per sample');
  await expect(page.getByLabel('Model', { exact: true })).toHaveValue('drawing');
});

test('a picture that claims 100,000 × 100,000 pixels is never decoded; a real PNG is used', async ({
  page,
  site,
}) => {
  await page.goto(`${site.url}#model=tiny&steps=8&seed=7&batch=4&sampler=ddim&tool=inpaint&src=sample`);
  await waitForFirstFrame(page);
  const upload = page.getByLabel('Upload a PNG');
  await upload.setInputFiles({
    name: 'bomb.png',
    mimeType: 'image/png',
    buffer: pngClaiming(100_000, 100_000),
  });
  const notice = page.getByRole('status').filter({ hasText: 'The picture was not used' });
  await expect(notice).toContainText(
    "bomb.png is a 100000 × 100000 PNG, over the 4096 × 4096 pixels this page decodes: it is shrunk to the model's resolution anyway, so upload a smaller PNG.",
  );
  await upload.setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('1,2\n') });
  await expect(
    page.getByRole('status').filter({ hasText: 'notes.png is not a PNG, JPEG or GIF' }),
  ).toBeVisible();
  const pixels = new Uint8Array(16 * 16).map((_, k) => (k % 16 < 8 ? 0 : 255));
  const png = encodePng({ width: 16, height: 16, channels: 1, pixels });
  await upload.setInputFiles({ name: 'half.png', mimeType: 'image/png', buffer: png });
  await expect(page.getByText('Known image: upload half.png.')).toBeVisible();
});
