/** Service-level due dates from a category's targets (calendar days from creation). */
export interface SlaTargets {
  firstResponseDays: number;
  resolutionDays: number;
}

const DAY_MS = 86_400_000;

export function computeDueDates(createdAt: Date, targets: SlaTargets | null) {
  if (!targets) return { firstResponseDueAt: null, resolutionDueAt: null };
  return {
    firstResponseDueAt: new Date(createdAt.getTime() + targets.firstResponseDays * DAY_MS),
    resolutionDueAt: new Date(createdAt.getTime() + targets.resolutionDays * DAY_MS),
  };
}
