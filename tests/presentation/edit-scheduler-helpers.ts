// Shared by the edit scheduler tests: views, a recording sender, a scheduler on a fake clock.
import { pino } from "pino";
import { EditScheduler, type SendView } from "../../src/presentation/edit-scheduler.js";
import type { JobPhase, MessageView } from "../../src/presentation/message-view.js";
import type { FakeClock } from "../support/fake-clock.js";

export const logger = pino({ level: "silent" });

export function view(content: string, phase: JobPhase = "running"): MessageView {
  return { content, embeds: [], files: [], phase };
}

export interface SentEdit {
  key: string;
  channelId: string;
  content: string;
  phase: JobPhase;
  at: number;
}

/** Records every send at the moment it starts; latency is fake time. */
export function recorder(clock: FakeClock, latencyMs = 0) {
  const sent: SentEdit[] = [];
  let inFlight = new Map<string, number>();
  let maxInFlightPerKey = 0;
  const sender =
    (key: string, channelId = "c1"): SendView =>
    (v) => {
      sent.push({ key, channelId, content: v.content, phase: v.phase, at: clock.time });
      const now = (inFlight.get(key) ?? 0) + 1;
      inFlight.set(key, now);
      maxInFlightPerKey = Math.max(maxInFlightPerKey, now);
      return new Promise<void>((resolve) => {
        const done = () => {
          inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
          resolve();
        };
        if (latencyMs === 0) done();
        else clock.setTimer(done, latencyMs);
      });
    };
  return {
    sent,
    sender,
    maxInFlight: () => maxInFlightPerKey,
    reset: () => {
      inFlight = new Map();
    },
  };
}

export function scheduler(
  clock: FakeClock,
  overrides: Partial<ConstructorParameters<typeof EditScheduler>[0]> = {},
) {
  return new EditScheduler({
    minIntervalMs: 1250,
    channelEditsPerSecond: 5,
    logger,
    now: clock.now,
    setTimer: clock.setTimer,
    ...overrides,
  });
}

/** The most sends that started inside any half-open window [t, t + windowMs). */
export function maxInAnyWindow(times: number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (j < sorted.length && (sorted[j] ?? 0) < (sorted[i] ?? 0) + windowMs) j += 1;
    max = Math.max(max, j - i);
  }
  return max;
}
