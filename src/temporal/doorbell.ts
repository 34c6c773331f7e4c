/**
 * Coalesces "new rows are waiting" signals per workflow: the first ring goes out at once, rings
 * during the next `windowMs` fold into one trailing signal. A burst of 1,000 webhooks for one
 * connection costs a handful of signals, and the last row stored is always followed by a signal,
 * so the workflow never sleeps on work it was not told about.
 */
export class Doorbell {
  private readonly bells = new Map<
    string,
    { inFlight: boolean; dirty: boolean; timer?: NodeJS.Timeout; lastSentAt: number }
  >();

  constructor(
    private readonly send: (workflowId: string) => Promise<void>,
    private readonly windowMs = 200,
    private readonly onError: (workflowId: string, err: unknown) => void = () => {},
  ) {}

  ring(workflowId: string): void {
    let bell = this.bells.get(workflowId);
    if (!bell) {
      bell = { inFlight: false, dirty: false, lastSentAt: 0 };
      this.bells.set(workflowId, bell);
    }
    if (bell.inFlight || bell.timer) {
      bell.dirty = true;
      return;
    }
    const wait = bell.lastSentAt + this.windowMs - Date.now();
    if (wait > 0) {
      bell.dirty = true;
      bell.timer = setTimeout(() => this.fire(workflowId), wait);
    } else {
      void this.fire(workflowId);
    }
  }

  private async fire(workflowId: string): Promise<void> {
    const bell = this.bells.get(workflowId);
    if (!bell) return;
    bell.timer = undefined;
    bell.dirty = false;
    bell.inFlight = true;
    bell.lastSentAt = Date.now();
    try {
      await this.send(workflowId);
    } catch (err) {
      this.onError(workflowId, err);
    } finally {
      bell.inFlight = false;
    }
    if (bell.dirty) {
      bell.timer = setTimeout(() => this.fire(workflowId), this.windowMs);
    } else {
      // Forget idle workflows once their window has passed, so the map does not grow without bound.
      setTimeout(() => {
        const current = this.bells.get(workflowId);
        if (current && !current.inFlight && !current.timer && !current.dirty) this.bells.delete(workflowId);
      }, this.windowMs).unref();
    }
  }

  /** Sends any trailing signals now (shutdown). */
  async flush(): Promise<void> {
    const pending = [...this.bells.entries()].filter(([, b]) => b.timer || b.dirty);
    for (const [, bell] of pending) clearTimeout(bell.timer);
    await Promise.all(pending.map(([id]) => this.fire(id)));
  }
}
