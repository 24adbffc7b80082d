"""Orders (订单): what a member owes a store, priced once when it is made, and its status from PENDING to PAID to
(PARTIALLY_)REFUNDED, or CLOSED. Staff make them at the counter; members make them by scanning the store's code
(扫码买单), to pay for a booking, or to top up stored value. Paying and refunding belong to domain.checkout.
"""
