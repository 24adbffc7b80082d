"""Business rules, one module per capability. The only code that changes data; no HTTP, no GraphQL, no arq."""
