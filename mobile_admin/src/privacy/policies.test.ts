import { describe, expect, it } from 'vitest'

import { emptyDraft, inputOf, startOf, statesOf } from './policies'

describe('the published versions', () => {
  it('are waiting, in effect or replaced by the time they take effect', () => {
    const now = new Date('2026-12-06T12:00:00Z')
    const listed = [
      { version: 'v3', effectiveAt: '2026-12-08T16:00:00Z' },
      { version: 'v2', effectiveAt: '2026-12-01T00:00:00Z' },
      { version: 'v1', effectiveAt: '2026-06-01T00:00:00Z' },
    ]
    expect([...statesOf(listed, now)]).toEqual([
      ['v3', 'scheduled'],
      ['v2', 'current'],
      ['v1', 'superseded'],
    ])
  })
})

describe('a new version', () => {
  it('takes effect at midnight in the store, not in the phone’s zone', () => {
    expect(startOf('2026-12-08', 'Asia/Shanghai')).toBe('2026-12-07T16:00:00.000Z')
    expect(startOf('2026-12-08', 'America/New_York')).toBe('2026-12-08T05:00:00.000Z')
  })

  it('sends its text or its link, and now unless a day is chosen', () => {
    const draft = { ...emptyDraft(), version: ' v2026.12 ', title: ' 隐私政策 ', text: '我们收集……' }
    expect(inputOf(draft, 'Asia/Shanghai')).toEqual({
      version: 'v2026.12',
      title: '隐私政策',
      text: '我们收集……',
      url: null,
      effectiveAt: null,
    })
    const linked = {
      ...draft,
      kind: 'url' as const,
      url: ' https://example.cn/privacy ',
      starts: 'day' as const,
      day: '2026-12-08',
    }
    expect(inputOf(linked, 'Asia/Shanghai')).toMatchObject({
      text: null,
      url: 'https://example.cn/privacy',
      effectiveAt: '2026-12-07T16:00:00.000Z',
    })
    expect(inputOf({ ...linked, day: '' }, 'Asia/Shanghai')).toEqual({ missing: 'day' })
  })
})
