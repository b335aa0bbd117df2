import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DetectAnomaliesCommand, type DetectAnomalyResult, type LookoutVisionClient } from '@aws-sdk/client-lookoutvision';
import type { HttpRequest, HttpResponse } from '@smithy/protocol-http';
import sharp from 'sharp';
import { ALIENS, hostedAliensModel } from '../helpers/datasets.js';
import { rejects } from '../helpers/rejects.js';
import { modelCounter, startTestVigil, type TestVigil } from '../helpers/vigil.js';

/** The raw JSON answer beside the SDK's parsed one. */
interface Answered {
  result: DetectAnomalyResult;
  raw: { DetectAnomalyResult: Record<string, unknown> };
}

/**
 * Vigil's DetectAnomalies extension (x-vigil-anomaly-map: png) on a classification model, for which Lookout for
 * Vision returned no mask: asked through the unchanged SDK client (a middleware adds the header and keeps the raw
 * answer, as README shows), the answer carries the anomaly map; unasked, it is Lookout for Vision's.
 */
describe('DetectAnomalies with x-vigil-anomaly-map on a classification model', () => {
  let vigil: TestVigil;
  let client: LookoutVisionClient;

  const detect = async (image: Buffer, header?: string): Promise<Answered> => {
    const command = new DetectAnomaliesCommand({ ProjectName: 'aliens', ModelVersion: '1', ContentType: 'image/png', Body: image });
    let raw: Answered['raw'] | undefined;
    if (header !== undefined) {
      command.middlewareStack.add(
        (next) => (args) => {
          (args.request as HttpRequest).headers['x-vigil-anomaly-map'] = header;
          return next(args);
        },
        { step: 'build', name: 'vigilAnomalyMapHeader' },
      );
    }
    // Innermost of the deserialize step: the raw body is read first, then handed on as bytes to the SDK's parser.
    command.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        const response = out.response as HttpResponse;
        const bytes = await client.config.streamCollector(response.body);
        response.body = bytes;
        if (response.statusCode === 200) raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
        return out;
      },
      { step: 'deserialize', name: 'rawAnswer', priority: 'low' },
    );
    const answer = await client.send(command);
    return { result: answer.DetectAnomalyResult!, raw: raw! };
  };
  const processed = () => modelCounter(vigil, 'vigil_processed_images_total', 'aliens', '1');
  /** The map's pixels and the largest of them. */
  const levels = async (base64: unknown) => {
    const png = Buffer.from(String(base64), 'base64');
    const { data } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    return { info: await sharp(png).metadata(), max: data.reduce((m, v) => Math.max(m, v), 0) };
  };

  before(async () => {
    vigil = await startTestVigil();
    client = vigil.lookoutVision();
    await hostedAliensModel(vigil, client);
  });
  after(async () => {
    client?.destroy();
    await vigil?.stop();
  });

  test('without the header the answer has only Lookout for Vision’s members; with it, the same verdict and a grayscale PNG map of the image’s size', async () => {
    const unseen = [...[21, 22, 23].map((i) => ({ name: `normal/${i}.png`, anomalous: false })), ...[11, 12, 13].map((i) => ({ name: `anomaly/${i}.png`, anomalous: true }))];
    const maxima: { anomalous: boolean; flagged: boolean; max: number }[] = [];
    for (const { name, anomalous } of unseen) {
      const image = await readFile(join(ALIENS, name));
      const size = await sharp(image).metadata();
      const plain = await detect(image);
      assert.deepEqual(Object.keys(plain.raw.DetectAnomalyResult).sort(), ['Confidence', 'IsAnomalous', 'Source'], name);
      const mapped = await detect(image, 'png');
      assert.deepEqual(Object.keys(mapped.raw.DetectAnomalyResult).sort(), ['Confidence', 'IsAnomalous', 'Source', 'VigilAnomalyMap'], name);
      // The SDK parses the standard members as before and leaves the extension alone.
      assert.deepEqual(mapped.result, plain.result, name);
      const map = await levels(mapped.raw.DetectAnomalyResult.VigilAnomalyMap);
      assert.equal(map.info.format, 'png', name);
      assert.deepEqual([map.info.width, map.info.height, map.info.channels], [size.width, size.height, 1], name);
      maxima.push({ anomalous, flagged: plain.result.IsAnomalous === true, max: map.max });
    }
    // The map says where the model looks: the unseen anomalies reach higher levels than the unseen normals.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [anomalies, normals] = [true, false].map((a) => mean(maxima.filter((m) => m.anomalous === a).map((m) => m.max)));
    assert.ok(anomalies > normals, `mean largest level: anomalies ${anomalies}, normals ${normals} (${JSON.stringify(maxima)})`);
  });

  test('any other value of the header is a ValidationException, and no image is processed', async () => {
    const image = await readFile(join(ALIENS, 'normal', '21.png'));
    const before = await processed();
    for (const value of ['jpeg', 'PNG', 'true', '']) await rejects(detect(image, value), 'ValidationException', /x-vigil-anomaly-map header must be 'png'/);
    assert.equal(await processed(), before);
  });
});
