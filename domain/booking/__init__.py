"""Booking (预约): services and resources, store hours and staff schedules, free slots, bookings that can never
overlap on one staff member or resource unit (see domain.booking.occupancy for how), and the walk-in queue.

All days and slots are computed in the store's timezone (domain.booking.wallclock); instants are stored in UTC.
"""
