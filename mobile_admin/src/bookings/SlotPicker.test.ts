import urql, { Client, fetchExchange } from '@urql/vue'
import { mount } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'

import { locale } from '../shell/i18n'
import { addDays, todayIn } from './board'
import { bookingMessages } from './messages'
import SlotPicker from './SlotPicker.vue'

const TZ = 'Asia/Shanghai'

interface Asked {
  date: string
  staffId: string | null
  answer: (starts: string[]) => void
}

/** A GraphQL server whose answers the test hands out one by one, so a slow answer can be held back. */
function heldServer() {
  const asked: Asked[] = []
  const fetch = (_url: RequestInfo | URL, init?: RequestInit): Promise<Response> =>
    new Promise((resolve) => {
      const { variables } = JSON.parse(String(init?.body)) as { variables: { date: string; staffId: string | null } }
      asked.push({
        date: variables.date,
        staffId: variables.staffId,
        answer: (starts) => {
          const availableSlots = starts.map((start) => ({
            __typename: 'AvailableSlot',
            start,
            staffMembers: [{ __typename: 'StaffMember', id: 'staff-1', name: '小美' }],
          }))
          const headers = { 'content-type': 'application/json' }
          resolve(new Response(JSON.stringify({ data: { availableSlots } }), { headers }))
        },
      })
    })
  const client = new Client({
    url: 'http://jike.test/graphql',
    exchanges: [fetchExchange],
    fetch,
    preferGetMethod: false,
  })
  return { asked, client }
}

function mountPicker(client: Client, day: string) {
  const wrapper = mount(SlotPicker, {
    props: {
      storeId: 'store-1',
      serviceId: 'service-1',
      timezone: TZ,
      staffOptions: [{ id: 'staff-1', name: '小美' }],
      picked: null,
      day,
      staff: null,
      'onUpdate:day': (next: string) => wrapper.setProps({ day: next }),
      'onUpdate:staff': (next: string | null) => wrapper.setProps({ staff: next }),
    },
    global: { plugins: [[urql, client]] },
  })
  return wrapper
}

const starts = (wrapper: ReturnType<typeof mountPicker>) => wrapper.findAll('[role="option"]')

describe('the slot picker', () => {
  it('shows no starts while the next day is asked for, so a quick tap cannot book the day before', async () => {
    // given a picker showing today's 11:00
    locale.value = 'zh'
    const today = todayIn(TZ)
    const tomorrow = addDays(today, 1)
    const { asked, client } = heldServer()
    const wrapper = mountPicker(client, today)
    await vi.waitFor(() => expect(asked).toHaveLength(1))
    asked[0]?.answer([`${today}T03:00:00.000Z`])
    await vi.waitFor(() => expect(starts(wrapper).map((s) => s.text())).toEqual(['11:00']))

    // when the cashier taps 后一天 and the answer is slow
    await wrapper.get(`button[aria-label="${bookingMessages.zh.nextDay}"]`).trigger('click')
    await vi.waitFor(() => expect(asked).toHaveLength(2))

    // then the old day's 11:00 is gone while tomorrow is asked for
    expect(asked.map((a) => a.date)).toEqual([today, tomorrow])
    expect(starts(wrapper)).toHaveLength(0)
    expect(wrapper.find('.van-loading').exists()).toBe(true)

    // and once tomorrow's answer is in, its 11:00 is the one picked
    asked[1]?.answer([`${tomorrow}T03:00:00.000Z`])
    await vi.waitFor(() => expect(starts(wrapper)).toHaveLength(1))
    await starts(wrapper)[0]?.trigger('click')
    expect(wrapper.emitted('pick')).toEqual([
      [{ start: `${tomorrow}T03:00:00.000Z`, staff: [{ __typename: 'StaffMember', id: 'staff-1', name: '小美' }] }],
    ])
  })

  it('shows no starts while another staff member’s are asked for', async () => {
    // given a picker showing anyone's 11:00
    locale.value = 'zh'
    const today = todayIn(TZ)
    const { asked, client } = heldServer()
    const wrapper = mountPicker(client, today)
    await vi.waitFor(() => expect(asked).toHaveLength(1))
    asked[0]?.answer([`${today}T03:00:00.000Z`])
    await vi.waitFor(() => expect(starts(wrapper)).toHaveLength(1))

    // when the cashier picks 小美 and her answer is slow
    await wrapper.get('[role="group"] button:nth-child(2)').trigger('click')
    await vi.waitFor(() => expect(asked).toHaveLength(2))

    // then anyone's 11:00 is not offered as hers
    expect(asked.map((a) => a.staffId)).toEqual([null, 'staff-1'])
    expect(starts(wrapper)).toHaveLength(0)
  })
})
