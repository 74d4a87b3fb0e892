/**
 * A short human duration: "45 s", "1 m 05 s", "2 h 03 m". Floors to the second, so an elapsed
 * time never runs ahead of the clock; negative and NaN inputs read as "0 s".
 */
export function formatDuration(ms: number): string {
  const totalSeconds = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  if (totalSeconds < 60) return `${totalSeconds} s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes < 60) return `${totalMinutes} m ${pad2(totalSeconds % 60)} s`;
  const hours = Math.floor(totalMinutes / 60);
  return `${hours} h ${pad2(totalMinutes % 60)} m`;
}

/** A rate-limit window as people say it: "60 s", "10 min", "1 h". */
export function formatWindow(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 600 || seconds % 60 !== 0) return `${seconds} s`;
  const minutes = seconds / 60;
  if (minutes % 60 !== 0) return `${minutes} min`;
  return `${minutes / 60} h`;
}

function pad2(value: number): string {
  return value.toString().padStart(2, "0");
}
