// Progress on a terminal as one line redrawn in place; elsewhere a plain line every few seconds.
export class Progress {
  rowsRead = 0;
  total = 0;
  started = 0;
  finished = 0;
  failed = 0;
  private readonly began = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private readonly tty = Boolean(process.stdout.isTTY);

  start(total: number) {
    this.total = total;
    this.timer = setInterval(() => this.draw(), this.tty ? 250 : 5000);
    this.timer.unref();
  }

  note(message: string) {
    if (this.tty) process.stdout.write('\r\x1b[2K');
    console.log(message);
  }

  private draw() {
    const seconds = (Date.now() - this.began) / 1000;
    const rate = this.finished / Math.max(seconds, 0.001);
    const left = rate > 0 ? Math.max(0, (this.total - this.finished) / rate) : NaN;
    const width = 30;
    const done = this.total ? Math.min(width, Math.round((this.finished / this.total) * width)) : 0;
    const line = `${this.tty ? `[${'#'.repeat(done)}${'.'.repeat(width - done)}] ` : ''}rows ${this.rowsRead}, started ${this.started}, ` +
      `finished ${this.finished}/${this.total}, failed ${this.failed}, ${rate.toFixed(1)}/s, ${Number.isNaN(left) ? '?' : Math.round(left)} s left`;
    if (this.tty) process.stdout.write(`\r\x1b[2K${line}`);
    else console.log(line);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.draw();
    if (this.tty) process.stdout.write('\n');
  }

  get seconds() {
    return (Date.now() - this.began) / 1000;
  }
}
