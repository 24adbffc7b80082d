"""Reports (经营报表): rollups kept by the outbox handlers per store and store-local day, the rebuild that
recomputes them from the orders, and the figures the report queries and the alerts read from them.
"""
