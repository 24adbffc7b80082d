"""Start-up wiring below every door: the one settings object and the clients bundle made from it."""
