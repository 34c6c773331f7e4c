import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

/**
 * The baseline our design is measured against: one signal per event, one activity per event —
 * what a webhook handler that signals its workflow for every notification would cost.
 */
export const eventSignal = defineSignal<[number]>('event');

const { deliverOne } = proxyActivities<{ deliverOne(n: number): Promise<void> }>({ startToCloseTimeout: '10 seconds' });

export async function naiveOnePerEvent(expected: number): Promise<number> {
  const queue: number[] = [];
  setHandler(eventSignal, (n) => {
    queue.push(n);
  });
  let done = 0;
  while (done < expected) {
    await condition(() => queue.length > 0);
    await deliverOne(queue.shift()!);
    done += 1;
  }
  return done;
}
