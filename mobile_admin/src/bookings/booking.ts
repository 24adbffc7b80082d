// What every bookings screen reads of a booking: one fragment (codegen reads it here; the documents that spread it
// carry it), so a mutation's answer refreshes the board's block through the normalized cache.
import { graphql } from '../gql'
import type { BoardBookingFragment } from '../gql/graphql'

export const BOARD_BOOKING = graphql(`
  fragment BoardBooking on Booking {
    id
    status
    start
    end
    occupiedUntil
    serviceId
    serviceName
    storeId
    staffMemberId
    staffName
    memberId
    memberNickname
    priceFen
    depositFen
    note
    cancelReason
    countCardId
    orderId
  }
`)

export type BoardBooking = BoardBookingFragment

export interface StaffOption {
  id: string
  name: string
}

export interface ServiceOption {
  id: string
  name: string
  durationMin: number
  priceFen: number
  staffMemberIds: string[]
}
