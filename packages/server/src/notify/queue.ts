/** A bounded, ordered delivery queue with retries and exponential backoff. */
export interface QueueOptions<T> {
  send(item: T): Promise<void>
  /** Retries after the first attempt. */
  retries: number
  /** First backoff, ms; doubled after each failed attempt. */
  backoffMs: number
  /** Items waiting at most; a new item beyond that is dropped. */
  maxQueue: number
  onDelivered?(item: T): void
  onFailed?(item: T, error: unknown): void
  onDropped?(item: T): void
}

export class DeliveryQueue<T> {
  private readonly items: T[] = []
  private running: Promise<void> | undefined
  private closed = false
  private wake: (() => void) | undefined
  private sleeping: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly options: QueueOptions<T>) {}

  get length(): number {
    return this.items.length
  }

  push(item: T): boolean {
    if (this.closed || this.items.length >= this.options.maxQueue) {
      this.options.onDropped?.(item)
      return false
    }
    this.items.push(item)
    this.running ??= this.run().finally(() => {
      this.running = undefined
    })
    return true
  }

  /** Resolves when every queued item was delivered or given up. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running
  }

  /** Stops retrying: items still waiting are given up at their next backoff. */
  stop(): void {
    this.closed = true
    if (this.sleeping !== undefined) clearTimeout(this.sleeping)
    this.wake?.()
  }

  private async run(): Promise<void> {
    while (this.items.length > 0) {
      const item = this.items[0]!
      let attempt = 0
      for (;;) {
        try {
          await this.options.send(item)
          this.options.onDelivered?.(item)
          break
        } catch (error) {
          if (attempt >= this.options.retries || this.closed) {
            this.options.onFailed?.(item, error)
            break
          }
          await this.sleep(this.options.backoffMs * 2 ** attempt)
          attempt++
        }
      }
      this.items.shift()
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve
      this.sleeping = setTimeout(resolve, ms)
    })
  }
}
