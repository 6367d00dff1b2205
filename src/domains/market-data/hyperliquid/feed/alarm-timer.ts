/**
 * The one way the feed arms its Durable Object alarm. A DO has a single alarm, and the engine wants
 * it at several moments (next ping, silence deadline, reconnect time, flush deadline); setting it
 * from each call site let a later time overwrite an earlier one (a flush due in 2 s waited for the
 * 10 s watchdog). `armAt` therefore only ever moves the alarm EARLIER; once the alarm fired (the
 * watchdog calls `fired()` first) or was deleted, the next `armAt` sets it afresh.
 * Pure bookkeeping over the injected set/delete.
 */
export class AlarmTimer {
  private armedAtMs: number | undefined;

  constructor(
    private readonly setAlarm: (atMs: number) => void,
    private readonly deleteAlarm: () => void,
  ) {}

  /** Arms the alarm at `atMs` unless it is already armed earlier. */
  armAt(atMs: number): void {
    if (this.armedAtMs !== undefined && this.armedAtMs <= atMs) return;
    this.armedAtMs = atMs;
    this.setAlarm(atMs);
  }

  /** Records an alarm that is already set in storage (after an eviction), without setting it. */
  adopt(atMs: number | null): void {
    this.armedAtMs = atMs ?? undefined;
  }

  /** The alarm ran: it is no longer armed. */
  fired(): void {
    this.armedAtMs = undefined;
  }

  cancel(): void {
    this.armedAtMs = undefined;
    this.deleteAlarm();
  }

  /** When the alarm is armed (undefined: not armed). */
  get armedAt(): number | undefined {
    return this.armedAtMs;
  }
}
