// What each role is offered. The API enforces every rule; the menu only spares a cashier buttons that would be
// refused.
import type { StaffRole } from '../gql/graphql'

export type Feature =
  | 'scan'
  | 'members'
  | 'bill'
  | 'bookings'
  | 'queue'
  | 'coupons'
  | 'couponTemplates'
  | 'orders'
  | 'refunds'
  | 'shareholders'
  | 'appointShareholders'
  | 'reviewCommissions'
  | 'payouts'
  | 'deadLetters'
  | 'adjustBalance'
  | 'reportCardLost'
  | 'reissueCard'
  | 'grantCountCard'
  | 'useCountCard'
  | 'referrals'
  | 'reports'
  | 'alerts'
  | 'alertRules'
  | 'journeys'
  | 'journeyRules'
  | 'accessLog'
  | 'privacyPolicies'
  | 'publishPrivacyPolicy'
  | 'segments'
  | 'tagMembers'
  | 'campaigns'

const EVERYONE: readonly StaffRole[] = ['OWNER', 'MANAGER', 'CASHIER', 'TECHNICIAN']
const COUNTER: readonly StaffRole[] = ['OWNER', 'MANAGER', 'CASHIER']
const MANAGERS: readonly StaffRole[] = ['OWNER', 'MANAGER']

const ALLOWED: Record<Feature, readonly StaffRole[]> = {
  scan: COUNTER,
  members: EVERYONE,
  bill: COUNTER,
  bookings: EVERYONE,
  queue: EVERYONE,
  coupons: COUNTER,
  couponTemplates: MANAGERS,
  orders: COUNTER,
  refunds: MANAGERS,
  shareholders: MANAGERS,
  appointShareholders: ['OWNER'],
  reviewCommissions: ['OWNER'],
  payouts: ['OWNER'],
  deadLetters: ['OWNER'],
  adjustBalance: MANAGERS,
  reportCardLost: COUNTER,
  reissueCard: MANAGERS,
  grantCountCard: MANAGERS,
  useCountCard: EVERYONE,
  referrals: MANAGERS,
  reports: MANAGERS,
  alerts: MANAGERS,
  alertRules: ['OWNER'],
  journeys: MANAGERS,
  journeyRules: ['OWNER'],
  accessLog: ['OWNER'],
  privacyPolicies: MANAGERS,
  publishPrivacyPolicy: ['OWNER'],
  segments: MANAGERS,
  tagMembers: EVERYONE,
  campaigns: MANAGERS,
}

export function may(role: StaffRole | undefined, feature: Feature): boolean {
  return role !== undefined && ALLOWED[feature].includes(role)
}
