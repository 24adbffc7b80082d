// Start-up: one GraphQL client, the router's sign-in and role guard, then the app.
import './shell/theme.css'

import urql from '@urql/vue'
import { createApp } from 'vue'

import App from './App.vue'
import { router } from './router'
import { createGraphqlClient } from './shell/client'
import { forgetMe, loadMe, me } from './shell/me'
import { may } from './shell/menu'
import { tokens } from './shell/session'

const client = createGraphqlClient(() => {
  forgetMe()
  void router.replace({ name: 'signed-out' })
})

let meLoading: Promise<unknown> | null = null

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!tokens.value) return { name: 'sign-in', query: { next: to.fullPath } }
  if (!me.value) {
    meLoading ??= loadMe(client).finally(() => (meLoading = null))
    // Screens open to every role (home) render while `me` loads; a role-bound screen waits for the role.
    if (!to.meta.feature) return true
    await meLoading
    if (!me.value) return tokens.value ? { name: 'home' } : { name: 'signed-out' }
  }
  if (to.meta.feature && !may(me.value?.role, to.meta.feature)) return { name: 'home' }
  return true
})

createApp(App).use(urql, client).use(router).mount('#app')
