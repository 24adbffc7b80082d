import { describe, expect, it } from 'vitest'

import { may } from './menu'

describe('role menus', () => {
  it('offers a cashier the counter but no shareholders, refunds or payouts', () => {
    expect(may('CASHIER', 'scan')).toBe(true)
    expect(may('CASHIER', 'bill')).toBe(true)
    expect(may('CASHIER', 'shareholders')).toBe(false)
    expect(may('CASHIER', 'refunds')).toBe(false)
    expect(may('CASHIER', 'payouts')).toBe(false)
    expect(may('CASHIER', 'coupons')).toBe(true)
    expect(may('CASHIER', 'couponTemplates')).toBe(false)
  })

  it('offers a manager refunds and shareholders but only the owner payouts and dead letters', () => {
    expect(may('MANAGER', 'refunds')).toBe(true)
    expect(may('MANAGER', 'shareholders')).toBe(true)
    expect(may('MANAGER', 'payouts')).toBe(false)
    expect(may('OWNER', 'payouts')).toBe(true)
    expect(may('OWNER', 'deadLetters')).toBe(true)
  })

  it('shows a manager the privacy policy and leaves publishing one to the owner, as the API does', () => {
    expect(may('MANAGER', 'privacyPolicies')).toBe(true)
    expect(may('MANAGER', 'publishPrivacyPolicy')).toBe(false)
    expect(may('OWNER', 'publishPrivacyPolicy')).toBe(true)
    expect(may('CASHIER', 'privacyPolicies')).toBe(false)
  })

  it('leaves appointing shareholders and reviewing their commissions to the owner, as the API does', () => {
    expect(may('MANAGER', 'appointShareholders')).toBe(false)
    expect(may('MANAGER', 'reviewCommissions')).toBe(false)
    expect(may('OWNER', 'appointShareholders')).toBe(true)
    expect(may('OWNER', 'reviewCommissions')).toBe(true)
  })

  it('leaves campaigns to owners and managers, as the API does', () => {
    expect(may('OWNER', 'campaigns')).toBe(true)
    expect(may('MANAGER', 'campaigns')).toBe(true)
    expect(may('CASHIER', 'campaigns')).toBe(false)
  })

  it('offers a technician the day board, not the till', () => {
    expect(may('TECHNICIAN', 'bookings')).toBe(true)
    expect(may('TECHNICIAN', 'bill')).toBe(false)
  })

  it('shows reports and alerts to owners and managers, and leaves the alert rules to the owner', () => {
    expect(may('OWNER', 'reports')).toBe(true)
    expect(may('MANAGER', 'reports')).toBe(true)
    expect(may('CASHIER', 'reports')).toBe(false)
    expect(may('TECHNICIAN', 'reports')).toBe(false)
    expect(may('MANAGER', 'alerts')).toBe(true)
    expect(may('CASHIER', 'alerts')).toBe(false)
    expect(may('OWNER', 'alertRules')).toBe(true)
    expect(may('MANAGER', 'alertRules')).toBe(false)
    expect(may('OWNER', 'accessLog')).toBe(true)
    expect(may('MANAGER', 'accessLog')).toBe(false)
  })

  it('offers nothing before the role is known', () => {
    expect(may(undefined, 'bookings')).toBe(false)
  })

  it('offers segments to owners and managers, and tagging members to every role', () => {
    expect(may('MANAGER', 'segments')).toBe(true)
    expect(may('CASHIER', 'segments')).toBe(false)
    expect(may('TECHNICIAN', 'tagMembers')).toBe(true)
  })
})
