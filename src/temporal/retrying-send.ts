import { WorkflowNotFoundError } from '@temporalio/client';

export interface RetryingSendOptions {
  /** First wait after a failure; it doubles up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Failures not worth retrying (the workflow does not exist: nobody will ever hear it). */
  isPermanent?: (err: unknown) => boolean;
  /** Called on each failed attempt (for a log line), with the attempt number. */
  onRetry?: (workflowId: string, err: unknown, attempt: number) => void;
}

/**
 * Wraps a doorbell's send so that a signal Temporal could not take (Temporal down or restarting) is
 * sent again until it goes through: the API keeps acknowledging and storing while Temporal is away, and
 * the rows stored meanwhile are announced when it is back. The Doorbell folds the rings that arrive
 * during the retries into one trailing signal, so this holds at most one loop per workflow.
 * `stop()` (shutdown) ends the waiting: the last attempt's error is then passed on.
 */
export function retryingSend(
  send: (workflowId: string) => Promise<void>,
  options: RetryingSendOptions = {},
): { send: (workflowId: string) => Promise<void>; stop: () => void } {
  const initial = options.initialDelayMs ?? 500;
  const max = options.maxDelayMs ?? 15_000;
  const isPermanent = options.isPermanent ?? ((err) => err instanceof WorkflowNotFoundError);
  const sleepers = new Set<() => void>();
  let stopped = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });

  return {
    async send(workflowId) {
      for (let attempt = 1, delay = initial; ; attempt += 1, delay = Math.min(max, delay * 2)) {
        try {
          await send(workflowId);
          return;
        } catch (err) {
          if (stopped || isPermanent(err)) throw err;
          options.onRetry?.(workflowId, err, attempt);
          await sleep(delay);
          if (stopped) throw err;
        }
      }
    },
    stop() {
      stopped = true;
      for (const wake of [...sleepers]) wake();
    },
  };
}
