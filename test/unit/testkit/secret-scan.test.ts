import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { findSecrets, plainText, type ScanSource } from '../../../testkit/secret-scan';

/**
 * The scan must find a secret wherever a history can hold it. Payload bytes show as base64 in a history's
 * JSON, where a secret is only visible as one of three encodings depending on its offset modulo 3; the
 * scan decodes instead, so every offset is tried, in every place a payload sits, and nested once more.
 */
const SECRET = 'sk_live_9f8e7d6c5b4a';
const payload = (value: unknown) => defaultPayloadConverter.toPayload(value)!;

/** A real History message with `value` in the workflow input, an activity result, a failure, memo and headers. */
function historyWith(value: unknown, where: 'input' | 'result' | 'failure' | 'memo' | 'header' | 'signal') {
  const clean = payload({ note: 'nothing to see' });
  const at = (place: typeof where) => (place === where ? payload(value) : clean);
  return temporal.api.history.v1.History.create({
    events: [
      {
        workflowExecutionStartedEventAttributes: {
          input: { payloads: [at('input')] },
          memo: { fields: { note: at('memo') } },
          header: { fields: { trace: at('header') } },
        },
      },
      { activityTaskCompletedEventAttributes: { result: { payloads: [at('result')] } } },
      {
        activityTaskFailedEventAttributes: {
          failure: {
            message: 'delivery failed',
            cause: { message: 'inner', encodedAttributes: at('failure') },
          },
        },
      },
      {
        workflowExecutionSignaledEventAttributes: { signalName: 'settings', input: { payloads: [at('signal')] } },
      },
    ],
  });
}

const scan = (history: unknown): ScanSource[] => [{ name: 'history', text: plainText(history) }];

describe('secret scan', () => {
  const places = ['input', 'result', 'failure', 'memo', 'header', 'signal'] as const;

  it('finds a planted secret at every offset (all three base64 alignments, twice over) in every place', () => {
    for (const where of places) {
      for (let offset = 0; offset < 6; offset += 1) {
        const history = historyWith({ token: `${'x'.repeat(offset)}${SECRET}` }, where);
        // Not visible in the history's JSON form: the payload is base64 there.
        expect(JSON.stringify(history)).not.toContain(SECRET);
        const findings = findSecrets(scan(history), { token: SECRET });
        expect(findings, `${where} at offset ${offset}`).toHaveLength(1);
        expect(findings[0]!.context).toContain('<token>');
        expect(findings[0]!.context).not.toContain(SECRET);
      }
    }
  });

  it('finds it in the JSON form of a history too (payload bytes as base64 strings)', () => {
    for (let offset = 0; offset < 3; offset += 1) {
      const history = historyWith([`${'y'.repeat(offset)}${SECRET}`], 'result');
      const json = JSON.parse(JSON.stringify(history)) as unknown;
      expect(findSecrets(scan(json), { key: SECRET }), `offset ${offset}`).toHaveLength(1);
    }
  });

  it('finds it in nested payloads: a payload carried inside a payload, a base64 blob, binary data', () => {
    for (let offset = 0; offset < 3; offset += 1) {
      const padded = `${'z'.repeat(offset)}${SECRET}`;
      // A Payload message in its JSON form (bytes as base64), as a workflow would carry one.
      const innerPayload = temporal.api.common.v1.Payload.fromObject(payload({ deep: { deeper: [padded] } })).toJSON();
      const cases = {
        'payload in a payload': { carried: innerPayload },
        'base64 blob in a field': { blob: Buffer.from(`prefix ${padded}`).toString('base64') },
        'base64url blob': { blob: Buffer.from(padded).toString('base64url') },
        'binary payload': new Uint8Array(Buffer.from(`raw ${padded}`)),
        'bytes serialised by JSON.stringify': JSON.parse(JSON.stringify({ b: new Uint8Array(Buffer.from(padded)) })),
        'a Buffer serialised by JSON.stringify': JSON.parse(JSON.stringify({ b: Buffer.from(padded) })),
      };
      for (const [name, value] of Object.entries(cases)) {
        const findings = findSecrets(scan(historyWith(value, 'input')), { s: SECRET });
        expect(findings, `${name} at offset ${offset}`).toHaveLength(1);
      }
    }
  });

  it('reads payloads the default converter cannot decode (json/protobuf without its types) as bytes', () => {
    const history = historyWith('placeholder', 'result');
    const result = history.events[1]!.activityTaskCompletedEventAttributes!.result!.payloads![0]!;
    result.metadata = { encoding: Buffer.from('json/protobuf'), messageType: Buffer.from('x.Y') };
    result.data = Buffer.from(JSON.stringify({ accessToken: SECRET }));
    expect(findSecrets(scan(history), { s: SECRET })).toHaveLength(1);
  });

  it('finds JSON-escaped and URL-encoded forms, and names the source', () => {
    const odd = 'pa"ss/wo rd+1';
    const sources = [
      { name: 'logs', text: JSON.stringify({ msg: 'oops', secret: odd }) },
      { name: 'error', text: `GET /callback?code=${encodeURIComponent(odd)} failed` },
    ];
    expect(findSecrets(sources, { odd }).map((f) => f.source)).toEqual(['logs', 'error']);
  });

  it('finds nothing in a history without the secret (so a clean scan can pass)', () => {
    for (const where of places) {
      expect(findSecrets(scan(historyWith({ token: 'not-the-secret' }, where)), { token: SECRET })).toEqual([]);
    }
  });
});
