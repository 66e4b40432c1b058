// The replay's clock: the source's dates mapped onto real time. With daySeconds > 0 a source
// day lasts that many real seconds, and a step waits until its source date has come; with 0 the
// replay runs as fast as the service takes it, in source-date order.
export class SimClock {
  private readonly realStart = Date.now();

  constructor(readonly sourceStart: Date, readonly daySeconds: number) {}

  realTimeOf(sourceDate: Date): number {
    return this.realStart + ((sourceDate.getTime() - this.sourceStart.getTime()) / 86_400_000) * this.daySeconds * 1000;
  }

  async until(sourceDate: Date): Promise<void> {
    if (this.daySeconds <= 0) return;
    const wait = this.realTimeOf(sourceDate) - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}
