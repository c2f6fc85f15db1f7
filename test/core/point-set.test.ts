import { describe, expect, it } from 'vitest';
import { parsePointsCsv, parsePointsJson } from '../../src/core/point-set';

describe('point sets from CSV', () => {
  it('reads x,y rows with a header, comments, blank lines and any of , ; tab or spaces', () => {
    const text = 'x,y\n# drawn by hand\n0.5, -1\n\n2;3\n-1e-1\t4\r\n  7   8  \n';
    expect([...parsePointsCsv(text)]).toEqual([0.5, -1, 2, 3, Math.fround(-0.1), 4, 7, 8]);
  });

  it.each([
    ['0,1\n2\n', /row 2 \("2"\) is not two numbers x,y/],
    ['0,1\n2,3,4\n', /row 2 \("2,3,4"\) is not two numbers/],
    ['0,1\n\n1,abc\n', /row 3 \("1,abc"\) is not two numbers/],
    ['1,\n', /row 1 \("1,"\) is not two numbers/],
    ['x,y\n', /holds no points/],
  ])('names the bad row of %j', (text, message) => {
    expect(() => parsePointsCsv(text, 'drawing.csv')).toThrow(message);
  });
});

describe('point sets from the JSON npm run sample writes', () => {
  it('reads {shape: [N, 2], samples: [[x, y], …]} and ignores the other fields', () => {
    const doc = {
      model: 'ring8',
      shape: [2, 2],
      range: [-3, 3],
      samples: [
        [1, 2],
        [-3, 4.5],
      ],
    };
    expect([...parsePointsJson(doc)]).toEqual([1, 2, -3, 4.5]);
  });

  it.each([
    [{ samples: [[1, 2], [3]] }, /samples\[1\] is \[3\], not a pair of numbers/],
    [{ shape: [3, 2], samples: [[1, 2]] }, /"shape" must be \[1, 2\]/],
    [{ shape: [1, 3], samples: [[1, 2, 3]] }, /"shape" must be \[1, 2\]/],
    [{ points: [] }, /must look like \{"shape": \[N, 2\]/],
    [{ samples: [[1, null]] }, /samples\[0\] is \[1,null\]/],
  ])('refuses %j with a message naming the entry', (doc, message) => {
    expect(() => parsePointsJson(doc, 'points.json')).toThrow(message);
  });
});
