// Money is integer fen everywhere; only the screen shows yuan, and typed yuan is read back without floats.

export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(fen)
  const whole = Math.floor(abs / 100)
  const cents = String(abs % 100).padStart(2, '0')
  return `${sign}¥${whole.toLocaleString('en-US')}.${cents}`
}

/** Typed yuan ("12", "12.3", "12.34") to fen; null for anything else (more than two decimals, signs, letters). */
export function parseYuan(text: string): number | null {
  const match = /^\s*(\d{1,9})(?:\.(\d{0,2}))?\s*$/.exec(text)
  if (!match) return null
  const whole = Number(match[1])
  const cents = Number((match[2] ?? '').padEnd(2, '0'))
  return whole * 100 + cents
}
