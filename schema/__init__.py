"""GraphQL: the member and admin schemas. Resolvers parse input, call one domain function, map the result."""
