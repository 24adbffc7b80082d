"""Storage: the Mongo client, collection names, index definitions and the transaction helper."""
