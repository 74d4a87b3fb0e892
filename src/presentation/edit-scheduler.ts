import { ChannelBudget } from "./channel-budget.js";
import {
  resolveEditSchedulerOptions,
  type Cancel,
  type EditErrorInfo,
  type EditSchedulerOptions,
  type EditStats,
  type EditTarget,
  type SendView,
  type UpdateOptions,
} from "./edit-scheduler-options.js";
import type { MessageView } from "./message-view.js";
import { RecentKeys } from "./recent-keys.js";

export type {
  Cancel,
  EditErrorInfo,
  EditSchedulerOptions,
  EditStats,
  EditTarget,
  SendView,
  SetTimer,
  UpdateOptions,
} from "./edit-scheduler-options.js";

interface Edit {
  view: MessageView;
  send: SendView;
  flush: boolean;
  final: boolean;
  attempt: number;
  /** When this message first had something waiting: the oldest waiter goes first among equals. */
  since: number;
  /** Retry backoff: not before this time. */
  notBefore: number;
}

interface Slot {
  key: string;
  channelId: string;
  pending: Edit | undefined;
  inFlight: Edit | undefined;
  lastStartAt: number;
}

interface Channel {
  id: string;
  budget: ChannelBudget;
  slots: Map<string, Slot>;
}

/**
 * Coalescing editor for progress messages: latest view wins, at most one edit in flight per
 * message, a minimum interval per message, a shared budget per channel, final views never dropped.
 * discord.js queues every edit and never merges them, so without this a busy channel falls behind.
 */
export class EditScheduler {
  readonly stats: EditStats = { sent: 0, dropped: 0, failed: 0, ignored: 0 };
  private readonly slots = new Map<string, Slot>();
  private readonly channels = new Map<string, Channel>();
  /** Finished messages, remembered so late progress cannot overwrite a final state. */
  private readonly finalized = new RecentKeys(10_000);
  private readonly waiters: Array<{ key: string | undefined; resolve: () => void }> = [];
  private readonly options: Required<EditSchedulerOptions>;
  private timer: { at: number; cancel: Cancel } | undefined;
  private closed = false;

  constructor(options: EditSchedulerOptions) {
    this.options = resolveEditSchedulerOptions(options);
  }

  /** Latest view wins; `flush` for phase changes, `final` for the last state. Never throws, never waits. */
  update(target: EditTarget, view: MessageView, send: SendView, options: UpdateOptions = {}): void {
    const final = options.final === true;
    if (this.closed) {
      this.options.logger.debug({ key: target.key }, "edit scheduler closed; update ignored");
      return;
    }
    if (this.finalized.has(target.key) && !final) {
      this.stats.ignored += 1;
      return;
    }
    const now = this.options.now();
    const slot = this.slotFor(target);
    const previous = slot.pending;
    if (previous !== undefined) this.stats.dropped += 1;
    slot.pending = {
      view,
      send,
      // A superseded phase change keeps its priority: the newer view shows the new phase too.
      flush: options.flush === true || final || previous?.flush === true,
      final,
      attempt: 1,
      since: previous?.since ?? now,
      notBefore: now,
    };
    if (final) this.finalized.add(target.key);
    this.pump(this.channels.get(target.channelId));
  }

  /** Resolves when nothing is pending or in flight for `key` (or for any key when omitted). */
  settled(key?: string): Promise<void> {
    if (this.closed || this.isIdle(key)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ key, resolve }));
  }

  /** Stop: pending views are discarded (count as dropped), in-flight sends finish on their own. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    let discarded = 0;
    for (const slot of this.slots.values()) {
      if (slot.pending !== undefined) discarded += 1;
      slot.pending = undefined;
    }
    this.stats.dropped += discarded;
    if (discarded > 0) this.options.logger.warn({ discarded }, "edit scheduler closed with edits pending");
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  private slotFor(target: EditTarget): Slot {
    const existing = this.slots.get(target.key);
    if (existing !== undefined) return existing;
    const slot: Slot = {
      key: target.key,
      channelId: target.channelId,
      pending: undefined,
      inFlight: undefined,
      lastStartAt: Number.NEGATIVE_INFINITY,
    };
    this.slots.set(target.key, slot);
    let channel = this.channels.get(target.channelId);
    if (channel === undefined) {
      channel = {
        id: target.channelId,
        budget: new ChannelBudget(this.options.channelEditsPerSecond),
        slots: new Map(),
      };
      this.channels.set(target.channelId, channel);
    }
    channel.slots.set(target.key, slot);
    return slot;
  }

  /**
   * Start every edit that may start now, then sleep until the earliest moment another could.
   * An update or a finished send only changes its own channel, so those pump just that one; the
   * timer then only ever moves earlier, and its full pump recomputes everything.
   */
  private pump(only?: Channel): void {
    if (this.closed) return;
    const now = this.options.now();
    let wake = Number.POSITIVE_INFINITY;
    for (const channel of only === undefined ? [...this.channels.values()] : [only]) {
      wake = Math.min(wake, this.pumpChannel(channel, now));
    }
    if (only === undefined || wake < (this.timer?.at ?? Number.POSITIVE_INFINITY)) this.arm(wake, now);
    this.notifyWaiters();
  }

  /** Returns when this channel next needs a look (infinity when nothing waits). */
  private pumpChannel(channel: Channel, now: number): number {
    let wake = Number.POSITIVE_INFINITY;
    const ready: Slot[] = [];
    for (const slot of channel.slots.values()) {
      if (slot.inFlight !== undefined) continue;
      const edit = slot.pending;
      if (edit === undefined) {
        this.forgetIfIdle(slot, channel, now);
        continue;
      }
      // The result goes out as soon as the previous edit of its message is done: a member waits for
      // it, and it is the message's last edit. The channel's budget still holds it back when spent.
      const interval = edit.final
        ? 0
        : edit.flush
          ? Math.min(this.options.flushIntervalMs, this.options.minIntervalMs)
          : this.options.minIntervalMs;
      const at = Math.max(slot.lastStartAt + interval, edit.notBefore);
      if (at <= now) ready.push(slot);
      else wake = Math.min(wake, at);
    }
    ready.sort(byPriority);
    for (const slot of ready) {
      // Finals sort first and may spend the whole budget; progress leaves one edit per window for them.
      const reserve = slot.pending?.final === true ? 0 : finalsReserve;
      if (!channel.budget.available(now, reserve)) {
        wake = Math.min(wake, channel.budget.nextAt(now, reserve));
        break;
      }
      this.start(slot, channel, now);
    }
    if (channel.slots.size === 0 && channel.budget.idle(now)) this.channels.delete(channel.id);
    return wake;
  }

  private start(slot: Slot, channel: Channel, now: number): void {
    const edit = slot.pending;
    if (edit === undefined) return;
    slot.pending = undefined;
    slot.inFlight = edit;
    slot.lastStartAt = now;
    channel.budget.take(now);
    // The send runs on a later microtask, so a synchronous throw becomes a rejection like any other.
    void Promise.resolve()
      .then(() => edit.send(edit.view))
      .then(
        () => this.finish(slot, edit, true, undefined),
        (error: unknown) => this.finish(slot, edit, false, error),
      );
  }

  private finish(slot: Slot, edit: Edit, ok: boolean, error: unknown): void {
    slot.inFlight = undefined;
    if (ok) {
      this.stats.sent += 1;
    } else {
      this.stats.failed += 1;
      this.handleFailure(slot, edit, error);
    }
    this.pump(this.channels.get(slot.channelId));
  }

  private handleFailure(slot: Slot, edit: Edit, error: unknown): void {
    const { logger, maxAttempts, retryBaseMs } = this.options;
    const important = edit.final || edit.flush;
    const retryable = important && !this.closed && safeCall(() => this.options.isRetryable(error), false);
    const newer = slot.pending;
    const willRetry = retryable && newer === undefined && edit.attempt < maxAttempts;
    if (willRetry) {
      const delay = retryBaseMs * 2 ** (edit.attempt - 1);
      slot.pending = { ...edit, attempt: edit.attempt + 1, notBefore: this.options.now() + delay };
    } else if (newer !== undefined && edit.flush) {
      newer.flush = true;
    }
    const info: EditErrorInfo = {
      key: slot.key,
      channelId: slot.channelId,
      final: edit.final,
      attempt: edit.attempt,
      willRetry,
    };
    const lost = edit.final && !willRetry && newer === undefined;
    logger[lost ? "error" : "warn"](
      { err: error, ...info },
      lost ? "final edit lost" : "message edit failed",
    );
    safeCall(() => this.options.onError(error, info), undefined);
  }

  private forgetIfIdle(slot: Slot, channel: Channel, now: number): void {
    // Once the interval has passed, a fresh slot would behave the same, so an idle one need not be kept.
    const done = this.finalized.has(slot.key) || now - slot.lastStartAt >= this.options.minIntervalMs;
    if (!done) return;
    this.slots.delete(slot.key);
    channel.slots.delete(slot.key);
  }

  private arm(wake: number, now: number): void {
    if (!Number.isFinite(wake)) {
      this.timer?.cancel();
      this.timer = undefined;
      return;
    }
    if (this.timer !== undefined && this.timer.at === wake) return;
    this.timer?.cancel();
    const timer = {
      at: wake,
      cancel: this.options.setTimer(
        () => {
          if (this.timer === timer) this.timer = undefined;
          this.pump();
        },
        Math.max(0, wake - now),
      ),
    };
    this.timer = timer;
  }

  private isIdle(key: string | undefined): boolean {
    if (key !== undefined) {
      const slot = this.slots.get(key);
      return slot === undefined || (slot.pending === undefined && slot.inFlight === undefined);
    }
    for (const slot of this.slots.values()) {
      if (slot.pending !== undefined || slot.inFlight !== undefined) return false;
    }
    return true;
  }

  private notifyWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i -= 1) {
      const waiter = this.waiters[i];
      if (waiter !== undefined && this.isIdle(waiter.key)) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }
}

/** Flush and final edits first, then whoever has waited longest. */
/** Edits per channel window that only a final view may use (see `ChannelBudget`). */
const finalsReserve = 1;

/** Results first (a member is waiting for them), then phase changes, then the longest waiting. */
function byPriority(a: Slot, b: Slot): number {
  const rank = (slot: Slot) => (slot.pending?.final === true ? 0 : slot.pending?.flush === true ? 1 : 2);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  return (a.pending?.since ?? 0) - (b.pending?.since ?? 0);
}

function safeCall<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
