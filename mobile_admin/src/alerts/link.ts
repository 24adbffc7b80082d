// Where an alert's link leads in this app: the API names a route of the staff app ("/orders?status=REFUNDED&
// storeId=…"); screens that work on the current store (orders, bookings) read no storeId, so the alert's store is
// chosen first when it is one of this staff member's, and the route is followed as given.
export interface Followed {
  path: string
  storeId: string | null
}

/** The route to push and the store to switch to first (null: stay; the reports read storeId themselves). */
export function follow(link: string, myStoreIds: readonly string[]): Followed {
  const path = link.startsWith('/') ? link : `/${link}`
  const query = path.includes('?') ? path.slice(path.indexOf('?') + 1) : ''
  const storeId = new URLSearchParams(query).get('storeId')
  const own = storeId !== null && myStoreIds.includes(storeId) && !path.startsWith('/reports')
  return { path, storeId: own ? storeId : null }
}
