import { describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { retryingSend } from '../../../src/temporal/retrying-send';
import { Doorbell } from '../../../src/temporal/doorbell';

describe('retryingSend', () => {
  it('sends again until the signal goes through (Temporal down, then back)', async () => {
    let calls = 0;
    const retried: number[] = [];
    const { send } = retryingSend(
      async () => {
        calls += 1;
        if (calls < 4) throw new Error('14 UNAVAILABLE: No connection established');
      },
      { initialDelayMs: 1, maxDelayMs: 4, onRetry: (_id, _err, attempt) => retried.push(attempt) },
    );
    await send('intercom-source-1');
    expect(calls).toBe(4);
    expect(retried).toEqual([1, 2, 3]);
  });

  it('does not retry a workflow that does not exist', async () => {
    let calls = 0;
    const { send } = retryingSend(async () => {
      calls += 1;
      throw new WorkflowNotFoundError('gone', 'intercom-source-1', undefined);
    });
    await expect(send('intercom-source-1')).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(calls).toBe(1);
  });

  it('gives up when stopped (shutdown), with the last error', async () => {
    const retrying = retryingSend(
      async () => {
        throw new Error('down');
      },
      { initialDelayMs: 60_000 },
    );
    const sending = retrying.send('w');
    await new Promise((r) => setTimeout(r, 10));
    retrying.stop();
    await expect(sending).rejects.toThrow('down');
  });

  it('behind a Doorbell, rings during the outage fold into one trailing signal', async () => {
    let up = false;
    const delivered: string[] = [];
    const { send } = retryingSend(
      async (id) => {
        if (!up) throw new Error('down');
        delivered.push(id);
      },
      { initialDelayMs: 5, maxDelayMs: 5 },
    );
    const doorbell = new Doorbell(send, 5);
    for (let i = 0; i < 50; i += 1) doorbell.ring('w');
    await new Promise((r) => setTimeout(r, 50));
    expect(delivered).toEqual([]);
    up = true;
    await new Promise((r) => setTimeout(r, 100));
    expect(delivered).toEqual(['w', 'w']);
  });
});
