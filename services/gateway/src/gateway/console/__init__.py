"""The producer console (DESIGN §13): pages that call the services' public APIs server-side
with the signed-in producer's JWT."""
