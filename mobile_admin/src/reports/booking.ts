// 预约 as the dashboard shows it: each staff member's booked minutes against their scheduled ones as a bar, in
// hours a store owner reads at a glance; the percentages themselves are the API's.

/** Minutes as hours, one decimal at most: 90 → "1.5", 720 → "12", 0 → "0". */
export function hours(minutes: number): string {
  return (Math.round(minutes / 6) / 10).toString()
}

/** The bar's width for a utilization, 0–100: booked beyond the schedule (a booking outside hours) fills it. */
export function utilizationWidth(bookedMinutes: number, scheduledMinutes: number): number {
  if (scheduledMinutes <= 0) return bookedMinutes > 0 ? 100 : 0
  return Math.min(100, (bookedMinutes * 100) / scheduledMinutes)
}

/** Booked beyond the schedule: worth a colour of its own (someone worked off the rota, or the rota is wrong). */
export function overbooked(bookedMinutes: number, scheduledMinutes: number): boolean {
  return bookedMinutes > scheduledMinutes
}
