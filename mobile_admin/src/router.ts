// Every screen of the app. Home is in the entry (it is the first screen, one round trip fewer on a slow network);
// the others load on first visit. A route's `feature` is what the role menu checks before showing it.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'

import HomeScreen from './home/HomeScreen.vue'
import type { Feature } from './shell/menu'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    feature?: Feature
    tab?: 'home' | 'members' | 'bill' | 'bookings' | 'mine'
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/sign-in', name: 'sign-in', component: () => import('./auth/SignIn.vue'), meta: { public: true } },
  { path: '/signed-out', name: 'signed-out', component: () => import('./auth/SignedOut.vue'), meta: { public: true } },
  { path: '/', name: 'home', component: HomeScreen, meta: { tab: 'home' } },
  { path: '/scan', name: 'scan', component: () => import('./scan/ScanScreen.vue'), meta: { feature: 'scan' } },
  {
    path: '/members',
    name: 'members',
    component: () => import('./members/MemberSearch.vue'),
    meta: { feature: 'members', tab: 'members' },
  },
  {
    path: '/members/:id',
    name: 'member',
    component: () => import('./members/MemberCard.vue'),
    meta: { feature: 'members' },
    props: true,
  },
  { path: '/bill', name: 'bill', component: () => import('./bill/BillScreen.vue'), meta: { feature: 'bill', tab: 'bill' } },
  {
    path: '/orders',
    name: 'orders',
    component: () => import('./bill/OrderList.vue'),
    meta: { feature: 'orders' },
  },
  {
    path: '/orders/:id',
    name: 'order',
    component: () => import('./bill/OrderScreen.vue'),
    meta: { feature: 'orders' },
    props: true,
  },
  {
    path: '/bookings',
    name: 'bookings',
    component: () => import('./bookings/DayBoard.vue'),
    meta: { feature: 'bookings', tab: 'bookings' },
  },
  { path: '/queue', name: 'queue', component: () => import('./queue/QueueScreen.vue'), meta: { feature: 'queue' } },
  {
    path: '/coupons',
    name: 'coupons',
    component: () => import('./coupons/TemplateList.vue'),
    meta: { feature: 'coupons' },
  },
  {
    path: '/coupons/:id',
    name: 'coupon-template',
    component: () => import('./coupons/TemplateScreen.vue'),
    meta: { feature: 'couponTemplates' },
    props: true,
  },
  {
    path: '/shareholders',
    name: 'shareholders',
    component: () => import('./shareholders/ShareholderScreen.vue'),
    meta: { feature: 'shareholders' },
  },
  {
    path: '/dead-letters',
    name: 'dead-letters',
    component: () => import('./home/DeadLetters.vue'),
    meta: { feature: 'deadLetters' },
  },
  {
    path: '/reports',
    name: 'reports',
    component: () => import('./reports/ReportsScreen.vue'),
    meta: { feature: 'reports' },
  },
  { path: '/alerts', name: 'alerts', component: () => import('./alerts/AlertsScreen.vue'), meta: { feature: 'alerts' } },
  {
    path: '/alerts/rules',
    name: 'alert-rules',
    component: () => import('./alerts/AlertRules.vue'),
    meta: { feature: 'alertRules' },
  },
  {
    path: '/journeys',
    name: 'journeys',
    component: () => import('./journeys/JourneyRules.vue'),
    meta: { feature: 'journeys' },
  },
  {
    path: '/access-log',
    name: 'access-log',
    component: () => import('./access/AccessLogScreen.vue'),
    meta: { feature: 'accessLog' },
  },
  {
    path: '/privacy',
    name: 'privacy',
    component: () => import('./privacy/PrivacyPolicies.vue'),
    meta: { feature: 'privacyPolicies' },
  },
  {
    path: '/privacy/new',
    name: 'privacy-new',
    component: () => import('./privacy/PublishPolicy.vue'),
    meta: { feature: 'publishPrivacyPolicy' },
  },
  {
    path: '/segments',
    name: 'segments',
    component: () => import('./segments/SegmentList.vue'),
    meta: { feature: 'segments' },
  },
  {
    path: '/segments/new',
    name: 'segment-new',
    component: () => import('./segments/SegmentScreen.vue'),
    meta: { feature: 'segments' },
  },
  {
    path: '/segments/:id',
    name: 'segment',
    component: () => import('./segments/SegmentScreen.vue'),
    meta: { feature: 'segments' },
    props: true,
  },
  {
    path: '/campaigns',
    name: 'campaigns',
    component: () => import('./campaigns/CampaignList.vue'),
    meta: { feature: 'campaigns' },
  },
  {
    path: '/campaigns/new',
    name: 'campaign-new',
    component: () => import('./campaigns/CampaignForm.vue'),
    meta: { feature: 'campaigns' },
  },
  {
    path: '/campaigns/:id',
    name: 'campaign',
    component: () => import('./campaigns/CampaignScreen.vue'),
    meta: { feature: 'campaigns' },
    props: true,
  },
  { path: '/mine', name: 'mine', component: () => import('./mine/MineScreen.vue'), meta: { tab: 'mine' } },
  { path: '/:rest(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHistory('/admin/'), routes })
